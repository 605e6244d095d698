package account

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// orgWithRequest: ivanov is org_admin of an active company that petrov asked
// to join.
func orgWithRequest(t *testing.T, ts *testServer) (storage.Organisation, storage.User) {
	t.Helper()
	org := ts.activeOrg("7728824599")
	petrov, err := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "petrov", Email: "petrov@example.com", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.orgs.RequestJoin(t.Context(), petrov.ID, org.ID); err != nil {
		t.Fatal(err)
	}
	return org, petrov
}

// The org admin approves a join request (the person is mailed), gives roles,
// and sees the members page; anyone else gets 403.
func TestOrgAdminMembers(t *testing.T) {
	ts := newTestServer(t, nil)
	org, petrov := orgWithRequest(t, ts)
	base := "/account/companies/" + org.ID
	p := ts.get(base + "/members")
	if p.code != http.StatusOK {
		t.Fatalf("members: %d %.500s", p.code, p.body)
	}
	p.has(t, "petrov")
	// Approving asks for at least one role: a member without roles is removed.
	if p := ts.post(base+"/requests/"+petrov.ID+"/approve", nil); p.code != http.StatusBadRequest {
		t.Fatalf("approve without roles: %d", p.code)
	} else {
		p.has(t, "Tick at least one role to approve the request")
	}
	p = ts.post(base+"/requests/"+petrov.ID+"/approve", url.Values{"role": {storage.RoleOrgAdmin}})
	if p.code != http.StatusSeeOther || p.location != base+"/members?notice=approved" {
		t.Fatalf("approve: %d %s", p.code, p.location)
	}
	if _, ok := ts.sent.lastEmail("petrov@example.com"); !ok || !ts.audited(directory.EventJoinApproved, directory.OutcomeSuccess) {
		t.Fatal("the person was not mailed, or the decision not audited")
	}
	if p := ts.post(base+"/requests/"+petrov.ID+"/approve", url.Values{"role": {storage.RoleOrgAdmin}}); p.code != http.StatusNotFound {
		t.Fatalf("approve again: %d", p.code)
	}
	p = ts.post(base+"/members/"+petrov.ID+"/roles", url.Values{"role": {"no-such-role"}})
	if p.code != http.StatusBadRequest {
		t.Fatalf("unknown role: %d", p.code)
	}
	p = ts.post(base+"/members/"+petrov.ID+"/roles", url.Values{"role": {storage.RoleOrgAdmin}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("roles: %d %.500s", p.code, p.body)
	}
	if m, _ := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID); len(m.Roles) != 1 || m.Roles[0] != storage.RoleOrgAdmin {
		t.Fatalf("membership %+v", m)
	}
	if p := ts.post(base+"/members/nobody/roles", url.Values{"role": {storage.RoleOrgAdmin}}); p.code != http.StatusNotFound {
		t.Fatalf("no member: %d", p.code)
	}
	// Unticking every role removes the member, once the admin has said so.
	confirmed := ts.asks(base+"/members/"+petrov.ID+"/roles", nil, "Remove the member?", "petrov", `href="`+base+`/members"`)
	if m, _ := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID); m.Status != storage.MemberActive || len(m.Roles) != 1 {
		t.Fatalf("removed before the confirmation: %+v", m)
	}
	if p := ts.post(base+"/members/"+petrov.ID+"/roles", confirmed); p.code != http.StatusSeeOther {
		t.Fatalf("remove: %d %.500s", p.code, p.body)
	}
	if m, _ := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID); m.Status != storage.MemberRemoved || len(m.Roles) != 0 {
		t.Fatalf("membership after the removal %+v", m)
	}
	// Someone who is no org_admin of the company.
	sidorov, _ := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "sidorov", Password: testPassword})
	ts.signIn(sidorov.ID, 0)
	if p := ts.get(base + "/members"); p.code != http.StatusForbidden {
		t.Fatalf("stranger: %d", p.code)
	}
	if p := ts.post(base+"/members/"+petrov.ID+"/roles", nil); p.code != http.StatusForbidden {
		t.Fatalf("stranger posts: %d", p.code)
	}
}

func TestOrgAdminRejects(t *testing.T) {
	ts := newTestServer(t, nil)
	org, petrov := orgWithRequest(t, ts)
	p := ts.post("/account/companies/"+org.ID+"/requests/"+petrov.ID+"/reject", url.Values{"reason": {" не сотрудник "}})
	if p.code != http.StatusSeeOther || !strings.HasSuffix(p.location, "notice=rejected") {
		t.Fatalf("reject: %d %s", p.code, p.location)
	}
	if m, _ := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID); m.Status != storage.MemberRemoved || m.Reason != "не сотрудник" {
		t.Fatalf("membership %+v", m)
	}
	if _, ok := ts.sent.lastEmail("petrov@example.com"); !ok {
		t.Fatal("not mailed")
	}
	// The person sees why.
	ts.signIn(petrov.ID, 0)
	ts.get("/account/companies").has(t, "не сотрудник")
}

// Invitations: by email or phone with roles; the invited person accepts on
// the company list.
func TestOrgAdminInvites(t *testing.T) {
	ts := newTestServer(t, nil)
	org := ts.activeOrg("7728824599")
	base := "/account/companies/" + org.ID
	if p := ts.post(base+"/invitations", url.Values{"address": {"nonsense"}}); p.code != http.StatusBadRequest {
		t.Fatalf("bad address: %d", p.code)
	}
	p := ts.post(base+"/invitations", url.Values{"address": {"petrov@example.com"}, "role": {storage.RoleOrgAdmin}})
	if p.code != http.StatusSeeOther || !strings.HasSuffix(p.location, "notice=invited") {
		t.Fatalf("invite: %d %s", p.code, p.location)
	}
	m, ok := ts.sent.lastEmail("petrov@example.com")
	if !ok || !strings.Contains(m.Text, testIssuer+"/account/companies") {
		t.Fatalf("invitation %+v", m)
	}
	if p := ts.post(base+"/invitations", url.Values{"address": {"+79091112233"}}); p.code != http.StatusSeeOther || len(ts.sent.sms) != 1 {
		t.Fatalf("by SMS: %d, %d sms", p.code, len(ts.sent.sms))
	}
	petrov, _ := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "petrov", Email: "petrov@example.com", Password: testPassword, EmailVerified: true})
	ts.signIn(petrov.ID, 0)
	ts.get("/account/companies").has(t, "/account/companies/"+org.ID+"/accept")
	if p := ts.post(base+"/accept", nil); p.location != "/account/companies?notice=accepted" {
		t.Fatalf("accept: %d %s", p.code, p.location)
	}
	if p := ts.post(base+"/accept", nil); p.code != http.StatusNotFound {
		t.Fatalf("accept again: %d", p.code)
	}
}

// failingCounter stands for send limits whose counters do not answer.
type failingCounter struct{}

func (failingCounter) Hit(context.Context, string, time.Duration, time.Time) (int64, error) {
	return 0, errCounter
}

// TestInvitationSendFailsClosedOnLimiterError (issue 16 item 11): when the send
// limits cannot be counted, an invitation is not sent, by email or SMS, and
// the org admin reads an error instead of "invited", as with every other
// message Vhod sends.
func TestInvitationSendFailsClosedOnLimiterError(t *testing.T) {
	for _, address := range []string{"petrov@example.com", "+79091112233"} {
		t.Run(address, func(t *testing.T) {
			var sent *outbox
			ts := newTestServer(t, func(c *Config) {
				sent = c.Email.(*outbox)
				limits := notify.NewLimits(failingCounter{}, notify.Rule{PerRecipientHour: 5}, notify.Rule{PerRecipientHour: 5}, slog.New(slog.DiscardHandler))
				c.Email, c.SMS, c.SendLimits = limits.Email(sent), limits.SMS(sent), limits
			})
			org := ts.activeOrg("7728824599") // its approval is mailed outside the limits
			before := len(sent.emails) + len(sent.sms)
			p := ts.post("/account/companies/"+org.ID+"/invitations", url.Values{"address": {address}, "role": {storage.RoleOrgAdmin}})
			if len(sent.emails)+len(sent.sms) != before {
				t.Fatalf("sent while the limits could not be counted: %+v %+v", sent.emails, sent.sms)
			}
			if p.code < 500 {
				t.Fatalf("status %d (%s), want an error page", p.code, p.location)
			}
		})
	}
}

// The accountant PIN of a contract: a bad PIN is said, a good one saved.
func TestOrgAdminContractPIN(t *testing.T) {
	ts := newTestServer(t, nil)
	org := ts.activeOrg("7728824599")
	base := "/account/companies/" + org.ID
	if p := ts.post(base+"/contracts", url.Values{"contract": {"Д-15"}, "pin": {"12"}}); p.code != http.StatusBadRequest {
		t.Fatalf("bad PIN: %d", p.code)
	}
	if p := ts.post(base+"/contracts", url.Values{"contract": {"Д-15"}, "pin": {"482193"}}); p.location != base+"/members?notice=pin" {
		t.Fatalf("PIN: %d %s", p.code, p.location)
	}
	if _, _, err := ts.orgs.AuthenticateAccountant(t.Context(), org.INN, "Д-15", "482193"); err != nil {
		t.Fatalf("PIN not set: %v", err)
	}
	if !ts.audited(directory.EventAccountantPIN, directory.OutcomeSuccess) {
		t.Fatal("not audited")
	}
}

// Integration systems: registered with a trusted client certificate, given
// roles, removed; an untrusted certificate is refused.
func TestOrgSystems(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Test CA"})
	other := certtest.NewRoot(t, certtest.Options{CommonName: "Other CA"})
	verifier := certauth.New(certauth.Config{Anchors: []certauth.Anchor{{Cert: root.Cert}}})
	changed := 0
	ts := newTestServer(t, func(c *Config) {
		c.Verifier, c.TLSURL, c.ClientsChanged = verifier, "https://mtls.example:8443", func() { changed++ }
	})
	org := ts.activeOrg("7728824599")
	base := "/account/companies/" + org.ID + "/systems"
	p := ts.get(base)
	if p.code != http.StatusOK {
		t.Fatalf("systems: %d %.500s", p.code, p.body)
	}
	p.has(t, "https://mtls.example:8443/oauth/token")
	leaf, _ := root.Leaf(t, certtest.Options{CommonName: "1C", Names: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Ромашка"}}})
	stranger, _ := other.Leaf(t, certtest.Options{CommonName: "1C"})
	register := func(cert *x509.Certificate, code string) page {
		return ts.post(base+"/register", url.Values{"name": {"1С:Бухгалтерия"}, "code": {code}, "auth_method": {orgs.SystemAuthTLS},
			"certificate": {string(certtest.PEM(cert))}})
	}
	if p := ts.post(base+"/register", url.Values{"name": {"x"}, "code": {"x1"}, "certificate": {"not a certificate"}}); p.code != http.StatusBadRequest {
		t.Fatalf("garbage: %d", p.code)
	}
	if p := register(stranger, "buh"); p.code != http.StatusBadRequest {
		t.Fatalf("untrusted: %d", p.code)
	}
	if p := register(leaf, "Bad Code"); p.code != http.StatusBadRequest {
		t.Fatalf("bad code: %d", p.code)
	}
	if p := register(leaf, "buh"); p.code != http.StatusSeeOther || !strings.HasSuffix(p.location, "notice=registered") {
		t.Fatalf("register: %d %s %.800s", p.code, p.location, p.body)
	}
	if p := register(leaf, "buh"); p.code != http.StatusConflict {
		t.Fatalf("taken: %d", p.code)
	}
	id := orgs.SystemClientID(org.ID, "buh")
	ts.get(base).has(t, id)
	if p := ts.post(base+"/"+id+"/roles", url.Values{"role": {"no-such"}}); p.code != http.StatusBadRequest {
		t.Fatalf("unknown role: %d", p.code)
	}
	if p := ts.post(base+"/"+id+"/roles", nil); !strings.HasSuffix(p.location, "notice=saved") {
		t.Fatalf("roles: %d %s", p.code, p.location)
	}
	if p := ts.post(base+"/"+id+"/remove", nil); !strings.HasSuffix(p.location, "notice=removed") {
		t.Fatalf("remove: %d %s", p.code, p.location)
	}
	if p := ts.post(base+"/"+id+"/remove", nil); p.code != http.StatusNotFound {
		t.Fatalf("remove again: %d", p.code)
	}
	if changed != 3 || !ts.audited(directory.EventSystemRegistered, directory.OutcomeSuccess) {
		t.Fatalf("changed %d", changed)
	}
}

// TestMemberRemovalNamesOnlyMembers: the confirmation of a removal named any
// account by its ID (name, login, email or phone), member of the company or
// not, to any org admin — a way to turn IDs into people. Only a member of the
// company is named now; any other ID is not found.
func TestMemberRemovalNamesOnlyMembers(t *testing.T) {
	ts := newTestServer(t, nil)
	org, _ := orgWithRequest(t, ts)
	outsider, err := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "outsider", Email: "outsider@example.com",
		FamilyName: "Посторонний", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	p := ts.post("/account/companies/"+org.ID+"/members/"+outsider.ID+"/roles", nil)
	if p.code != http.StatusNotFound {
		t.Fatalf("an outsider's removal: %d", p.code)
	}
	for _, s := range []string{"outsider", "Посторонний"} {
		if strings.Contains(p.body, s) {
			t.Fatalf("the page names the outsider (%q)", s)
		}
	}
}
