package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// TestWaysInStepUpToTheSecondFactor (review finding 1), through the binary:
// once ivanov has an authenticator app, his password-only session (fresh as
// it is) makes no new recovery codes: the account client's sign-in asks for
// the app's code (acr_values mfa, no password again), and the codes are made
// on the way back. A company requiring a second factor (finding 2) lets its
// admin in only with such a session too.
func TestWaysInStepUpToTheSecondFactor(t *testing.T) {
	srv, _ := factorsServer(t)
	iv := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	secret := enrolAppSecret(t, srv, iv)

	p := mustGet(t, iv, srv.Issuer+"/account/security")
	p = mustConfirm(t, iv, p, "/account/security/recovery-codes", nil, "Make new recovery codes?")
	if !strings.Contains(p.Body, "Confirm it&#39;s you") || !strings.Contains(p.Body, "/second-factor/totp") ||
		strings.Contains(p.Body, `name="password"`) || recoveryRe.MatchString(p.Body) {
		t.Fatalf("a password-only session renewed the codes, or was not asked for the app: %d %.1500s", p.Status, p.Body)
	}
	code := totpCode(t, secret, time.Now())
	p = mustSubmit(t, iv, p, "/second-factor/totp", map[string][]string{"code": {code}})
	if codes := recoveryRe.FindAllStringSubmatch(p.Body, -1); len(codes) != 10 || !strings.Contains(p.Body, "New recovery codes are made.") {
		t.Fatalf("after the step-up: %d %.1500s", p.Status, p.Body)
	}
	// The stepped-up session now changes the factors without asking again.
	p = mustGet(t, iv, srv.Issuer+"/account/security")
	p = mustSubmit(t, iv, p, "/account/security/always-ask", map[string][]string{"on": {"yes"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Every sign-in asks for a second factor.") {
		t.Fatalf("always ask with mfa: %d %.800s", p.Status, p.Body)
	}
}

// enrolAppSecret sets up an authenticator app for the person signed in to b
// and returns its secret (the confirming code is the previous period's, so
// that the current one is left for a sign-in).
func enrolAppSecret(t *testing.T, srv *server, b *rptest.Browser) string {
	t.Helper()
	p := mustGet(t, b, srv.Issuer+"/account/security")
	p = mustSubmit(t, b, p, "/account/security/totp", nil)
	m := totpSecretRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page: %d %.900s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/account/security/totp/confirm", map[string][]string{"code": {totpCode(t, m[1], time.Now().Add(-30*time.Second))}})
	if !strings.Contains(p.Body, "They are shown only now") {
		t.Fatalf("app not set up: %d %.900s", p.Status, p.Body)
	}
	return m[1]
}
