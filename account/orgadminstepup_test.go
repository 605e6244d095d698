package account

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Review finding 2: the admin pages of a company with a sign-in policy ask
// the admin's session for that policy; changing the policy also asks for a
// recent sign-in.
func TestOrgAdminPagesMeetTheCompanyPolicy(t *testing.T) {
	ts, svc := newSecurityServer(t)
	org, petrov := orgWithRequest(t, ts)
	if _, err := ts.orgs.SetSignInPolicy(t.Context(), org.ID, storage.OrgSignInSecondFactor, directory.Actor{ID: ts.user.ID}); err != nil {
		t.Fatal(err)
	}
	base := "/account/companies/" + org.ID

	// Without a factor that could meet it: sent to set one up.
	if p := ts.get(base + "/members"); p.code != http.StatusSeeOther || p.location != "/account/security?notice=org_needs_factor" {
		t.Fatalf("admin without a factor: %d %s", p.code, p.location)
	}
	ts.get("/account/security?notice=org_needs_factor").has(t, "Your company asks for a second factor at sign-in.")

	// With one, a password-only session (fresh or not) is stepped up.
	enrolApp(t, svc, ts.user.ID)
	for _, age := range []time.Duration{time.Minute, 5 * time.Hour} {
		ts.signIn(ts.user.ID, age)
		if p := ts.get(base + "/members"); !steppedUp(p, false) {
			t.Fatalf("members page, password session of %v: %d %s", age, p.code, p.location)
		}
		for path, form := range map[string]url.Values{
			"/sign-in-policy":                     {"policy": {storage.OrgSignInAny}},
			"/requests/" + petrov.ID + "/approve": {"role": {storage.RoleOrgAdmin}},
			"/invitations":                        {"address": {"new@example.com"}, "role": {storage.RoleOrgAdmin}},
			"/members/" + petrov.ID + "/roles":    {"role": {storage.RoleOrgAdmin}},
			"/contracts":                          {"contract": {"12345"}, "pin": {"123456"}},
		} {
			// The policy itself also wants a recent sign-in: from the start.
			if p := ts.post(base+path, form); !steppedUp(p, path == "/sign-in-policy" && age > time.Hour) {
				t.Errorf("%s, password session of %v: %d %s", path, age, p.code, p.location)
			}
		}
	}
	if o, _ := ts.store.OrganisationByID(t.Context(), org.ID); o.SignInPolicy != storage.OrgSignInSecondFactor || len(o.Invitations) != 0 {
		t.Fatalf("a password-only session changed the company: %+v", o)
	}
	if m, _ := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID); m.Status != storage.MemberRequested {
		t.Fatalf("a password-only session approved a request: %+v", m)
	}

	// Back from the step-up with the second factor: the members page.
	p := ts.get(base + "/members")
	state := stateOf(t, p.location)
	ts.signInMFA(ts.user.ID, 0)
	if p := ts.get("/account/callback?code=x&state=" + url.QueryEscape(state)); p.location != base+"/members" {
		t.Fatalf("resume: %d %s", p.code, p.location)
	}

	// A stale session with the second factor runs the company but does not
	// change its policy without signing in again.
	ts.signInMFA(ts.user.ID, 5*time.Hour)
	if p := ts.get(base + "/members"); p.code != http.StatusOK {
		t.Fatalf("members page, stale mfa session: %d %s", p.code, p.location)
	}
	if p := ts.post(base+"/sign-in-policy", url.Values{"policy": {storage.OrgSignInAny}}); !steppedUp(p, true) {
		t.Fatalf("policy from a stale session: %d %s", p.code, p.location)
	}
	if o, _ := ts.store.OrganisationByID(t.Context(), org.ID); o.SignInPolicy != storage.OrgSignInSecondFactor {
		t.Fatal("a stale session changed the policy")
	}
	ts.signInMFA(ts.user.ID, time.Minute)
	if p := ts.post(base+"/sign-in-policy", url.Values{"policy": {storage.OrgSignInAny}}); p.location != base+"/members?notice=policy" {
		t.Fatalf("policy from a fresh mfa session: %d %s", p.code, p.location)
	}

	// A company asking for a passkey or a certificate: a code does not do,
	// and the admin with an app only is sent to add a passkey.
	if _, err := ts.orgs.SetSignInPolicy(t.Context(), org.ID, storage.OrgSignInPasskeyOrCertificate, directory.Actor{ID: ts.user.ID}); err != nil {
		t.Fatal(err)
	}
	if p := ts.get(base + "/members"); p.location != "/account/security?notice=org_needs_passkey" {
		t.Fatalf("passkey policy, app only: %d %s", p.code, p.location)
	}
	if err := ts.store.CreatePasskey(t.Context(), storage.Passkey{ID: "cred1", UserID: ts.user.ID, Name: "Key", PublicKey: []byte{1},
		CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	p = ts.get(base + "/members")
	if !steppedUp(p, false) {
		t.Fatalf("passkey policy, app session: %d %s", p.code, p.location)
	}
	// Signing in again with the app's code still does not do: said, not looped.
	if p := ts.get("/account/callback?code=x&state=" + url.QueryEscape(stateOf(t, p.location))); p.code != http.StatusForbidden {
		t.Fatalf("resume with a code where a passkey is asked: %d %s", p.code, p.location)
	} else {
		p.has(t, "passkey or a certificate")
	}
	ts.signInWith(ts.user.ID, time.Minute, "urn:vhod:acr:mfa", "hwk", "user", "mfa")
	if p := ts.get(base + "/members"); p.code != http.StatusOK {
		t.Fatalf("passkey session: %d %s", p.code, p.location)
	}
}
