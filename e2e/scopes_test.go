package e2e

import (
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// readmeBootstrap is the bootstrap section of the configuration example of
// the install guide (docs/en/install.md, once the README's), verbatim: what an
// operator copies is what is tested.
func readmeBootstrap(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/en/install.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "\nbootstrap:\n")
	if start < 0 {
		t.Fatal("docs/en/install.md: no bootstrap section in the configuration example")
	}
	var out []string
	for i, line := range strings.Split(readme[start+1:], "\n") {
		if i > 0 && line != "" && !strings.HasPrefix(line, " ") { // the next top-level key
			break
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// TestReadmeOrganisationExampleGetsOrg: the README's client, catalogue,
// company and membership, copied as printed (no scopes key), give the shop the
// org claim with the roles of its catalogue; Vhod's own scopes are offered to
// every client by default (DESIGN.md, Claims). The token answer states the
// scopes granted (RFC 6749 section 5.1).
func TestReadmeOrganisationExampleGetsOrg(t *testing.T) {
	head := testConfig[:strings.Index(testConfig, "bootstrap:\n")]
	srv := startServer(t, head+readmeBootstrap(t))
	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader,
		"openid", "profile", "org", "orgs", "ru_ids", "cert", "admin", "address")
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, claims := shop.exchange(a, code)
	if id, roles := orgOf(claims); id != "romashka" || !slices.Equal(roles, []string{"org_admin", "participant"}) {
		t.Fatalf("org %q roles %v (claims %v)", id, roles, claims)
	}
	if orgs, _ := claims["orgs"].([]any); len(orgs) != 1 {
		t.Fatalf("orgs: %v", claims["orgs"])
	}
	// admin is opt-in and address grants nothing: both dropped, and said so.
	if got := tok.Extra("scope"); got != "openid profile org orgs ru_ids cert" {
		t.Fatalf("granted scope %q", got)
	}
}

// TestGrantedScopeIsStated: every token answer states what was granted, and a
// scope the client may not have is dropped rather than echoed (RFC 6749
// section 5.1 and 3.3): code, refresh and client credentials; the consent page
// of a third-party client names each scope in words, never by its key.
func TestGrantedScopeIsStated(t *testing.T) {
	cfg := strings.Replace(testConfig, "      signing_alg: EdDSA\n", "      signing_alg: EdDSA\n      scopes: [org]\n", 1)
	srv := startServer(t, cfg)
	partner := newRP(t, srv, "partner", "partner-secret", "http://127.0.0.1:8767/callback", oauth2.AuthStyleInHeader,
		"openid", "email", "org", "cert", "address", "offline_access")
	for lang, want := range map[string][]string{
		"en": {"Your email address", "The company you sign in for and your roles in it", "Access to these data while you are not using the app"},
		"ru": {"Адрес электронной почты", "Организация, от имени которой вы входите, и ваши роли в ней"},
	} {
		b := rptest.NewBrowser("http://127.0.0.1:8767/")
		b.Lang = lang
		p := mustGet(t, b, partner.authorization().URL)
		p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
		list := p.Body[strings.Index(p.Body, `<ul class="scopes">`):]
		list = list[:strings.Index(list, "</ul>")]
		for _, w := range want {
			if !strings.Contains(list, w) {
				t.Errorf("%s consent page without %q: %s", lang, w, list)
			}
		}
		for _, key := range []string{">openid<", ">email<", ">org<", ">offline_access<", ">cert<", ">address<", "scope."} {
			if strings.Contains(list, key) {
				t.Errorf("%s consent page shows the key %q: %s", lang, key, list)
			}
		}
	}

	b := rptest.NewBrowser("http://127.0.0.1:8767/")
	b.Lang = "en"
	a := partner.authorization()
	p := mustGet(t, b, a.URL)
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	p = mustSubmit(t, b, p, "/consent", url.Values{"action": {"allow"}})
	tok, _, _ := partner.exchange(a, partner.code(a, mustParse(t, p.Location)))
	const granted = "openid email org offline_access" // cert: not in partner's list; address: nothing to give
	if got := tok.Extra("scope"); got != granted {
		t.Fatalf("code: granted scope %q, want %q", got, granted)
	}
	next, err := partner.oauth.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || next.Extra("scope") != granted {
		t.Fatalf("refresh: %v, scope %q", err, next.Extra("scope"))
	}

	// Client credentials: a client's own token gets Vhod's scopes it may have,
	// not the standard ones (about a person), not admin unless listed.
	status, out := postForm(t, srv.Issuer+"/oauth/token", "shop", "shop-secret",
		url.Values{"grant_type": {"client_credentials"}, "scope": {"openid admin org"}})
	if status != http.StatusOK || out["scope"] != "org" {
		t.Fatalf("client credentials: %d %v", status, out)
	}
}

// TestClaimsForCommonRPs: the name follows the language the RP asked the
// sign-in in (ui_locales), in the ID token and at userinfo alike, JWT access
// tokens included; a phone-only account has a preferred_username, which
// oauth2-proxy can take with --oidc-email-claim=preferred_username.
func TestClaimsForCommonRPs(t *testing.T) {
	srv := startServer(t, testConfig+`    - {phone: "+79091112233", password: "Phone-only-1"}
`)
	en := oauth2.SetAuthURLParam("ui_locales", "en")
	portal := newRP(t, srv, "portal", "portal-secret", "http://127.0.0.1:8766/callback", oauth2.AuthStyleInParams)
	a, code := portal.signIn(rptest.NewBrowser("http://127.0.0.1:8766/"), "ivanov", "S3cure-pass!", en)
	_, _, claims := portal.exchange(a, code)
	if claims["name"] != "Иван Иванович Иванов" || claims["preferred_username"] != "ivanov" {
		t.Fatalf("ID token with ui_locales=en: %v", claims)
	}
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a, code = shop.signIn(b, "ivanov", "S3cure-pass!", en)
	tok, _, _ := shop.exchange(a, code)
	info, err := shop.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var uc map[string]any
	_ = info.Claims(&uc)
	if uc["name"] != "Иван Иванович Иванов" {
		t.Fatalf("userinfo from a JWT access token of an English sign-in: %v", uc)
	}
	a, code = shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "+7 909 111-22-33", "Phone-only-1")
	tok, _, _ = shop.exchange(a, code)
	if info, err = shop.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatal(err)
	}
	uc = nil
	_ = info.Claims(&uc)
	if uc["preferred_username"] != "+79091112233" || uc["email"] != nil {
		t.Fatalf("phone-only account at userinfo: %v", uc)
	}
}
