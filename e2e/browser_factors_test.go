package e2e

import (
	"strings"
	"testing"
)

// TestBrowserFactorsEnrol runs e2e/browser/factors_enrol.test.mjs: the
// account page's "Sign-in and security" section in chromium, in English and
// Russian: an authenticator app set up from the secret on the page with a code
// computed in node, recovery codes shown once, a passkey registered with
// Chromium's virtual authenticator, renamed and removed (after a new sign-in
// once the session is no longer fresh). Vhod's issuer is http://localhost:PORT,
// a domain passkeys can be bound to; sessions.reauth_within is short so that
// the test sees the fresh sign-in rule.
func TestBrowserFactorsEnrol(t *testing.T) {
	runBrowser(t, browserSetup{Config: func(cfg, _ string) string {
		cfg = strings.Replace(cfg, "issuer: http://127.0.0.1:{{PORT}}\n", "issuer: http://localhost:{{PORT}}\n", 1)
		cfg = strings.Replace(cfg, "bootstrap:\n", "sessions: {reauth_within: 120s}\nbootstrap:\n", 1)
		return cfg + `    - {login: zaytsev, password: "Zaytsev-pass-1", email: zaytsev@example.com}
    - {login: belova, password: "Belova-pass-1", email: belova@example.com}
`
	}}, "browser/factors_enrol.test.mjs")
}
