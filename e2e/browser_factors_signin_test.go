package e2e

import (
	"strings"
	"testing"
)

// TestBrowserFactorsSignIn runs e2e/browser/factors_signin.test.mjs: the
// journeys of issue 19 that need both the account pages and the sign-in, in
// chromium, in English and Russian, through the relying party: a passkey
// (Chromium's virtual authenticator) registered, used alone and as a second
// factor, an assertion made on another origin refused, the passkey removed;
// an authenticator app enrolled from the page's secret, a code accepted once,
// five wrong codes locking; recovery codes used once and mailed; a company
// requiring a second factor withheld from a member until they enrol and are
// stepped up. Vhod's issuer is http://localhost:PORT, a domain passkeys can
// be bound to. karpova is an ordinary member (buyer) of ООО «Василёк», whose
// org_admin is sergeev.
func TestBrowserFactorsSignIn(t *testing.T) {
	runBrowser(t, browserSetup{Config: func(cfg, _ string) string {
		cfg = strings.Replace(cfg, "issuer: http://127.0.0.1:{{PORT}}\n", "issuer: http://localhost:{{PORT}}\n", 1)
		cfg = strings.Replace(cfg, "  moderators: [modr]\n", "    - {user: karpova, org: vasilek, roles: [buyer]}\n  moderators: [modr]\n", 1)
		return cfg + `    - {login: lebedev, password: "Lebedev-pass-1", email: lebedev@example.com}
    - {login: titov, password: "Titov-pass-1", email: titov@example.com}
    - {login: komarova, password: "Komarova-pass-1", email: komarova@example.com}
    - {login: zhukov, password: "Zhukov-pass-1", email: zhukov@example.com}
    - {login: karpova, password: "Karpova-pass-1", email: karpova@example.com}
`
	}}, "browser/factors_signin.test.mjs")
}
