package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// TestConsoleLetsInWhomItShould: no session goes to sign in through the
// account client; a person without authority is refused; an org admin sees
// the home page with their companies' members pages; an operator the rest.
func TestConsoleLetsInWhomItShould(t *testing.T) {
	ts := newTestServer(t)
	code, body := ts.get("/console")
	want(t, "no session", code, body, http.StatusSeeOther, "/authorize?", "client_id=vhod-account")
	ts.user("plain")
	ts.signIn("plain")
	code, body = ts.get("/console")
	want(t, "no authority", code, body, http.StatusForbidden)
	code, body = ts.get("/console/clients")
	want(t, "not an operator", code, body, http.StatusForbidden)

	ctx := t.Context()
	org, bad, err := ts.orgs.Create(ctx, storage.Organisation{Name: "Ромашка", INN: "7728824599", KPP: "772801001"}, directory.Actor{ID: "test"})
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	if _, err := ts.orgs.EnsureMember(ctx, "plain", org.ID, []string{storage.RoleOrgAdmin}, directory.Actor{ID: "test"}); err != nil {
		t.Fatal(err)
	}
	code, body = ts.get("/console")
	want(t, "org admin", code, body, http.StatusOK, "/account/companies/"+org.ID+"/members", "Ромашка")

	code, body = ts.get("/console/users?q=%ff")
	want(t, "malformed query", code, body, http.StatusBadRequest)
}

// TestConsoleClients: make a client (its secret shown once), read, save,
// rotate and delete it, each audited as the console's.
func TestConsoleClients(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	code, body := ts.get("/console/clients")
	want(t, "list", code, body, http.StatusOK)
	code, body = ts.post("/console/clients", "/console/clients", url.Values{"id": {"bad id"}, "redirect_uris": {"https://shop/cb"}})
	want(t, "invalid id", code, body, http.StatusBadRequest)
	code, body = ts.post("/console/clients", "/console/clients", url.Values{"id": {"shop"}, "name": {"Shop"},
		"redirect_uris": {"https://shop/cb"}, "grant_type": {"authorization_code", "refresh_token"}, "auth_method": {"client_secret_basic"}})
	want(t, "create", code, body, http.StatusCreated, "shop")
	code, body = ts.post("/console/clients", "/console/clients", url.Values{"id": {"shop"}, "redirect_uris": {"https://shop/cb"}})
	want(t, "again", code, body, http.StatusBadRequest, "a client with this id exists")
	code, body = ts.get("/console/clients/shop")
	want(t, "read", code, body, http.StatusOK, "https://shop/cb")
	c, _ := ts.st.ClientByID(t.Context(), "shop")
	code, body = ts.post("/console/clients/shop", "/console/clients/shop/save", url.Values{"name": {"Shop 2"}, "redirect_uris": {"https://shop/cb2"},
		"grant_type": {"authorization_code"}, "auth_method": {"client_secret_basic"}, "version": {itoa(c.Version)}})
	want(t, "save", code, body, http.StatusSeeOther, "notice=saved")
	code, body = ts.post("/console/clients/shop", "/console/clients/shop/save", url.Values{"redirect_uris": {"not a uri"},
		"grant_type": {"authorization_code"}, "version": {itoa(c.Version + 1)}})
	want(t, "save invalid", code, body, http.StatusBadRequest)
	code, body = ts.post("/console/clients/shop", "/console/clients/shop/save", url.Values{"redirect_uris": {"https://shop/cb"},
		"grant_type": {"authorization_code"}, "version": {itoa(c.Version)}})
	want(t, "save stale", code, body, http.StatusConflict)
	code, body = ts.post("/console/clients/shop", "/console/clients/shop/secret", nil)
	want(t, "rotate", code, body, http.StatusOK)
	confirmed := ts.asks("/console/clients/shop", "/console/clients/shop/delete", nil, "Delete the client?", "“Shop 2” will be deleted", `href="/console/clients/shop"`)
	if _, err := ts.st.ClientByID(t.Context(), "shop"); err != nil {
		t.Fatalf("deleted before the confirmation: %v", err)
	}
	code, body = ts.post("/console/clients/shop", "/console/clients/shop/delete", confirmed)
	want(t, "delete", code, body, http.StatusSeeOther, "notice=deleted")
	code, body = ts.get("/console/clients/shop")
	want(t, "gone", code, body, http.StatusNotFound)
	var changes []string
	for _, e := range ts.events(directory.EventClientChanged) {
		if e.Actor != "op" || e.Details["via"] != "console" {
			t.Fatalf("event %+v", e)
		}
		changes = append(changes, e.Details["change"])
	}
	if strings.Join(changes, ",") != "deleted,secret rotated,updated,created" {
		t.Fatalf("client events: %v", changes)
	}
}

// TestConsoleCatalogues: a catalogue is made, read, refused when invalid,
// deleted.
func TestConsoleCatalogues(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	form := url.Values{"new": {"yes"}, "id": {"shop"}, "clients": {"shop"}, "roles": {"buyer | Закупщик | Buyer"}}
	code, body := ts.post("/console/catalogues", "/console/catalogues", form)
	want(t, "save", code, body, http.StatusSeeOther, "/console/catalogues/shop?notice=saved")
	code, body = ts.post("/console/catalogues", "/console/catalogues", form)
	want(t, "again", code, body, http.StatusBadRequest, "a catalogue with this id exists")
	code, body = ts.post("/console/catalogues", "/console/catalogues", url.Values{"id": {"x"}, "roles": {"org_admin | А | A"}})
	want(t, "built-in key", code, body, http.StatusBadRequest, "org_admin is built in")
	code, body = ts.post("/console/catalogues", "/console/catalogues", url.Values{"id": {"x"}, "roles": {"only a key"}})
	want(t, "bad line", code, body, http.StatusBadRequest)
	code, body = ts.get("/console/catalogues/shop")
	want(t, "read", code, body, http.StatusOK, "buyer | Закупщик | Buyer")
	code, body = ts.get("/console/catalogues/nothing")
	want(t, "missing", code, body, http.StatusNotFound)
	code, body = ts.post("/console/catalogues", "/console/catalogues/shop/delete", nil)
	want(t, "delete", code, body, http.StatusSeeOther, "notice=deleted")
	if n := len(ts.events(directory.EventCatalogueChanged)); n != 2 {
		t.Fatalf("%d catalogue events", n)
	}
}

// TestConsoleUsers: make an account, find, read, save, lock, unlock, require
// a new password, end a session, delete.
func TestConsoleUsers(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	code, body := ts.post("/console/users", "/console/users/new", url.Values{"login": {"petrov"}, "email": {"petrov@example.com"},
		"family_name": {"Петров"}, "password": {"Long-enough-pass-1"}})
	want(t, "create", code, body, http.StatusSeeOther, "notice=created")
	id := strings.TrimSuffix(strings.TrimPrefix(body, "Location: /console/users/"), "?notice=created")
	code, body = ts.post("/console/users", "/console/users/new", url.Values{"login": {"petrov"}})
	want(t, "taken", code, body, http.StatusBadRequest, "another account has one of these identifiers")
	code, body = ts.post("/console/users", "/console/users/new", url.Values{})
	want(t, "nothing", code, body, http.StatusBadRequest)
	code, body = ts.get("/console/users?q=petrov")
	want(t, "find", code, body, http.StatusOK, "/console/users/"+id)
	code, body = ts.get("/console/users/" + id)
	want(t, "read", code, body, http.StatusOK, "petrov@example.com")
	code, body = ts.post("/console/users/"+id, "/console/users/"+id+"/save", url.Values{"family_name": {"Петрова"}, "authority": {"moderator"}})
	want(t, "save", code, body, http.StatusSeeOther, "notice=saved")
	code, body = ts.post("/console/users/"+id, "/console/users/"+id+"/save", url.Values{"authority": {"god"}})
	want(t, "bad authority", code, body, http.StatusBadRequest)
	for _, action := range []string{"lock", "unlock", "password"} {
		code, body = ts.post("/console/users/"+id, "/console/users/"+id+"/"+action, nil)
		want(t, action, code, body, http.StatusSeeOther, "notice="+action)
	}
	u, _ := ts.st.UserByID(t.Context(), id)
	if u.FamilyName != "Петрова" || !u.PasswordTemporary || len(u.Authorities) != 1 {
		t.Fatalf("after the actions: %+v", u)
	}
	ts.user("nopass")
	code, body = ts.post("/console/users/nopass", "/console/users/nopass/password", nil)
	want(t, "no password", code, body, http.StatusConflict)
	confirmed := ts.asks("/console/users/"+id, "/console/users/op/sessions/sid-op/revoke", nil, "End the session?", "This session of op will end")
	if list, _ := ts.st.ListUserSessions(t.Context(), "op"); len(list) != 1 || len(ts.events(directory.EventSessionRevoked)) != 0 {
		t.Fatalf("revoked before the confirmation: %+v", list)
	}
	code, body = ts.post("/console/users/"+id, "/console/users/op/sessions/sid-op/revoke", confirmed)
	want(t, "revoke", code, body, http.StatusSeeOther, "notice=session")
	ts.signIn("op")
	code, body = ts.post("/console/users/"+id, "/console/users/op/sessions/nothing/revoke", url.Values{"confirm": {"1"}})
	want(t, "no such session", code, body, http.StatusNotFound)
	// Deleting asks first, on a page of its own; only the confirmed POST deletes.
	confirmed = ts.asks("/console/users/"+id, "/console/users/"+id+"/delete", nil, "Delete the account?", "will be deleted with its sessions and tokens")
	if code, _ := ts.get("/console/users/" + id); code != http.StatusOK {
		t.Fatalf("deleted before the confirmation: %d", code)
	}
	code, body = ts.post("/console/users/"+id, "/console/users/"+id+"/delete", confirmed)
	want(t, "delete", code, body, http.StatusSeeOther, "notice=deleted")
	code, body = ts.get("/console/users/" + id)
	want(t, "gone", code, body, http.StatusNotFound)
	if len(ts.events(directory.EventAccountLocked)) != 1 || len(ts.events(directory.EventSessionRevoked)) != 1 {
		t.Fatal("lock or revocation not audited")
	}
}

// TestConsoleOrganisations: make, read, save, suspend and reactivate a
// company; a second with the same INN/KPP is refused.
func TestConsoleOrganisations(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	form := url.Values{"kind": {"legal_entity"}, "name": {"Ромашка"}, "inn": {"7728824599"}, "kpp": {"772801001"}}
	code, body := ts.post("/console/organisations/new", "/console/organisations/new", form)
	want(t, "create", code, body, http.StatusSeeOther, "notice=created")
	id := strings.TrimSuffix(strings.TrimPrefix(body, "Location: /console/organisations/"), "?notice=created")
	code, body = ts.post("/console/organisations/new", "/console/organisations/new", form)
	want(t, "again", code, body, http.StatusBadRequest)
	code, body = ts.post("/console/organisations/new", "/console/organisations/new", url.Values{"name": {"X"}, "inn": {"123"}})
	want(t, "invalid", code, body, http.StatusBadRequest)
	code, body = ts.get("/console/organisations/" + id)
	want(t, "read", code, body, http.StatusOK, "Ромашка")
	o, _ := ts.orgs.Get(t.Context(), id)
	save := url.Values{"kind": {"legal_entity"}, "name": {"Ромашка-2"}, "version": {itoa(o.Version)}}
	code, body = ts.post("/console/organisations/"+id, "/console/organisations/"+id+"/save", save)
	want(t, "save", code, body, http.StatusSeeOther, "notice=saved")
	code, body = ts.post("/console/organisations/"+id, "/console/organisations/"+id+"/save", save)
	want(t, "stale", code, body, http.StatusConflict)
	code, body = ts.get("/console/organisations?status=active&q=Ромашка")
	want(t, "list", code, body, http.StatusOK, "Ромашка-2")
	confirmed := ts.asks("/console/organisations", "/console/organisations/"+id+"/suspend", url.Values{"reason": {"unpaid"}},
		"Suspend the company?", "Ромашка-2 will be suspended", `name="reason" value="unpaid"`, `href="/console/organisations"`)
	if o, _ := ts.orgs.Get(t.Context(), id); o.Status != storage.OrgActive {
		t.Fatalf("suspended before the confirmation: %s", o.Status)
	}
	code, body = ts.post("/console/organisations", "/console/organisations/"+id+"/suspend", confirmed)
	want(t, "suspend", code, body, http.StatusSeeOther, "notice=suspend")
	if o, _ := ts.orgs.Get(t.Context(), id); o.Status != storage.OrgSuspended || o.Reason != "unpaid" {
		t.Fatalf("after the suspension: %s %q", o.Status, o.Reason)
	}
	code, body = ts.post("/console/organisations", "/console/organisations/"+id+"/suspend", url.Values{"confirm": {"1"}})
	want(t, "suspend twice", code, body, http.StatusConflict)
	code, body = ts.post("/console/organisations", "/console/organisations/nobody/suspend", nil)
	want(t, "suspend nothing", code, body, http.StatusNotFound)
	code, body = ts.post("/console/organisations", "/console/organisations/"+id+"/reactivate", nil)
	want(t, "reactivate", code, body, http.StatusSeeOther, "notice=reactivate")
}

// TestConsoleKeysAnchorsAudit: keys list and rotate through the ring;
// anchors refuse what is not a CA certificate; the audit log filters.
func TestConsoleKeysAnchorsAudit(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	code, body := ts.get("/console/keys")
	want(t, "keys", code, body, http.StatusOK, "k1")
	code, body = ts.post("/console/keys", "/console/keys", url.Values{"alg": {"RS256"}})
	want(t, "rotate", code, body, http.StatusSeeOther, "notice=rotated")
	code, body = ts.post("/console/keys", "/console/keys", url.Values{"alg": {"none"}})
	want(t, "unknown alg", code, body, http.StatusBadRequest)
	if len(ts.ring.rotated) != 1 || len(ts.events(directory.EventKeyRotated)) != 1 {
		t.Fatalf("rotated %v", ts.ring.rotated)
	}
	code, body = ts.get("/console/anchors")
	want(t, "anchors", code, body, http.StatusOK)
	code, body = ts.post("/console/anchors", "/console/anchors", url.Values{"certificate": {"not a certificate"}})
	want(t, "bad anchor", code, body, http.StatusBadRequest)
	code, body = ts.post("/console/anchors", "/console/anchors/nothing/remove", nil)
	want(t, "no anchor", code, body, http.StatusNotFound)
	code, body = ts.get("/console/audit?type=key.rotated&from=2020-01-01&to=2100-01-01")
	want(t, "audit", code, body, http.StatusOK, "<td data-label=\"Action\">Signing key rotated</td>")
	code, body = ts.get("/console/audit?from=yesterday")
	want(t, "bad date", code, body, http.StatusBadRequest)
}

// TestModerationDecisions: a moderator approves a company and a join
// request in the queue; directory mails whom each concerns.
func TestModerationDecisions(t *testing.T) {
	ts := newTestServer(t)
	ts.user("mod", storage.AuthorityModerator)
	ts.user("director")
	ts.user("employee")
	ctx := t.Context()
	pending, err := ts.orgs.Register(ctx, storage.Organisation{Kind: storage.OrgLegalEntity, Name: "Ромашка", INN: "7728824599", KPP: "772801001"},
		directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	ts.signIn("employee")
	code, body := ts.get("/moderation")
	want(t, "not a moderator", code, body, http.StatusForbidden)
	ts.signIn("mod")
	code, body = ts.get("/moderation")
	want(t, "queue", code, body, http.StatusOK, "Ромашка")
	code, body = ts.post("/moderation", "/moderation/orgs/"+pending.ID+"/approve", nil)
	want(t, "approve", code, body, http.StatusSeeOther, "notice=approved")
	code, body = ts.post("/moderation", "/moderation/orgs/"+pending.ID+"/reject", nil)
	want(t, "decided already", code, body, http.StatusNotFound)
	if _, err := ts.orgs.RequestJoin(ctx, "employee", pending.ID); err != nil {
		t.Fatal(err)
	}
	code, body = ts.get("/moderation")
	want(t, "request", code, body, http.StatusOK, "employee")
	code, body = ts.post("/moderation", "/moderation/requests/"+pending.ID+"/employee/reject", url.Values{"reason": {"unknown"}})
	want(t, "reject", code, body, http.StatusSeeOther, "notice=rejected")
	code, body = ts.post("/moderation", "/moderation/requests/"+pending.ID+"/employee/approve", nil)
	want(t, "nothing waits", code, body, http.StatusNotFound)
	msgs := ts.mail.Messages()
	if len(msgs) != 2 || msgs[0].To != "director@example.com" || msgs[1].To != "employee@example.com" ||
		!strings.Contains(msgs[1].Text, "unknown") {
		t.Fatalf("mail %+v", msgs)
	}
	if e := ts.events(directory.EventJoinRejected); len(e) != 1 || e[0].Actor != "mod" || e[0].Details["as"] != orgs.ApproverModerator {
		t.Fatalf("rejection audited as %+v", e)
	}
}
