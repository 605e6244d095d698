package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// A company requiring a second factor, through the binary: a member without
// one sees it greyed and the app gets no org for it; after enrolment the
// member is stepped up when choosing it, and the app sees the company and its
// roles with acr mfa.
func TestCompanyRequiringASecondFactor(t *testing.T) {
	cfg := strings.Replace(testConfig, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", orgConfig+"  users:\n", 1)
	w := startFactorsWorldWith(t, cfg)
	org, err := w.st.OrganisationByID(t.Context(), "vasilek")
	if err != nil {
		t.Fatal(err)
	}
	org.SignInPolicy = storage.OrgSignInSecondFactor
	if _, err := w.st.UpdateOrganisation(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	shop := newRP(t, w.srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "org")

	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	a := shop.authorization()
	p := mustSubmit(t, b, mustGet(t, b, a.URL), "/password", map[string][]string{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if !strings.Contains(p.Body, `value="vasilek" disabled`) || !strings.Contains(p.Body, "Requires a second factor") {
		t.Fatalf("the company is offered without a second factor: %.1500s", p.Body)
	}
	if p := mustSubmit(t, b, p, "/org", map[string][]string{"org": {"vasilek"}}); p.Location != "" {
		t.Fatalf("a company not offered was chosen: %s", p.Location)
	}
	p = mustSubmit(t, b, p, "/org", map[string][]string{"org": {"romashka"}})
	if _, _, claims := shop.exchange(a, shop.code(a, mustParse(t, p.Location))); claims["org"] == nil {
		t.Fatalf("the company offered was not given: %v", claims)
	}
	// Asking for the strict company by its INN does not get it either.
	a = shop.authorization(oauth2.SetAuthURLParam("org_hint", "7707083893"))
	p = mustGet(t, b, a.URL)
	if _, _, claims := shop.exchange(a, shop.code(a, mustParse(t, p.Location))); func() bool { id, _ := orgOf(claims); return id == "vasilek" }() {
		t.Fatalf("org_hint got the strict company: %v", claims)
	}

	en, err := w.f.EnrolTOTP(t.Context(), w.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.f.ConfirmTOTP(t.Context(), tester, w.u.ID, totpCode(t, en.Secret, time.Now().Add(-30*time.Second))); err != nil {
		t.Fatal(err)
	}
	b = rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	a = shop.authorization()
	p = mustSubmit(t, b, mustGet(t, b, a.URL), "/password", map[string][]string{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if strings.Contains(p.Body, `value="vasilek" disabled`) {
		t.Fatalf("still greyed after enrolment: %.1500s", p.Body)
	}
	p = mustSubmit(t, b, p, "/org", map[string][]string{"org": {"vasilek"}})
	if !strings.Contains(p.Body, "Your company requires its members to sign in with a second factor") {
		t.Fatalf("not stepped up: %.1500s", p.Body)
	}
	p = mustSubmit(t, b, p, "/second-factor/totp", map[string][]string{"code": {totpCode(t, en.Secret, time.Now())}})
	_, _, claims := shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, roles := orgOf(claims); id != "vasilek" || !slices.Equal(roles, []string{"batches"}) || claims["acr"] != directory.ACRMFA {
		t.Fatalf("claims %v", claims)
	}
}
