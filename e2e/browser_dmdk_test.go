package e2e

import (
	"strings"
	"testing"
)

// TestBrowserDMDK runs ДМДК's journey whole (issue 18, "What must be shown")
// in chromium (e2e/browser/dmdk.test.mjs): the head signs in with a qualified
// certificate (a signature file, no plug-in), creates the account and
// registers the company from the certificate, approved by the registry; the
// employee signs in with their certificate, is offered the company and asks
// to join; the head approves with roles ticked; the app gets the company and
// the roles; removing every role shows "Удалён" and the app gets no company.
// Each language runs on a server of its own, so both walk the whole journey
// on a fresh company.
func TestBrowserDMDK(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			runBrowser(t, browserSetup{Config: dmdkBrowserConfig, Env: []string{"DMDK_LANG=" + lang}}, "browser/dmdk.test.mjs")
		})
	}
}

// dmdkBrowserConfig takes ООО «Ромашка» out of the seeds: its head (the
// director.* GOST fixture, named its head by the registry stand-in) registers
// it in the test. The b2b catalogue's "buyer" becomes a default role, ticked
// in advance when a join request is approved.
func dmdkBrowserConfig(cfg, _ string) string {
	return strings.NewReplacer(
		`    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021", contracts: [Д-15]}`+"\n", "",
		"    - {user: sergeev, org: romashka, roles: [buyer]}\n", "",
		"{key: buyer, name: {ru: Закупщик, en: Buyer}}", "{key: buyer, name: {ru: Закупщик, en: Buyer}, default: true}",
	).Replace(cfg)
}
