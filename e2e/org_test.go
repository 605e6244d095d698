package e2e

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// orgConfig adds two companies (and a branch) to the base config: ivanov is in
// both, with roles of the shop's catalogue and of another app's.
const orgConfig = `  role_catalogues:
    - id: dmdk
      clients: [shop]
      roles:
        - {key: participant, name: {ru: Участник, en: Participant}}
        - {key: batches, name: {ru: Операции с партиями, en: Batch operations}}
    - id: crm
      clients: [portal]
      roles:
        - {key: sales, name: {ru: Продажи, en: Sales}}
  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021"}
    - {id: romashka-spb, name: ООО «Ромашка» (СПб), inn: "7728824599", kpp: "784201001", parent: romashka}
    - {id: vasilek, name: ООО «Василёк», inn: "7707083893", kpp: "773601001", ogrn: "1027700132195"}
  memberships:
    - {user: ivanov, org: romashka, roles: [org_admin, participant, sales]}
    - {user: ivanov, org: vasilek, roles: [batches]}
`

func startOrgServer(t *testing.T) *server {
	cfg := strings.Replace(testConfig, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", orgConfig+"  users:\n", 1) + `    - {login: petrov, password: "Petrov-pass-1"}
`
	return startServer(t, cfg)
}

// orgOf returns the id of the "org" claim and the roles.
func orgOf(claims map[string]any) (string, []string) {
	org, _ := claims["org"].(map[string]any)
	id, _ := org["id"].(string)
	return id, toStrings(claims["roles"])
}

// TestChoosingTheCompanyAtSignIn: with two companies the page asks (button
// Continue); the choice stays with the browser session; prompt=select_account
// asks again; org_hint by INN skips the page; roles are the client's only; a
// person without companies gets a token without org.
func TestChoosingTheCompanyAtSignIn(t *testing.T) {
	srv := startOrgServer(t)
	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader,
		"openid", "profile", "org", "orgs")
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	a := shop.authorization()
	p := mustGet(t, b, a.URL)
	p = mustSubmit(t, b, p, "/password", map[string][]string{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if !strings.Contains(p.Body, "Choose a company") || !strings.Contains(p.Body, ">Continue<") || !strings.Contains(p.Body, "ООО\u00a0«Василёк»") {
		t.Fatalf("no company choice: %.800s", p.Body)
	}
	p = mustSubmit(t, b, p, "/org", map[string][]string{"org": {"vasilek"}})
	_, _, claims := shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, roles := orgOf(claims); id != "vasilek" || !slices.Equal(roles, []string{"batches"}) {
		t.Fatalf("org %q roles %v", id, roles)
	}
	orgs, _ := claims["orgs"].([]any)
	if len(orgs) != 2 {
		t.Fatalf("orgs: %v", claims["orgs"])
	}
	first := orgs[0].(map[string]any)
	if first["id"] != "romashka" || first["inn"] != "7728824599" || first["kpp"] != "772801001" ||
		!slices.Equal(toStrings(first["roles"]), []string{"org_admin", "participant"}) {
		t.Fatalf("orgs[0]: %v (the other app's role must not show)", first)
	}

	// The choice belongs to the session: the next sign-in asks nothing.
	a = shop.authorization()
	p = mustGet(t, b, a.URL)
	if p.Location == "" {
		t.Fatalf("SSO asked again: %.300s", p.Body)
	}
	_, _, claims = shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, _ := orgOf(claims); id != "vasilek" {
		t.Fatalf("SSO org %q", id)
	}
	// prompt=select_account asks again.
	a = shop.authorization(oauth2.SetAuthURLParam("prompt", "select_account"))
	p = mustGet(t, b, a.URL)
	if !strings.Contains(p.Body, "Choose a company") {
		t.Fatalf("select_account did not ask: %.300s", p.Body)
	}
	p = mustSubmit(t, b, p, "/org", map[string][]string{"org": {"romashka"}})
	_, _, claims = shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, roles := orgOf(claims); id != "romashka" || !slices.Equal(roles, []string{"org_admin", "participant"}) {
		t.Fatalf("after select_account: %q %v", id, roles)
	}
	// A company that is not the person's is refused on the page.
	a = shop.authorization(oauth2.SetAuthURLParam("prompt", "select_account"))
	p = mustGet(t, b, a.URL)
	if q := mustSubmit(t, b, p, "/org", map[string][]string{"org": {"romashka-spb"}}); q.Status != 400 || !strings.Contains(q.Body, "Choose one of your companies") {
		t.Fatalf("foreign company: %d %.300s", q.Status, q.Body)
	}
	// org_hint by INN skips the page.
	a = shop.authorization(oauth2.SetAuthURLParam("org_hint", "7707083893"), oauth2.SetAuthURLParam("prompt", "select_account"))
	p = mustGet(t, b, a.URL)
	if p.Location == "" {
		t.Fatalf("org_hint did not settle it: %.300s", p.Body)
	}
	_, _, claims = shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, _ := orgOf(claims); id != "vasilek" {
		t.Fatalf("org_hint org %q", id)
	}

	// No company: a token without org, and an empty orgs list.
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	a, code := shop.signIn(b2, "petrov", "Petrov-pass-1")
	_, _, claims = shop.exchange(a, code)
	if _, ok := claims["org"]; ok {
		t.Fatalf("org without membership: %v", claims)
	}
	if orgs, ok := claims["orgs"].([]any); !ok || len(orgs) != 0 {
		t.Fatalf("orgs without membership: %v", claims["orgs"])
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		t.Fatalf("not a URL: %q", raw)
	}
	return u
}
