package account

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web/webtest"
	"github.com/vhod-id/vhod/storage"
)

// Review finding 1: on an account with a second factor, a sign-in by the
// password alone (even a fresh one) changes no way in: every such action is
// stepped up to acr mfa first.

// enrolApp gives u a confirmed authenticator app.
func enrolApp(t *testing.T, svc *factors.Service, userID string) {
	t.Helper()
	if _, err := svc.EnrolTOTP(t.Context(), userID); err != nil {
		t.Fatal(err)
	}
	e, _ := svc.PendingTOTP(t.Context(), userID)
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	if _, err := svc.ConfirmTOTP(t.Context(), directory.Actor{ID: userID}, userID, code); err != nil {
		t.Fatal(err)
	}
}

// confirmedPost posts form to path, and again with the confirmation when
// the first answer is a confirmation page.
func (ts *testServer) confirmedPost(path string, form url.Values) page {
	ts.t.Helper()
	p := ts.post(path, form)
	if action, confirmed, ok := webtest.ConfirmForm(p.body); ok && p.code == http.StatusOK && action == path {
		return ts.post(path, confirmed)
	}
	return p
}

// steppedUp tells whether p sends the browser to sign in again for acr mfa;
// stale: from the start (prompt=login).
func steppedUp(p page, stale bool) bool {
	if p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/authorize?") {
		return false
	}
	q, _ := url.ParseQuery(p.location[len("/authorize?"):])
	return q.Get("acr_values") == directory.ACRMFA && (q.Get("prompt") == "login") == stale &&
		strings.HasPrefix(q.Get("state"), directory.ReauthStatePrefix)
}

func TestWaysInNeedTheSecondFactor(t *testing.T) {
	ts, svc := newSecurityServer(t)
	enrolApp(t, svc, ts.user.ID)
	if err := ts.store.CreatePasskey(t.Context(), storage.Passkey{ID: "cred1", UserID: ts.user.ID, Name: "Phone", PublicKey: []byte{1},
		CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	codesBefore, _ := svc.Enrolment(t.Context(), ts.user.ID)
	ts.signIn(ts.user.ID, time.Minute) // a fresh sign-in by the password alone
	actions := []struct {
		path string
		form url.Values
	}{
		{"/account/password", url.Values{"old": {testPassword}, "new": {"An0ther-pass!"}, "repeat": {"An0ther-pass!"}}},
		{"/account/identifier", url.Values{"kind": {"email"}, "value": {"attacker@example.com"}}},
		{"/account/certificate/remove", url.Values{"sha256": {"abcd"}}},
		{"/account/provider/remove", url.Values{"link": {"yandex:123"}}},
		{"/account/security/totp", nil},
		{"/account/security/totp/confirm", url.Values{"code": {"000000"}}},
		{"/account/security/totp/remove", nil},
		{"/account/security/recovery-codes", nil},
		{"/account/security/always-ask", url.Values{"on": {"no"}}},
		{"/account/security/passkeys/begin", nil},
		{"/account/security/passkeys", url.Values{"ceremony": {"x"}, "name": {"evil"}, "credential": {"{}"}}},
		{"/account/security/passkeys/cred1/rename", url.Values{"name": {"evil"}}},
		{"/account/security/passkeys/cred1/remove", nil},
	}
	for _, a := range actions {
		if p := ts.confirmedPost(a.path, a.form); !steppedUp(p, false) {
			t.Errorf("%s from a password-only session: %d %s", a.path, p.code, p.location)
		}
	}
	if p := ts.get("/account/security/totp/qr.png"); p.code != http.StatusForbidden {
		t.Errorf("QR code for a password-only session: %d", p.code)
	}
	e, _ := svc.Enrolment(t.Context(), ts.user.ID)
	if !e.TOTP || e.TOTPPending || len(e.Passkeys) != 1 || e.Passkeys[0].Name != "Phone" || e.RecoveryCodesLeft != codesBefore.RecoveryCodesLeft {
		t.Fatalf("a password-only session changed the factors: %+v", e)
	}
	if u, _ := ts.store.UserByID(t.Context(), ts.user.ID); u.PasswordHash != ts.user.PasswordHash {
		t.Fatal("a password-only session changed the password")
	}
	events, _ := ts.store.QueryAudit(t.Context(), storage.AuditQuery{Type: directory.EventReauthRequired, Limit: 50})
	if len(events) == 0 || events[0].Details["reason"] != flows.ReasonSecondFactor {
		t.Fatalf("the step-up was not audited with its reason: %+v", events)
	}

	// A stale session of the second factor signs in again from the start,
	// still with the second factor.
	ts.signInMFA(ts.user.ID, time.Hour)
	if p := ts.confirmedPost("/account/security/recovery-codes", nil); !steppedUp(p, true) {
		t.Fatalf("stale mfa session: %d %s", p.code, p.location)
	}

	// Back from signing in again by the password alone (a callback reached
	// without the step): a sentence, not another round, and nothing done.
	ts.signIn(ts.user.ID, time.Minute)
	p := ts.confirmedPost("/account/security/recovery-codes", nil)
	state := stateOf(t, p.location)
	p = ts.get("/account/callback?code=x&state=" + url.QueryEscape(state))
	if p.code != http.StatusForbidden {
		t.Fatalf("resume with a password-only session: %d %s", p.code, p.location)
	}
	p.has(t, "confirmed with your second factor")
	if e, _ := svc.Enrolment(t.Context(), ts.user.ID); e.RecoveryCodesLeft != codesBefore.RecoveryCodesLeft {
		t.Fatal("the resume renewed the codes")
	}

	// With the second factor, the waiting action is carried out.
	p = ts.confirmedPost("/account/security/recovery-codes", nil)
	state = stateOf(t, p.location)
	ts.signInMFA(ts.user.ID, 0)
	ts.get("/account/callback?code=x&state="+url.QueryEscape(state)).has(t, "the old ones no longer work")
	if p := ts.post("/account/security/passkeys/cred1/rename", url.Values{"name": {"Work phone"}}); p.location != "/account/security?notice=passkey_renamed" {
		t.Fatalf("rename with mfa: %d %s", p.code, p.location)
	}
}

// An account without a second factor changes its ways in with a recent
// password sign-in, as before.
func TestWaysInWithoutFactorNeedNoStepUp(t *testing.T) {
	ts, svc := newSecurityServer(t)
	if p := ts.post("/account/security/totp", nil); p.location != "/account/security/totp" {
		t.Fatalf("start an app: %d %s", p.code, p.location)
	}
	if e, _ := svc.Enrolment(t.Context(), ts.user.ID); !e.TOTPPending {
		t.Fatal("no app pending")
	}
}

// stateOf is the state of a sign-in address.
func stateOf(t *testing.T, location string) string {
	t.Helper()
	i := strings.Index(location, "?")
	if i < 0 {
		t.Fatalf("no query in %q", location)
	}
	q, _ := url.ParseQuery(location[i+1:])
	if q.Get("state") == "" {
		t.Fatalf("no state in %q", location)
	}
	return q.Get("state")
}
