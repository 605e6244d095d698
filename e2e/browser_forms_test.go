package e2e

import (
	"strings"
	"testing"
)

// TestBrowserForms runs e2e/browser/forms.test.mjs: sign-up errors at their
// fields, the personal-data policy link, the account page's sections and first
// password, and certificate sign-in without the CryptoPro plug-in (a signature
// file, the paste for experts, "I already have an account"), in ru and en.
func TestBrowserForms(t *testing.T) {
	runBrowser(t, browserSetup{
		Config: func(cfg, _ string) string {
			cfg = strings.Replace(cfg, "certauth:\n", "certauth:\n"+
				"  install: {csp_url: \"https://pki.example/csp\", plugin_url: \"https://pki.example/plugin\", tool_url: \"https://pki.example/cryptoarm\"}\n", 1)
			return strings.Replace(cfg, "bootstrap:\n", "registration: {privacy_policy_url: \"https://shop.example/privacy\"}\nbootstrap:\n", 1)
		},
	}, "browser/forms.test.mjs")
}
