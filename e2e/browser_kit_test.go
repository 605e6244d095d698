package e2e

import (
	"strings"
	"testing"
)

// TestBrowserKIT runs КИТ's journey of issue 18 (e2e/browser/kit.test.mjs) in
// chromium, in Russian and English: a person signs up by phone with the
// consents (the personal-data policy and the offer, both linked), confirms by
// SMS code; forgets the password, gets a temporary one by SMS, is made to
// change it at sign-in and reaches the app; registers two companies, each
// confirmed by a code mailed to the company, and after the moderator's
// approval the app's `orgs` claim lists both.
func TestBrowserKIT(t *testing.T) {
	runBrowser(t, browserSetup{Config: kitBrowserConfig}, "browser/kit.test.mjs")
}

// kitBrowserConfig links the sign-up's consents to the texts on the relying
// party's site, as КИТ's portal has them: the personal-data policy and the
// offer, which sign-up then asks to accept too.
func kitBrowserConfig(cfg, rpURL string) string {
	return strings.Replace(cfg, "bootstrap:\n", "registration: {privacy_policy_url: \""+rpURL+"/privacy\", terms_url: \""+rpURL+"/offer\"}\nbootstrap:\n", 1)
}
