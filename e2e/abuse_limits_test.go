package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// lowLimits: three failures lock, no captcha, so that the attacks below stay short.
const lowLimits = "captcha: {provider: none}\nlimits: {lock_after_failures: 3, delay_after_failures: 2, lock_for: 1h}\n"

var contractLinkRe = regexp.MustCompile(`href="([^"]*/contract\?[^"]*)"`)

// TestAbuseContractRespelling: an accountant PIN is guessed by spelling the
// contract number differently on each try ("Д-15", "Д 15", "Д--1-5" are one
// contract). All spellings count against one lock: after three wrong PINs, the
// right PIN under yet another spelling is refused, while another contract of the
// company still signs in.
func TestAbuseContractRespelling(t *testing.T) {
	cfg := strings.Replace(testConfig, "bootstrap:\n", strings.Replace(lowLimits, "delay_after_failures: 2", "delay_after_failures: 10", 1)+"bootstrap:\n", 1)
	cfg = strings.Replace(cfg, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", `  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021", contracts: [Д-15, Д-16]}
  memberships:
    - {user: ivanov, org: romashka, roles: [org_admin]}
  users:
`, 1)
	srv := startServer(t, cfg)
	admin := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	for _, contract := range []string{"Д-15", "Д-16"} {
		p := mustGet(t, admin, srv.Issuer+"/account/companies/romashka/members")
		if p = mustSubmit(t, admin, p, "/contracts", url.Values{"contract": {contract}, "pin": {"246810"}}); !strings.Contains(p.Body, "PIN set.") {
			t.Fatalf("PIN for %s: %.400s", contract, p.Body)
		}
	}
	shop := shopRP(t, srv)
	try := func(contract, pin string) *rptest.Page {
		t.Helper()
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		b.Lang = "en"
		p := follow(t, b, mustGet(t, b, shop.authorization().URL), contractLinkRe)
		return mustSubmit(t, b, p, "/contract", url.Values{"inn": {"7728824599"}, "contract": {contract}, "pin": {pin}})
	}
	for i, spelling := range []string{"Д-15", "Д 15", "Д--1-5"} {
		if p := try(spelling, "00000"+string(rune('0'+i))); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong PIN %d (%q): %d %.300s", i+1, spelling, p.Status, p.Body)
		}
	}
	if p := try("д15", "246810"); p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "Too many failed sign-in attempts") {
		t.Fatalf("the right PIN after three wrong ones under other spellings: %d %.300s", p.Status, p.Body)
	}
	if p := try("Д-16", "246810"); p.Location == "" {
		t.Fatalf("another contract of the company is locked too: %d %.300s", p.Status, p.Body)
	}
}

