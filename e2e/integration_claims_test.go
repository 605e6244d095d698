package e2e

import (
	"encoding/json"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// claimsExample is an example ID token of docs/<lang>/claims.md: the line
//
//	<!-- example ID token: password -->
//
// followed directly by a fenced JSON block.
var claimsExample = regexp.MustCompile("(?s)<!-- example ID token: ([a-z]+) -->\n```json\n(.*?)```")

// TestClaimsPageExamples signs in twice as the claims page's examples say
// (ivanov with a password for his company, scopes openid org orgs; a director
// with a qualified GOST certificate, scopes openid ru_ids cert) and holds the
// example ID tokens of docs/en/claims.md and docs/ru/claims.md to the real
// ones: the same claim names at every level, and the same acr and amr. The
// values that change with every run (sub, sid, times, hashes) may differ.
// With -v it prints the real tokens, from which the examples are written.
func TestClaimsPageExamples(t *testing.T) {
	corp := newCorpPKI(t)
	cfg := certConfig(t, corp, "")
	cfg = strings.Replace(cfg, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", orgConfig+"  users:\n", 1)
	srv := startServer(t, cfg)
	real := map[string]map[string]any{}

	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "org", "orgs")
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p := mustSubmit(t, b, mustGet(t, b, a.URL), "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	p = mustSubmit(t, b, p, "/org", url.Values{"org": {"romashka"}})
	_, _, real["password"] = shop.exchange(a, shop.code(a, mustParse(t, p.Location)))

	esign := newRP(t, srv, "esign", "esign-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "ru_ids", "cert")
	b = rptest.NewBrowser("http://127.0.0.1:8765/")
	a = esign.authorization()
	p = follow(t, b, mustGet(t, b, a.URL), certLinkRe)
	key, cert, chain := fixtureSigner(t, "gost/director")
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, key, cert, chain)}})
	p = mustSubmit(t, b, p, "/certificate/confirm", nil)
	_, _, real["certificate"] = esign.exchange(a, esign.code(a, mustParse(t, p.Location)))

	for name, claims := range real {
		js, _ := json.MarshalIndent(claims, "", "  ")
		t.Logf("%s sign-in, the ID token's claims:\n%s", name, js)
	}
	for _, lang := range []string{"en", "ru"} {
		file := filepath.Join("..", "docs", lang, "claims.md")
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, m := range claimsExample.FindAllStringSubmatch(string(body), -1) {
			name := m[1]
			found[name] = true
			var doc map[string]any
			if err := json.Unmarshal([]byte(m[2]), &doc); err != nil {
				t.Errorf("%s, example %s: %v", file, name, err)
				continue
			}
			got, ok := real[name]
			if !ok {
				t.Errorf("%s: example %q is not one this test signs in for (password, certificate)", file, name)
				continue
			}
			if diff := claimNamesDiffer("", doc, got); diff != "" {
				t.Errorf("%s, example %s: %s", file, name, diff)
			}
			if doc["acr"] != got["acr"] || !slices.Equal(toStrings(doc["amr"]), toStrings(got["amr"])) {
				t.Errorf("%s, example %s: acr %v amr %v, the real token has %v %v", file, name, doc["acr"], doc["amr"], got["acr"], got["amr"])
			}
		}
		for name := range real {
			if !found[name] {
				t.Errorf("%s has no example ID token %q", file, name)
			}
		}
	}
}

// claimNamesDiffer compares the claim names of an example with a real token's,
// inside objects and the first element of lists too; "" when they agree.
func claimNamesDiffer(at string, doc, got any) string {
	switch d := doc.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return at + " is an object in the example only"
		}
		dk, gk := slices.Sorted(maps.Keys(d)), slices.Sorted(maps.Keys(g))
		if !slices.Equal(dk, gk) {
			return "claims " + at + "{" + strings.Join(dk, " ") + "}, the real token has {" + strings.Join(gk, " ") + "}"
		}
		for _, k := range dk {
			if diff := claimNamesDiffer(at+k+".", d[k], g[k]); diff != "" {
				return diff
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(d) == 0 || len(g) == 0 {
			if !ok || len(d) != len(g) {
				return at + " is a list of another shape in the example"
			}
			return ""
		}
		return claimNamesDiffer(at+"0.", d[0], g[0])
	}
	return ""
}
