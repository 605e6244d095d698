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
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// The protocol edge: what relying parties and scanners see of the token,
// userinfo and introspection endpoints, clause by clause.

// signedClientConfig adds a private_key_jwt client "signer" with the key's JWKS
// and an introspecting gateway to the test config.
func signedClientConfig(t *testing.T, key *ecdsa.PrivateKey) string {
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	return strings.Replace(testConfig, "  users:\n", `    - id: signer
      name: Signer
      auth_method: private_key_jwt
      jwks: '`+string(set)+`'
      redirect_uris: [http://127.0.0.1:8768/callback]
      grant_types: [authorization_code, client_credentials]
      first_party: true
    - id: gateway
      name: API gateway
      secret: gateway-secret
      redirect_uris: []
      grant_types: [client_credentials]
      authorities: [introspect]
  users:
`, 1)
}

// tokenPost posts to the token endpoint, by HTTP Basic when basicID is set.
func tokenPost(t *testing.T, srv *server, form url.Values, basicID, basicSecret string) (*http.Response, map[string]any) {
	t.Helper()
	header := map[string]string{}
	if basicID != "" {
		header["Authorization"] = basic(basicID, basicSecret)
	}
	return call(t, http.MethodPost, srv.Issuer+"/oauth/token", form, header)
}

// TestCodeSurvivesFailedExchanges: RFC 6749 section 4.1.3 and 5.2. The client is
// authenticated before the code is looked up; a wrong secret, another client, a
// wrong PKCE verifier (RFC 7636 section 4.6) or another redirect_uri is refused
// without spending the code, which its rightful client then exchanges.
func TestCodeSurvivesFailedExchanges(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	base := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"http://127.0.0.1:8765/callback"}, "code_verifier": {a.Verifier}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range base {
			f[key] = vals
		}
		f.Set(k, v)
		return f
	}
	// RFC 6749 section 5.2: invalid_client is 401, with the Basic challenge when
	// the client tried Basic.
	resp, out := tokenPost(t, srv, base, "shop", "wrong-secret")
	if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" ||
		!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic realm=") {
		t.Fatalf("wrong secret: %d %v %q", resp.StatusCode, out, resp.Header.Get("WWW-Authenticate"))
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" {
		t.Errorf("error answer may be cached: %v", resp.Header)
	}
	// client_secret_post with a wrong secret: 401 too, no Basic challenge.
	resp, out = tokenPost(t, srv, with("client_secret", "nope"), "", "")
	if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("no client at all: %d %v", resp.StatusCode, out)
	}
	// Another client, properly authenticated: invalid_grant.
	resp, out = tokenPost(t, srv, base, "portal", "portal-secret")
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("another client's code: %d %v", resp.StatusCode, out)
	}
	resp, out = tokenPost(t, srv, with("code_verifier", oauth2.GenerateVerifier()), "shop", "shop-secret")
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", resp.StatusCode, out)
	}
	resp, out = tokenPost(t, srv, with("redirect_uri", "http://127.0.0.1:8765/other"), "shop", "shop-secret")
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("other redirect_uri: %d %v", resp.StatusCode, out)
	}
	// The rightful exchange still works, and the answer is not to be cached.
	resp, out = tokenPost(t, srv, base, "shop", "shop-secret")
	if resp.StatusCode != http.StatusOK || out["access_token"] == nil {
		t.Fatalf("rightful exchange after the failures: %d %v", resp.StatusCode, out)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" {
		t.Errorf("token answer may be cached (RFC 6749 section 5.1): %v", resp.Header)
	}
	// A grant the client is not registered for: 400 unauthorized_client.
	resp, out = tokenPost(t, srv, url.Values{"grant_type": {"client_credentials"}}, "portal", "portal-secret")
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "unauthorized_client" {
		t.Fatalf("grant not registered: %d %v", resp.StatusCode, out)
	}
}

// TestRefreshTokenOfAnotherClient: RFC 6749 sections 6 and 10.4. A failed
// client authentication spends nothing; a refresh token presented by another
// (authenticated) client was stolen, and its family is revoked (RFC 9700
// section 4.14.2).
func TestRefreshTokenOfAnotherClient(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	resp, out := tokenPost(t, srv, refresh, "shop", "wrong")
	if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", resp.StatusCode, out)
	}
	next, err := shop.oauth.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("the refresh token was spent by a failed authentication: %v", err)
	}
	resp, out = tokenPost(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.RefreshToken}}, "portal", "portal-secret")
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("another client's refresh token: %d %v", resp.StatusCode, out)
	}
	if _, err := shop.oauth.TokenSource(t.Context(), &oauth2.Token{RefreshToken: next.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Fatalf("a stolen refresh token's family survived: %v", err)
	}
}

// TestPushedRequestOfAnotherClient: RFC 9126 section 4, a request_uri is bound
// to the client that pushed it; an authorization request naming another client
// does not use it up.
func TestPushedRequestOfAnotherClient(t *testing.T) {
	srv := startServer(t, "")
	resp, out := call(t, http.MethodPost, srv.Issuer+"/par", url.Values{"response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"http://127.0.0.1:8765/callback"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
		"code_challenge_method": {"S256"}}, map[string]string{"Authorization": basic("shop", "shop-secret")})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: %d %v", resp.StatusCode, out)
	}
	uri := out["request_uri"].(string)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	p := mustGet(t, b, srv.Issuer+"/authorize?client_id=portal&request_uri="+url.QueryEscape(uri))
	if p.Status != http.StatusBadRequest {
		t.Fatalf("another client's request_uri: %d %q", p.Status, p.Location)
	}
	p = mustGet(t, b, srv.Issuer+"/authorize?client_id=shop&request_uri="+url.QueryEscape(uri))
	if p.Status >= 400 {
		t.Fatalf("the request_uri was spent by another client's attempt: %d", p.Status)
	}
}

func basic(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return req.Header.Get("Authorization")
}

// TestUserinfoErrors: RFC 6750 section 3 and OpenID Connect Core section 5.3.3.
// No token: 401 with the bare Bearer challenge. An invalid token — garbage, an
// ID token, a refresh token, a revoked token — 401 invalid_token. A token
// without the openid scope: 403 insufficient_scope. Bodies are JSON; nothing
// is cached.
func TestUserinfoErrors(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	idToken, _ := tok.Extra("id_token").(string)

	resp, out := call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, nil)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="vhod"` || out == nil {
		t.Fatalf("no token: %d %q %v", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), out)
	}
	for name, token := range map[string]string{"garbage": "garbage", "ID token": idToken, "refresh token": tok.RefreshToken} {
		resp, out := call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + token})
		if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_token" ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s at userinfo: %d %v %q", name, resp.StatusCode, out, resp.Header.Get("WWW-Authenticate"))
		}
	}
	// Any case of the scheme (RFC 6750 section 2.1), and the form (section 2.2).
	resp, out = call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "bearer " + tok.AccessToken})
	if resp.StatusCode != http.StatusOK || out["sub"] == nil || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("userinfo: %d %v %v", resp.StatusCode, out, resp.Header)
	}
	resp, out = call(t, http.MethodPost, srv.Issuer+"/userinfo", url.Values{"access_token": {tok.AccessToken}}, nil)
	if resp.StatusCode != http.StatusOK || out["sub"] == nil {
		t.Fatalf("userinfo by form: %d %v", resp.StatusCode, out)
	}
	// A client's own token has no openid scope.
	cc, err := clientCredentials(shop).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	resp, out = call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + cc.AccessToken})
	if resp.StatusCode != http.StatusForbidden || out["error"] != "insufficient_scope" ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Fatalf("token without openid: %d %v %q", resp.StatusCode, out, resp.Header.Get("WWW-Authenticate"))
	}
	shop.revoke(tok.AccessToken, "access_token")
	resp, out = call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + tok.AccessToken})
	if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_token" {
		t.Fatalf("revoked token: %d %v", resp.StatusCode, out)
	}
}

// TestJWTAccessTokenProfile: RFC 9068 sections 2.1 and 2.2 — typ at+jwt, the
// required claims, a unique jti; and section 4: only such a JWT is an access
// token, so the ID token is refused at every endpoint that takes one.
func TestJWTAccessTokenProfile(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := startServer(t, signedClientConfig(t, key))
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	idToken, _ := tok.Extra("id_token").(string)
	parsed, err := jwt.ParseSigned(tok.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if typ := parsed.Headers[0].ExtraHeaders[jose.HeaderType]; typ != "at+jwt" {
		t.Fatalf("typ %v, want at+jwt", typ)
	}
	claims, _ := decodeSegment(strings.Split(tok.AccessToken, ".")[1])
	for _, c := range []string{"iss", "exp", "aud", "sub", "client_id", "iat", "jti", "scope"} {
		if claims[c] == nil {
			t.Errorf("claim %s missing: %v", c, claims)
		}
	}
	second, err := clientCredentials(shop).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := decodeSegment(strings.Split(second.AccessToken, ".")[1])
	if other["jti"] == claims["jti"] {
		t.Error("two tokens share a jti")
	}
	// The ID token: not at introspection, not at token exchange, not at the admin API.
	if got := shop.introspect(idToken); got["active"] != false {
		t.Errorf("ID token introspected active: %v", got)
	}
	resp, _ := call(t, http.MethodGet, srv.Issuer+"/api/v1/clients", nil, map[string]string{"Authorization": "Bearer " + idToken})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("ID token at the admin API: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, out := call(t, http.MethodGet, srv.Issuer+"/api/v1/clients", nil, map[string]string{"Authorization": "Bearer " + second.AccessToken})
	if resp.StatusCode != http.StatusForbidden || out["type"] == nil && out["title"] == nil ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("token without the admin scope (RFC 6750 section 3.1): %d %v %q", resp.StatusCode, out, resp.Header.Get("WWW-Authenticate"))
	}
	// The ID token signed by Vhod's key, re-typed by nobody: an RP-side mistake
	// that forwards it is refused, and so is a JWT of another issuer.
	foreignKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: foreignKey}, (&jose.SignerOptions{}).WithType("at+jwt"))
	foreign, _ := jwt.Signed(fs).Claims(map[string]any{"iss": "https://evil.example", "sub": claims["sub"], "aud": "shop",
		"exp": time.Now().Add(time.Hour).Unix(), "jti": "x", "client_id": "shop", "scope": "openid"}).Serialize()
	resp, _ = call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + foreign})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a foreign JWT at userinfo: %d", resp.StatusCode)
	}
}

// TestIntrospectionIsForTheTokensClient: RFC 7662 section 4 — a token is shown
// active only to the client it was issued to or meant for, or to a client with
// the introspect authority; any other client learns {"active": false}. Errors
// are JSON (section 2.3 via RFC 6749 section 5.2).
func TestIntrospectionIsForTheTokensClient(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := startServer(t, signedClientConfig(t, key))
	shop := shopRP(t, srv)
	tok, err := clientCredentials(shop).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	introspect := func(id, secret string, form url.Values) (*http.Response, map[string]any) {
		return call(t, http.MethodPost, srv.Issuer+"/oauth/introspect", form, map[string]string{"Authorization": basic(id, secret)})
	}
	form := url.Values{"token": {tok.AccessToken}}
	if resp, out := introspect("shop", "shop-secret", form); resp.StatusCode != http.StatusOK || out["active"] != true {
		t.Fatalf("own token: %d %v", resp.StatusCode, out)
	}
	if resp, out := introspect("portal", "portal-secret", form); resp.StatusCode != http.StatusOK || len(out) != 1 || out["active"] != false {
		t.Fatalf("another client's token: %d %v", resp.StatusCode, out)
	}
	if resp, out := introspect("gateway", "gateway-secret", form); out["active"] != true || out["client_id"] != "shop" {
		t.Fatalf("the gateway with the introspect authority: %d %v", resp.StatusCode, out)
	}
	resp, out := introspect("portal", "wrong", form)
	if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" ||
		!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("unauthenticated introspection: %d %v %v", resp.StatusCode, out, resp.Header)
	}
	resp, out = call(t, http.MethodPost, srv.Issuer+"/oauth/introspect", form, nil)
	if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("no client at all: %d %v", resp.StatusCode, out)
	}
	if resp, out = introspect("shop", "shop-secret", url.Values{}); resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Fatalf("no token: %d %v", resp.StatusCode, out)
	}
}

// TestClientAssertionRules: RFC 7523 section 3 and OpenID Connect Core section
// 9 — aud may be the issuer or the token endpoint URL; a jti is used once; an
// assertion living longer than the maximum (5 minutes by default) is refused.
func TestClientAssertionRules(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := startServer(t, signedClientConfig(t, key))
	signer := newSignedClient(t, srv, "signer", key)
	now := time.Now()
	assertion := func(aud string, life time.Duration, jti string) string {
		return signer.sign(jwt.Claims{Issuer: "signer", Subject: "signer", Audience: jwt.Audience{aud},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(life)), ID: jti})
	}
	post := func(a string) (*http.Response, map[string]any) {
		return tokenPost(t, srv, url.Values{"grant_type": {"client_credentials"}, "client_id": {"signer"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}, "", "")
	}
	if resp, out := post(assertion(srv.Issuer+"/oauth/token", time.Minute, "j1")); resp.StatusCode != http.StatusOK {
		t.Fatalf("aud = token endpoint: %d %v", resp.StatusCode, out)
	}
	if resp, out := post(assertion(srv.Issuer, time.Minute, "j2")); resp.StatusCode != http.StatusOK {
		t.Fatalf("aud = issuer: %d %v", resp.StatusCode, out)
	}
	if resp, out := post(assertion(srv.Issuer, time.Minute, "j2")); resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("replayed jti: %d %v", resp.StatusCode, out)
	}
	if resp, out := post(assertion(srv.Issuer, time.Hour, "j3")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an assertion for an hour: %d %v", resp.StatusCode, out)
	}
	if resp, out := post(assertion("https://elsewhere.example/token", time.Minute, "j4")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("aud of another server: %d %v", resp.StatusCode, out)
	}
	if resp, out := post(assertion(srv.Issuer, time.Minute, "")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no jti: %d %v", resp.StatusCode, out)
	}
}

// TestProtocolAnswersAreNotCachedAndCORSIsForRegisteredOrigins: RFC 6749
// section 5.1 (no-store on tokens), RFC 6750 section 5.3; the browser routes
// carry the pages' security headers; CORS answers only registered web origins
// and never allows credentials; discovery is public.
func TestProtocolAnswersAreNotCachedAndCORSIsForRegisteredOrigins(t *testing.T) {
	srv := startServer(t, "")
	cors := func(path, origin string) http.Header {
		req, _ := http.NewRequest(http.MethodOptions, srv.Issuer+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	h := cors("/oauth/token", "http://127.0.0.1:8765")
	if h.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:8765" || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("a registered origin: %v", h)
	}
	if h := cors("/oauth/token", "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an unknown origin was allowed: %v", h)
	}
	if h := cors("/userinfo", "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an unknown origin was allowed at userinfo: %v", h)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.Issuer+"/.well-known/openid-configuration", nil)
	req.Header.Set("Origin", "https://anyone.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("discovery is public: %v", resp.Header)
	}
	for _, path := range []string{"/userinfo", "/oauth/introspect", "/revoke", "/device_authorization", "/par"} {
		resp, _ := call(t, http.MethodPost, srv.Issuer+path, url.Values{}, nil)
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" {
			t.Errorf("%s may be cached: %v", path, resp.Header)
		}
	}
	// The browser routes: an error page of the provider has the pages' CSP.
	b := rptest.NewBrowser("")
	p := mustGet(t, b, srv.Issuer+"/authorize?client_id=nobody&response_type=code&scope=openid&redirect_uri=http://x/")
	req, _ = http.NewRequest(http.MethodGet, srv.Issuer+"/authorize?client_id=nobody&response_type=code&scope=openid&redirect_uri=http://x/", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if p.Status != http.StatusBadRequest || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") ||
		resp.Header.Get("Referrer-Policy") == "" {
		t.Errorf("provider error page: %d %v", p.Status, resp.Header)
	}
}

// TestClientEndpointsTakeOnePOSTBody: RFC 6749 sections 3.1 and 3.2 (and RFC
// 7009, 7662, 8628, 9126 for their endpoints) — POST only, each parameter once,
// none in the URL. A GET used to reach op's own handlers past Vhod's client
// authentication (replayed assertions, a private_key_jwt client by secret); a
// parameter given twice let Vhod and op check different tokens.
func TestClientEndpointsTakeOnePOSTBody(t *testing.T) {
	srv := startServer(t, "")
	for _, path := range []string{"/oauth/token", "/oauth/introspect", "/revoke", "/device_authorization", "/par"} {
		resp, out := call(t, http.MethodGet, srv.Issuer+path+"?grant_type=client_credentials&client_id=shop", nil,
			map[string]string{"Authorization": basic("shop", "shop-secret")})
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost || out["error"] != "invalid_request" {
			t.Errorf("GET %s: %d %v", path, resp.StatusCode, out)
		}
	}
	shop := shopRP(t, srv)
	tok, err := clientCredentials(shop).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	resp, out := call(t, http.MethodPost, srv.Issuer+"/revoke", url.Values{"token": {"forged", tok.AccessToken}},
		map[string]string{"Authorization": basic("shop", "shop-secret")})
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Errorf("a parameter twice: %d %v", resp.StatusCode, out)
	}
	resp, out = call(t, http.MethodPost, srv.Issuer+"/oauth/introspect?token="+url.QueryEscape(tok.AccessToken), url.Values{"token": {"x"}},
		map[string]string{"Authorization": basic("shop", "shop-secret")})
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Errorf("a parameter in the URL: %d %v", resp.StatusCode, out)
	}
	// A JWT with Vhod's header (key ID, at+jwt) and a made-up signature is nothing.
	parts := strings.Split(tok.AccessToken, ".")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	if resp, _ := call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + forged}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a forged signature at userinfo: %d", resp.StatusCode)
	}
	if got := shop.introspect(forged); got["active"] != false {
		t.Errorf("a forged signature introspected: %v", got)
	}
}
