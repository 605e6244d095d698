package e2e

// What the tests of the example applications share (integration_gooidc_test.go,
// integration_node_test.go): Vhod's configuration made from the example's own
// client file (the one its guide includes), a person signing in through the
// app with the HTTP client as their browser, and the claims the app shows.

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/fixtures"
	"github.com/vhod-id/vhod/internal/rptest"
)

// exampleCompanies are the people and companies around the example apps:
// ivanov holds the app's role editor in Ромашка (and is its org_admin) and
// nothing of this app's in Василёк; petrov is in no company.
const exampleCompanies = `  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021"}
    - {id: vasilek, name: ООО «Василёк», inn: "7707083893", kpp: "773601001", ogrn: "1027700132195"}
  memberships:
    - {user: ivanov, org: romashka, roles: [org_admin, editor]}
    - {user: ivanov, org: vasilek, roles: [editor]}
  users:
    - login: ivanov
      password: "S3cure-pass!"
      email: ivanov@example.com
      family_name: Иванов
      given_name: Иван
      middle_name: Иванович
    - {login: petrov, password: "Petrov-pass-1", family_name: Петров, given_name: Пётр}
`

// exampleConfig is Vhod's configuration for an example app: the base
// config's top (issuer, store, logs), the example's client file (relative to
// the checkout's top) with {{APP}} and {{CLIENT_SECRET}} filled in, and the
// companies above. It returns the config and the client secret.
func exampleConfig(t *testing.T, clientFile, appURL string) (cfg, secret string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(clientFile)))
	if err != nil {
		t.Fatal(err)
	}
	top, _, ok := strings.Cut(testConfig, "bootstrap:\n")
	if !ok || !strings.Contains(string(raw), "\nbootstrap:\n") {
		t.Fatalf("%s or the base config has no bootstrap section", clientFile)
	}
	secret = rand.Text() + rand.Text()
	client := strings.NewReplacer("{{APP}}", appURL, "{{CLIENT_SECRET}}", secret).Replace(string(raw))
	return top + exampleCertauth(t) + client + exampleCompanies, secret
}

// exampleCertauth trusts the fixtures' GOST root as an accredited CA (its
// CRLs as files), so that a person can sign in to an example app with a
// qualified certificate when the app asks for one.
func exampleCertauth(t *testing.T) string {
	f := fixtures.Dir(t)
	return "certauth:\n" +
		"  trust_anchors:\n" +
		"    - {file: " + filepath.Join(f, "gost/root-ca.crt.pem") + ", qualified: true}\n" +
		"  crl: {files: [" + filepath.Join(f, "gost/int-ca.crl.pem") + ", " + filepath.Join(f, "gost/root-ca.crl.pem") + "]}\n"
}

// qualifiedAcr is what the example apps are told to demand (ACR_VALUES) when
// the tests check that they ask for a certificate sign-in.
const qualifiedAcr = "urn:vhod:acr:qualified-certificate"

// certificateThroughApp opens the app's sign-in, which asks Vhod for
// qualifiedAcr, expects Vhod's certificate page straight away, signs the
// challenge with the fixtures' director certificate (`vhod sign`), creates the
// account, and returns the page the app shows afterwards.
func certificateThroughApp(t *testing.T, b *rptest.Browser, start string) *rptest.Page {
	t.Helper()
	p := mustGet(t, b, start)
	if !strings.Contains(p.URL.Path, "/certificate") || !challengeRe.MatchString(p.Body) {
		t.Fatalf("the app asked for %s, yet Vhod did not show the certificate page: %s %.400s", qualifiedAcr, p.URL, p.Body)
	}
	key, cert, chain := fixtureSigner(t, "gost/director")
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, key, cert, chain)}})
	return mustSubmit(t, b, p, "/certificate/confirm", nil)
}

// signInThroughApp opens the app's path, signs in at Vhod as login with
// password, chooses the company org when Vhod asks for one, and returns the
// page the app shows afterwards. The browser follows every redirect: the
// app's, Vhod's and back.
func signInThroughApp(t *testing.T, b *rptest.Browser, start, login, password, org string) *rptest.Page {
	t.Helper()
	p := mustGet(t, b, start)
	for range 4 {
		switch {
		case strings.Contains(p.Body, `name="password"`):
			p = mustSubmit(t, b, p, "/password", url.Values{"login": {login}, "password": {password}})
		case orgForm.MatchString(p.Body):
			p = mustSubmit(t, b, p, "/org", url.Values{"org": {org}})
		default:
			return p
		}
	}
	t.Fatalf("sign-in through %s did not end: %s %d %.600s", start, p.URL, p.Status, p.Body)
	return nil
}

// orgForm is Vhod's company choice.
var orgForm = regexp.MustCompile(`<form [^>]*action="[^"]*/org[?"]`)

// claimsPre is the app's <pre id="claims">, the ID token's claims as JSON.
var claimsPre = regexp.MustCompile(`(?s)<pre id="claims">(.*?)</pre>`)

// shownClaims are the claims the app shows on its page.
func shownClaims(t *testing.T, p *rptest.Page) map[string]any {
	t.Helper()
	m := claimsPre.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("the app shows no claims at %s (%d): %.600s", p.URL, p.Status, p.Body)
	}
	var claims map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &claims); err != nil {
		t.Fatalf("the app's claims: %v in %s", err, m[1])
	}
	return claims
}

// checkExampleClaims asserts what an example app got for ivanov signed in
// with a password for Ромашка, as its client file and exampleCompanies say.
func checkExampleClaims(t *testing.T, claims map[string]any, clientID string) {
	t.Helper()
	org, _ := claims["org"].(map[string]any)
	want := map[string]any{"id": "romashka", "name": "ООО «Ромашка»", "inn": "7728824599", "kpp": "772801001", "ogrn": "1177746151021"}
	for k, v := range want {
		if org[k] != v {
			t.Errorf("org.%s = %v, want %v (org %v)", k, org[k], v, claims["org"])
		}
	}
	if roles := toStrings(claims["roles"]); !slices.Equal(roles, []string{"org_admin", "editor"}) {
		t.Errorf("roles = %v, want [org_admin editor]", roles)
	}
	orgs, _ := claims["orgs"].([]any)
	var ids []string
	for _, o := range orgs {
		m, _ := o.(map[string]any)
		ids = append(ids, fmt.Sprint(m["id"]))
	}
	if !slices.Equal(ids, []string{"romashka", "vasilek"}) {
		t.Errorf("orgs = %v, want romashka and vasilek", claims["orgs"])
	}
	if claims["acr"] != "urn:vhod:acr:password" || !slices.Equal(toStrings(claims["amr"]), []string{"pwd"}) {
		t.Errorf("acr %v amr %v, want a password sign-in", claims["acr"], claims["amr"])
	}
	if claims["name"] != "Иванов Иван Иванович" || claims["aud"] == nil || claims["sub"] == "" || claims["sid"] == nil {
		t.Errorf("name, aud, sub or sid missing: %v", claims)
	}
	if aud := fmt.Sprint(claims["aud"]); !strings.Contains(aud, clientID) {
		t.Errorf("aud = %v, want %s", claims["aud"], clientID)
	}
}
