package e2e

import (
	"strings"
	"testing"
)

// TestBrowserCompanies runs the company journeys of issue 18 item 5
// (e2e/browser/companies.test.mjs) in chromium, in Russian and English: the
// Светсервис journey (registration → rejection with a reason → correction and
// resubmission → moderation with every requisite → approval mail; an employee
// joins by INN → the moderator and the head approve, the head with roles
// ticked) and ДМДК's rule (removing every role shows "Удалён"/"Removed", roles
// are given again), with invitations listed and withdrawn.
func TestBrowserCompanies(t *testing.T) {
	runBrowser(t, browserSetup{Config: companiesBrowserConfig}, "browser/companies.test.mjs")
}

// companiesBrowserConfig adds to the browser tests' setup: join requests need
// the moderator and the org admin (as in the seeds); a catalogue of the b2b app
// whose "viewer" is a default role; ДМДК's jewellery house with its head and
// two members; the people of both journeys.
func companiesBrowserConfig(cfg, _ string) string {
	cfg = strings.Replace(cfg, "organisations: {registry: {", "organisations: {join_approval: both, registry: {", 1)
	cfg = strings.Replace(cfg, "  role_catalogues:\n", `  role_catalogues:
    - id: svet
      clients: [b2b]
      roles:
        - {key: viewer, name: {ru: Просмотр, en: Viewer}, default: true}
        - {key: supplier, name: {ru: Поставщик, en: Supplier}}
`, 1)
	cfg = strings.Replace(cfg, "  organisations:\n", `  organisations:
    - {id: dmdk, name: ООО «Ювелирный дом», inn: "7712345671", kpp: "771201001", ogrn: "1027700000020"}
`, 1)
	cfg = strings.Replace(cfg, "  memberships:\n", `  memberships:
    - {user: zolotova, org: dmdk, roles: [org_admin]}
    - {user: serebrov, org: dmdk, roles: [viewer]}
    - {user: platinov, org: dmdk, roles: [viewer]}
`, 1)
	return cfg + `    - {login: svetlova, password: "Svetlova-pass-1", email: svetlova@svet.example}
    - {login: lampin, password: "Lampin-pass-1", email: lampin@svet.example}
    - {login: zolotova, password: "Zolotova-pass-1", email: zolotova@dmdk.example}
    - {login: serebrov, password: "Serebrov-pass-1"}
    - {login: platinov, password: "Platinov-pass-1"}
`
}
