package e2e

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/internal/rptest"
)

// consoleServer: "admin" is an operator, "moderator" a moderator, ivanov neither.
func consoleServer(t *testing.T) *server {
	srv, _ := companyServer(t, func(cfg string) string {
		cfg = strings.Replace(cfg, "  users:\n", "  organisations:\n    - {id: vasilek, name: ООО «Василёк», inn: \"7707083893\", kpp: \"773601001\", ogrn: \"1027700132195\"}\n  users:\n", 1)
		return strings.Replace(cfg, "  moderators: [moderator]\n", "  moderators: [moderator]\n  operators: [admin]\n", 1) +
			"    - {login: admin, password: \"Admin-pass-123\"}\n"
	})
	return srv
}

var secretRe = regexp.MustCompile(`id="secret" type="text" readonly value="([^"]+)"`)

// TestConsole: an operator creates a client in the console that a relying
// party then signs in with; manages accounts, role catalogues, trust anchors,
// organisations and keys; every change lands in the audit log, marked as made
// in the console. Others reach the console only as far as their authority goes.
func TestConsole(t *testing.T) {
	srv := consoleServer(t)
	op := accountBrowser(t, srv, "admin", "Admin-pass-123")
	if p := mustGet(t, op, srv.Issuer+"/account"); !strings.Contains(p.Body, `href="/console"`) {
		t.Fatalf("no console link for the operator: %.400s", p.Body)
	}

	// A client: a wrong one is refused with the field named, nothing stored.
	p := mustGet(t, op, srv.Issuer+"/console/clients")
	bad := mustSubmit(t, op, p, "/console/clients", url.Values{"id": {"crm"}, "grant_type": {"authorization_code"},
		"auth_method": {"client_secret_basic"}, "access_token_format": {"opaque"}})
	if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "redirect_uris:") {
		t.Fatalf("client without a redirect URI: %d %.600s", bad.Status, bad.Body)
	}
	if p = mustGet(t, op, srv.Issuer+"/console/clients/crm"); p.Status != http.StatusNotFound {
		t.Fatalf("the refused client exists: %d", p.Status)
	}
	created := mustSubmit(t, op, bad, "/console/clients", url.Values{"id": {"crm"}, "name": {"CRM"},
		"redirect_uris": {"http://127.0.0.1:8768/callback"}, "grant_type": {"authorization_code", "refresh_token"},
		"auth_method": {"client_secret_basic"}, "access_token_format": {"jwt"}, "first_party": {"yes"}})
	m := secretRe.FindStringSubmatch(created.Body)
	if created.Status != http.StatusCreated || m == nil {
		t.Fatalf("create client: %d %.600s", created.Status, created.Body)
	}
	crm := newRP(t, srv, "crm", html.UnescapeString(m[1]), "http://127.0.0.1:8768/callback", oauth2.AuthStyleInHeader)
	a, code := crm.signIn(rptest.NewBrowser("http://127.0.0.1:8768/"), "ivanov", "S3cure-pass!")
	if _, id, _ := crm.exchange(a, code); id.Audience[0] != "crm" {
		t.Fatalf("ID token for %v", id.Audience)
	}
	// A new secret: the old one stops working.
	rotated := mustSubmit(t, op, mustGet(t, op, srv.Issuer+"/console/clients/crm"), "/crm/secret", nil)
	if m2 := secretRe.FindStringSubmatch(rotated.Body); m2 == nil || m2[1] == m[1] {
		t.Fatalf("rotate: %.400s", rotated.Body)
	}
	a, code = crm.signIn(rptest.NewBrowser("http://127.0.0.1:8768/"), "ivanov", "S3cure-pass!")
	if _, err := crm.oauth.Exchange(t.Context(), code, oauth2.VerifierOption(a.Verifier)); err == nil {
		t.Fatal("the old secret still works")
	}

	// A search that is not text (issue 16 item 10) is a clear 400, never a 500.
	for _, q := range []string{"%ff", "%c3%28abc", "a%00b"} {
		if p = mustGet(t, op, srv.Issuer+"/console/users?q="+q); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "malformed") {
			t.Fatalf("search %q: %d %.300s", q, p.Status, p.Body)
		}
	}

	// Accounts: create, lock (sign-in refused), unlock.
	p = mustGet(t, op, srv.Issuer+"/console/users?q=ivanov")
	if !strings.Contains(p.Body, "ivanov@example.com") {
		t.Fatalf("search: %.400s", p.Body)
	}
	p = mustSubmit(t, op, p, "/console/users/new", url.Values{"login": {"sidorov"}, "family_name": {"Сидоров"}, "password": {"Sidorov-pass-1"}, "password_temporary": {"yes"}})
	if !strings.Contains(p.Body, "Сидоров") || !strings.Contains(p.Body, "must change the password") {
		t.Fatalf("created account: %d %s", p.Status, p.Body[strings.Index(p.Body, "</nav>"):])
	}
	p = mustSubmit(t, op, p, "/lock", nil)
	if !strings.Contains(p.Body, "locked") {
		t.Fatalf("lock: %.400s", p.Body)
	}
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	if _, err := b.SignIn(newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader).authorization().URL,
		"sidorov", "Sidorov-pass-1"); err == nil {
		t.Fatal("a locked account signed in")
	}
	p = mustSubmit(t, op, p, "/unlock", nil)
	p = mustSubmit(t, op, p, "/save", url.Values{"family_name": {"Сидоров"}, "given_name": {"Пётр"}, "authority": {"moderator"}})
	if !strings.Contains(p.Body, "Saved.") || !strings.Contains(p.Body, `value="moderator" checked`) || !strings.Contains(p.Body, "Пётр") {
		t.Fatalf("save account: %.900s", p.Body)
	}

	// A role catalogue: a malformed line is named; a good one is saved.
	p = mustGet(t, op, srv.Issuer+"/console/catalogues")
	p = mustSubmit(t, op, p, "/console/catalogues", url.Values{"new": {"yes"}, "id": {"crm-roles"}, "clients": {"crm"}, "roles": {"manager only"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "manager only") {
		t.Fatalf("bad catalogue: %d %.400s", p.Status, p.Body)
	}
	p = mustSubmit(t, op, p, "/console/catalogues", url.Values{"new": {"yes"}, "id": {"crm-roles"}, "clients": {"crm"},
		"roles": {"manager | Менеджер | Manager | Ведёт сделки | Handles deals"}})
	if !strings.Contains(p.Body, "manager | Менеджер | Manager | Ведёт сделки | Handles deals") {
		t.Fatalf("saved catalogue: %d %.600s", p.Status, p.Body)
	}

	// A trust anchor: a leaf is refused; a CA is added, listed and removed.
	root := certtest.NewRoot(t, certtest.Options{})
	leaf, _ := root.Leaf(t, certtest.Options{})
	p = mustGet(t, op, srv.Issuer+"/console/anchors")
	p = mustSubmit(t, op, p, "/console/anchors", url.Values{"certificate": {string(certtest.PEM(leaf))}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "not a CA certificate") {
		t.Fatalf("leaf as anchor: %d %.600s", p.Status, p.Body)
	}
	p = mustSubmit(t, op, p, "/console/anchors", url.Values{"certificate": {string(certtest.PEM(root.Cert))}, "qualified": {"yes"}})
	if !strings.Contains(p.Body, "CN=Test Root CA") || !strings.Contains(p.Body, "qualified") {
		t.Fatalf("anchor added: %.600s", p.Body)
	}
	// Certificate sign-in is now offered (the server had no anchor before).
	signin := mustGet(t, rptest.NewBrowser(""), crm.authorization().URL)
	if !strings.Contains(signin.Body, "/certificate") {
		t.Fatalf("no certificate sign-in with an anchor: %.400s", signin.Body)
	}
	p = mustSubmit(t, op, p, "/remove", nil)
	if strings.Contains(p.Body, "CN=Test Root CA") {
		t.Fatalf("anchor still listed: %.600s", p.Body)
	}

	// Organisations: found by INN, suspended with a reason, reactivated; an
	// operator manages any company's members.
	p = mustGet(t, op, srv.Issuer+"/console/organisations?q=7707083893")
	if !strings.Contains(p.Body, "ООО\u00a0«Василёк»") {
		t.Fatalf("organisation search: %.600s", p.Body)
	}
	p = mustConfirm(t, op, p, "/vasilek/suspend", url.Values{"reason": {"Договор расторгнут"}}, "Suspend the company?")
	if !strings.Contains(p.Body, ">Suspended: Договор расторгнут</td>") { // the state column of the table
		t.Fatalf("suspend: %.900s", p.Body)
	}
	if p = mustSubmit(t, op, p, "/vasilek/reactivate", nil); !strings.Contains(p.Body, "The company is active again") {
		t.Fatalf("reactivate: %.600s", p.Body)
	}
	if p = mustGet(t, op, srv.Issuer+"/account/companies/vasilek/members"); p.Status != http.StatusOK {
		t.Fatalf("members page for an operator: %d", p.Status)
	}
	// A new organisation: a wrong INN is named and kept; a right one is active at once and editable.
	p = mustGet(t, op, srv.Issuer+"/console/organisations/new")
	p = mustSubmit(t, op, p, "/console/organisations/new", url.Values{"kind": {"legal_entity"}, "inn": {"7728824598"}, "kpp": {"772801001"},
		"name": {"ООО «Ромашка»"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Not a valid INN (check digits).") || !strings.Contains(p.Body, `value="7728824598"`) {
		t.Fatalf("wrong INN: %d %.900s", p.Status, p.Body)
	}
	p = mustSubmit(t, op, p, "/console/organisations/new", url.Values{"kind": {"legal_entity"}, "inn": {"7728824599"}, "kpp": {"772801001"},
		"ogrn": {"1177746151021"}, "name": {"ООО «Ромашка»"}, "contracts": {"Д-15 Д-16"}})
	if !strings.Contains(p.Body, "Created.") || !strings.Contains(p.Body, "ООО\u00a0«Ромашка» · Active") {
		t.Fatalf("create organisation: %d %.900s", p.Status, p.Body)
	}
	p = mustSubmit(t, op, p, "/save", url.Values{"kind": {"legal_entity"}, "name": {"ООО «Ромашка-2»"}, "ogrn": {"1177746151021"}, "contracts": {"Д-15"}})
	if !strings.Contains(p.Body, "Saved.") || !strings.Contains(p.Body, "ООО\u00a0«Ромашка-2»") || !strings.Contains(p.Body, `value="7728824599"`) {
		t.Fatalf("save organisation: %d %.900s", p.Status, p.Body)
	}

	// Keys.
	p = mustSubmit(t, op, mustGet(t, op, srv.Issuer+"/console/keys"), "/console/keys", url.Values{"alg": {"ES256"}})
	if !strings.Contains(p.Body, "A new signing key is current") {
		t.Fatalf("rotate key: %.400s", p.Body)
	}

	// The audit log shows the console's changes.
	p = mustGet(t, op, srv.Issuer+"/console/audit?type=client.changed")
	if !strings.Contains(p.Body, "via=console") || !strings.Contains(p.Body, ">App settings changed</td>") || !strings.Contains(p.Body, "App: CRM") {
		t.Fatalf("audit: %.800s", p.Body)
	}
	if p = mustGet(t, op, srv.Issuer+"/console/audit?from=yesterday"); p.Status != http.StatusBadRequest {
		t.Fatalf("bad date: %d", p.Status)
	}

	// A moderator's console is the queue; ivanov has none. A forged post with
	// ivanov's own CSRF token changes nothing.
	mod := accountBrowser(t, srv, "moderator", "Moderator-pass-1")
	if p = mustGet(t, mod, srv.Issuer+"/console"); p.Status != http.StatusOK || !strings.Contains(p.Body, `href="/moderation"`) ||
		strings.Contains(p.Body, `href="/console/clients"`) {
		t.Fatalf("moderator's console: %d %.600s", p.Status, p.Body)
	}
	if p = mustGet(t, mod, srv.Issuer+"/console/clients"); p.Status != http.StatusForbidden {
		t.Fatalf("moderator on clients: %d", p.Status)
	}
	iv := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	if p = mustGet(t, iv, srv.Issuer+"/console"); p.Status != http.StatusForbidden {
		t.Fatalf("ivanov's console: %d", p.Status)
	}
	own := mustGet(t, iv, srv.Issuer+"/account")
	token := regexp.MustCompile(`name="csrf_token" value="([^"]*)"`).FindStringSubmatch(own.Body)
	if token == nil {
		t.Fatalf("no CSRF token on the account page: %.300s", own.Body)
	}
	resp, err := iv.Client.PostForm(srv.Issuer+"/console/clients", url.Values{"csrf_token": {token[1]}, "id": {"evil"},
		"redirect_uris": {"http://127.0.0.1:9/cb"}, "grant_type": {"authorization_code"}, "auth_method": {"client_secret_basic"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("ivanov's forged client: %d", resp.StatusCode)
	}
	if p = mustGet(t, op, srv.Issuer+"/console/clients/evil"); p.Status != http.StatusNotFound {
		t.Fatalf("the forged client exists: %d", p.Status)
	}
}
