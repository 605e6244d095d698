package account

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

func TestOrgSignInPolicy(t *testing.T) {
	ts, svc := newSecurityServer(t)
	org := ts.activeOrg("7728824599")
	path := "/account/companies/" + org.ID
	// ivanov has no second factor yet; the members page says so.
	ts.get(path+"/members").has(t, "Members&#39; sign-in", "Members must use a second factor",
		"Members must use a passkey or a certificate", "Second factor: none set up")

	if p := ts.post(path+"/sign-in-policy", url.Values{"policy": {"nothing"}}); p.code != http.StatusBadRequest {
		t.Fatalf("unknown policy: %d", p.code)
	}
	if p := ts.post(path+"/sign-in-policy", url.Values{"policy": {storage.OrgSignInSecondFactor}}); p.location != path+"/members?notice=policy" {
		t.Fatalf("set policy: %d %s", p.code, p.location)
	}
	got, err := ts.store.OrganisationByID(t.Context(), org.ID)
	if err != nil || got.SignInPolicy != storage.OrgSignInSecondFactor {
		t.Fatalf("policy %q, %v", got.SignInPolicy, err)
	}
	if !ts.audited(directory.EventOrgSignInPolicy, directory.OutcomeSuccess) {
		t.Error("the policy change was not audited")
	}

	// After enrolling an app the column says which factor.
	if _, err := svc.EnrolTOTP(t.Context(), ts.user.ID); err != nil {
		t.Fatal(err)
	}
	e, _ := svc.PendingTOTP(t.Context(), ts.user.ID)
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	if _, err := svc.ConfirmTOTP(t.Context(), directory.Actor{ID: ts.user.ID}, ts.user.ID, code); err != nil {
		t.Fatal(err)
	}
	ts.signInMFA(ts.user.ID, time.Minute) // the company's policy now applies to its admin pages
	ts.get(path+"/members?notice=policy").has(t, "The members&#39; sign-in rule is saved.", "Second factor: authenticator app")

	// Only the org admin sets it.
	petrov, err := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "petrov", Email: "petrov@example.com", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	ts.signIn(petrov.ID, time.Minute)
	if p := ts.post(path+"/sign-in-policy", url.Values{"policy": {storage.OrgSignInAny}}); p.code != http.StatusForbidden {
		t.Fatalf("a stranger set the policy: %d", p.code)
	}
}
