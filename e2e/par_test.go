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

// signedClient is a private_key_jwt client that signs its own request objects
// and client assertions with one ECDSA key.
type signedClient struct {
	t      *testing.T
	srv    *server
	id     string
	key    *ecdsa.PrivateKey
	signer jose.Signer
}

func newSignedClient(t *testing.T, srv *server, id string, key *ecdsa.PrivateKey) *signedClient {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &signedClient{t: t, srv: srv, id: id, key: key, signer: signer}
}

func (c *signedClient) sign(claims any) string {
	s, err := jwt.Signed(c.signer).Claims(claims).Serialize()
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// assertion is a private_key_jwt client assertion for the issuer.
func (c *signedClient) assertion() string {
	now := time.Now()
	return c.sign(jwt.Claims{Issuer: c.id, Subject: c.id, Audience: jwt.Audience{c.srv.Issuer},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: rand.Text()})
}

// requestObject is a signed authorization request (RFC 9101) with PKCE.
func (c *signedClient) requestObject(a authorization, redirect string) string {
	now := time.Now()
	return c.sign(map[string]any{"iss": c.id, "aud": c.srv.Issuer, "client_id": c.id, "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "response_type": "code", "redirect_uri": redirect, "scope": "openid profile",
		"state": a.State, "nonce": a.Nonce, "code_challenge": oauth2.S256ChallengeFromVerifier(a.Verifier),
		"code_challenge_method": "S256", "max_age": 3600})
}

func (c *signedClient) authForm() url.Values {
	return url.Values{"client_id": {c.id}, "client_assertion": {c.assertion()},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
}

// TestPushedSignedAuthorizationRequest: a client that must use PAR pushes a
// request object signed by its key, authenticated by private_key_jwt; the
// browser brings only the request_uri; the code is exchanged. The request_uri
// works once; a plain request (back to the client), an unauthenticated push and
// an object signed by another key are refused. Another client sends a signed request object by the
// front channel (JAR), and a tampered one is refused.
func TestPushedSignedAuthorizationRequest(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	cfg := strings.Replace(testConfig, "  users:\n", `    - id: pushy
      name: Pushy
      auth_method: private_key_jwt
      jwks: '`+string(set)+`'
      redirect_uris: [http://127.0.0.1:8768/callback]
      require_pushed_authorization_requests: true
      first_party: true
    - id: signer
      name: Signer
      auth_method: private_key_jwt
      jwks: '`+string(set)+`'
      redirect_uris: [http://127.0.0.1:8768/callback]
      first_party: true
  users:
`, 1)
	srv := startServer(t, cfg)
	disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
	if disc["pushed_authorization_request_endpoint"] != srv.Issuer+"/par" || disc["request_parameter_supported"] != true {
		t.Fatalf("discovery: %v", disc)
	}
	const redirect = "http://127.0.0.1:8768/callback"
	pushy := newSignedClient(t, srv, "pushy", key)
	rp := newRP(t, srv, "pushy", "", redirect, oauth2.AuthStyleInParams, "openid", "profile")

	// A plain request of a client that must push (RFC 9126 §6): its redirect
	// URI is registered, so the refusal goes back to it (RFC 6749 §4.1.2.1).
	b := rptest.NewBrowser("http://127.0.0.1:8768/")
	plain := rp.authorization()
	p, err := b.Get(plain.URL)
	want := redirect + "?" + url.Values{"error": {"invalid_request"},
		"error_description": {"this client must push its authorization requests to the PAR endpoint"}, "state": {plain.State}}.Encode()
	if err != nil || p.Status != http.StatusFound || p.Location != want {
		t.Fatalf("plain request of a PAR client: %v %d %q", err, p.Status, p.Location)
	}

	a := rp.authorization()
	form := pushy.authForm()
	form.Set("request", pushy.requestObject(a, redirect))
	status, out := postForm(t, srv.Issuer+"/par", "", "", form)
	uri, _ := out["request_uri"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || out["expires_in"] != 60.0 {
		t.Fatalf("push: %d %v", status, out)
	}
	authURL := srv.Issuer + "/authorize?" + url.Values{"client_id": {"pushy"}, "request_uri": {uri}}.Encode()
	cb, err := b.SignIn(authURL, "ivanov", "S3cure-pass!")
	if err != nil {
		t.Fatalf("sign-in by request_uri: %v", err)
	}
	code := rp.code(a, cb) // checks the state from inside the request object
	tf := pushy.authForm()
	for k, v := range map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": a.Verifier} {
		tf.Set(k, v)
	}
	status, out = postForm(t, srv.Issuer+"/oauth/token", "", "", tf)
	if status != http.StatusOK || out["id_token"] == nil {
		t.Fatalf("exchange: %d %v", status, out)
	}
	idt, err := rp.verifier.Verify(t.Context(), out["id_token"].(string))
	if err != nil || idt.Nonce != a.Nonce {
		t.Fatalf("ID token: %v (nonce %q, want %q)", err, idt.Nonce, a.Nonce)
	}

	// The request_uri was used: a second visit is refused.
	p = mustGet(t, b, authURL)
	if p.Status != http.StatusBadRequest || p.Location != "" {
		t.Fatalf("request_uri used twice: %d %q", p.Status, p.Location)
	}

	// Pushing without client authentication, or with an object signed by another key.
	noAuth := url.Values{"client_id": {"pushy"}, "request": {pushy.requestObject(a, redirect)}}
	if status, out := postForm(t, srv.Issuer+"/par", "", "", noAuth); status != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("unauthenticated push: %d %v", status, out)
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forger := newSignedClient(t, srv, "pushy", otherKey)
	form = pushy.authForm()
	form.Set("request", forger.requestObject(a, redirect))
	if status, out := postForm(t, srv.Issuer+"/par", "", "", form); status != http.StatusBadRequest || out["error"] != "invalid_request_object" {
		t.Fatalf("forged request object: %d %v", status, out)
	}
	form = pushy.authForm()
	for k, v := range map[string]string{"response_type": "code", "redirect_uri": "http://evil.example/cb", "scope": "openid"} {
		form.Set(k, v)
	}
	if status, out := postForm(t, srv.Issuer+"/par", "", "", form); status != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Fatalf("push with a foreign redirect URI: %d %v", status, out)
	}

	// JAR by the front channel: the object's parameters are the request.
	signer := newSignedClient(t, srv, "signer", key)
	srp := newRP(t, srv, "signer", "", redirect, oauth2.AuthStyleInParams, "openid", "profile")
	a = srp.authorization()
	obj := signer.requestObject(a, redirect)
	cb, err = rptest.NewBrowser("http://127.0.0.1:8768/").SignIn(srv.Issuer+"/authorize?"+url.Values{
		"client_id": {"signer"}, "request": {obj}, "scope": {"openid"}, "response_type": {"code"}}.Encode(), "ivanov", "S3cure-pass!")
	if err != nil {
		t.Fatalf("front-channel request object: %v", err)
	}
	srp.code(a, cb)
	parts := strings.Split(obj, ".")
	tampered := parts[0] + "." + parts[1][:len(parts[1])-2] + "AA." + parts[2]
	p, _ = rptest.NewBrowser("http://127.0.0.1:8768/").Get(srv.Issuer + "/authorize?" + url.Values{"client_id": {"signer"}, "request": {tampered}}.Encode())
	if p.Status != http.StatusBadRequest || p.Location != "" {
		t.Fatalf("tampered request object: %d %q", p.Status, p.Location)
	}
	// With a registered redirect_uri beside it, the refusal goes back there
	// (RFC 9101 §6.3 names invalid_request_object).
	p, _ = rptest.NewBrowser("http://127.0.0.1:8768/").Get(srv.Issuer + "/authorize?" + url.Values{"client_id": {"signer"},
		"request": {tampered}, "redirect_uri": {redirect}, "state": {"outer"}}.Encode())
	want = redirect + "?" + url.Values{"error": {"invalid_request_object"},
		"error_description": {"the request object's signature does not verify with the client's keys"}, "state": {"outer"}}.Encode()
	if p.Status != http.StatusFound || p.Location != want {
		t.Fatalf("tampered request object with a redirect_uri: %d %q", p.Status, p.Location)
	}
}
