package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

func TestSSOAcrossAppsThenLogoutThenPromptNone(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	portal := newRP(t, srv, "portal", "portal-secret", "http://127.0.0.1:8766/callback", oauth2.AuthStyleInParams)
	b := rptest.NewBrowser("http://127.0.0.1:876")
	a, code := shop.signIn(b, "ivanov", "S3cure-pass!")
	shopTok, shopID, shopClaims := shop.exchange(a, code)

	// The second app signs in without a form, in the same session.
	pa := portal.authorization()
	p, err := b.Get(pa.URL)
	if err != nil {
		t.Fatal(err)
	}
	if p.Location == "" {
		t.Fatalf("SSO showed a page instead of returning: %.300s", p.Body)
	}
	cb, _ := url.Parse(p.Location)
	_, portalID, portalClaims := portal.exchange(pa, portal.code(pa, cb))
	if portalID.Subject != shopID.Subject || portalClaims["sid"] != shopClaims["sid"] {
		t.Fatalf("SSO gave another subject or session: %v vs %v", portalClaims, shopClaims)
	}
	if portalClaims["auth_time"] != shopClaims["auth_time"] {
		t.Errorf("auth_time changed without a new sign-in")
	}

	// prompt=none while signed in: a code, no page.
	pn := shop.authorization(oauth2.SetAuthURLParam("prompt", "none"))
	p = mustGet(t, b, pn.URL)
	cb, _ = url.Parse(p.Location)
	if cb == nil || cb.Query().Get("code") == "" {
		t.Fatalf("prompt=none with a session: %q", p.Location)
	}

	// RP-initiated logout with id_token_hint and a registered post-logout URI.
	raw, _ := shopTok.Extra("id_token").(string)
	q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {"http://127.0.0.1:8765/"}, "state": {"bye"}}
	p, err = b.Get(srv.Issuer + "/end_session?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Location, "http://127.0.0.1:8765/?") || !strings.Contains(p.Location, "state=bye") {
		t.Fatalf("logout went to %q (status %d: %.200s)", p.Location, p.Status, p.Body)
	}
	if got := shop.introspect(shopTok.AccessToken); got["active"] != false {
		t.Errorf("session token still active after logout: %v", got)
	}

	// After logout, prompt=none must say login_required.
	pn = shop.authorization(oauth2.SetAuthURLParam("prompt", "none"))
	p = mustGet(t, b, pn.URL)
	cb, _ = url.Parse(p.Location)
	if cb == nil || cb.Query().Get("error") != "login_required" || cb.Query().Get("state") != pn.State {
		t.Fatalf("prompt=none after logout: %q", p.Location)
	}

	// A logout URI that is not registered is refused.
	q.Set("post_logout_redirect_uri", "http://evil.example/")
	p = mustGet(t, b, srv.Issuer+"/end_session?"+q.Encode())
	if p.Location != "" {
		t.Fatalf("unregistered post-logout URI followed: %q", p.Location)
	}
}

func TestPromptLoginAndMaxAgeAskAgain(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	shop.signIn(b, "ivanov", "S3cure-pass!")
	for name, opt := range map[string]oauth2.AuthCodeOption{
		"prompt=login": oauth2.SetAuthURLParam("prompt", "login"),
		"max_age=0":    oauth2.SetAuthURLParam("max_age", "0"),
	} {
		t.Run(name, func(t *testing.T) {
			time.Sleep(1100 * time.Millisecond) // auth_time has second resolution
			p, err := b.Get(shop.authorization(opt).URL)
			if err != nil {
				t.Fatal(err)
			}
			if p.Location != "" || !strings.Contains(p.Body, `name="password"`) {
				t.Fatalf("%s did not ask for the password again (location %q)", name, p.Location)
			}
		})
	}
	// max_age long enough: the session answers.
	p := mustGet(t, b, shop.authorization(oauth2.SetAuthURLParam("max_age", "3600")).URL)
	if p.Location == "" {
		t.Fatal("max_age=3600 asked again")
	}
}

func TestConsentForThirdPartyClients(t *testing.T) {
	srv := startServer(t, "")
	partner := newRP(t, srv, "partner", "partner-secret", "http://127.0.0.1:8767/callback", oauth2.AuthStyleInHeader)
	b := rptest.NewBrowser("http://127.0.0.1:8767/")
	b.Lang = "en"

	// Deny first: the client gets access_denied.
	a := partner.authorization()
	p := mustGet(t, b, a.URL)
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if !strings.Contains(p.Body, ">Allow<") || !strings.Contains(p.Body, "Partner App") {
		t.Fatalf("no consent page: %.400s", p.Body)
	}
	p = mustSubmit(t, b, p, "/consent", url.Values{"action": {"deny"}})
	cb, _ := url.Parse(p.Location)
	if cb == nil || cb.Query().Get("error") != "access_denied" {
		t.Fatalf("deny: %q", p.Location)
	}

	// Allow: tokens, signed with the client's EdDSA choice.
	a, code := partner.signIn(b, "ivanov", "S3cure-pass!")
	tok, _, _ := partner.exchange(a, code)
	raw, _ := tok.Extra("id_token").(string)
	if alg := headerAlg(t, raw); alg != "EdDSA" {
		t.Errorf("partner's ID token alg %s, want EdDSA", alg)
	}
	// Consent is remembered: no page the next time.
	p = mustGet(t, b, partner.authorization().URL)
	if p.Location == "" {
		t.Fatalf("consent asked twice: %.300s", p.Body)
	}
	// prompt=consent asks again.
	p = mustGet(t, b, partner.authorization(oauth2.SetAuthURLParam("prompt", "consent")).URL)
	if !strings.Contains(p.Body, ">Allow<") {
		t.Fatal("prompt=consent did not ask")
	}
}

func TestSigningAlgorithmPerClient(t *testing.T) {
	srv := startServer(t, "")
	b := rptest.NewBrowser("http://127.0.0.1:876")
	shop := shopRP(t, srv)
	a, code := shop.signIn(b, "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	raw, _ := tok.Extra("id_token").(string)
	if alg := headerAlg(t, raw); alg != "ES256" {
		t.Errorf("default alg %s, want ES256", alg)
	}
	if alg := headerAlg(t, tok.AccessToken); alg != "ES256" {
		t.Errorf("JWT access token alg %s", alg)
	}
	portal := newRP(t, srv, "portal", "portal-secret", "http://127.0.0.1:8766/callback", oauth2.AuthStyleInParams)
	a, code = portal.signIn(b, "ivanov", "S3cure-pass!")
	tok, _, _ = portal.exchange(a, code)
	raw, _ = tok.Extra("id_token").(string)
	if alg := headerAlg(t, raw); alg != "RS256" {
		t.Errorf("portal alg %s, want RS256", alg)
	}
}

func TestPrivateKeyJWTClient(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub := jose.JSONWebKey{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}})
	cfg := strings.Replace(testConfig, "  users:\n", `    - id: robot
      name: Robot
      auth_method: private_key_jwt
      jwks: '`+string(set)+`'
      redirect_uris: [http://127.0.0.1:8768/callback]
      first_party: true
  users:
`, 1)
	srv := startServer(t, cfg)
	robot := newRP(t, srv, "robot", "", "http://127.0.0.1:8768/callback", oauth2.AuthStyleInParams)
	a, code := robot.signIn(rptest.NewBrowser("http://127.0.0.1:8768/"), "ivanov", "S3cure-pass!")

	robotKey := newSignedClient(t, srv, "robot", key)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:8768/callback"},
		"code_verifier": {a.Verifier}, "client_id": {"robot"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forger := newSignedClient(t, srv, "robot", other) // same kid, another key
	form.Set("client_assertion", forger.assertion())
	if status, out := postForm(t, srv.Issuer+"/oauth/token", "", "", form); status == http.StatusOK {
		t.Fatalf("assertion signed by a foreign key accepted: %v", out)
	}
	// The failed attempt burnt the code: sign in again for a fresh one.
	a, code = robot.signIn(rptest.NewBrowser("http://127.0.0.1:8768/"), "ivanov", "S3cure-pass!")
	form.Set("code", code)
	form.Set("code_verifier", a.Verifier)
	form.Set("client_assertion", robotKey.assertion())
	status, out := postForm(t, srv.Issuer+"/oauth/token", "", "", form)
	if status != http.StatusOK || out["id_token"] == nil {
		t.Fatalf("private_key_jwt exchange: %d %v", status, out)
	}
}

func headerAlg(t *testing.T, token string) string {
	t.Helper()
	sig, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA})
	if err != nil {
		t.Fatalf("parse %q: %v", token, err)
	}
	return sig.Signatures[0].Header.Algorithm
}
