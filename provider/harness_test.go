package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/provider/keys"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// The in-process harness: the whole provider (New, Handler) over a fresh
// embedded store, driven by requests to its handler without a listener.

// testBrowser is a Browser without cookies: one browser, whose SSO session
// is sessionID ("" none).
type testBrowser struct{ sessionID string }

func (*testBrowser) Middleware(next http.Handler) http.Handler { return next }
func (*testBrowser) BrowserHash(context.Context) string        { return "browser-1" }
func (b *testBrowser) SessionID(context.Context) string        { return b.sessionID }

// testIssuer is the harness's issuer.
const testIssuer = "https://id.example"

// Secrets of the harness's confidential clients.
const (
	shopSecret  = "shop-secret-0123456789"
	introSecret = "intro-secret-0123456789"
)

type testProvider struct {
	p       *Provider
	store   *mongo.Store
	h       http.Handler
	browser *testBrowser
	// robotKey signs the private_key_jwt client "robot"'s assertions.
	robotKey *ecdsa.PrivateKey
}

// newTestProvider builds a provider with the clients
//   - shop: client_secret_basic, opaque tokens, every grant, redirect https://shop.example/cb;
//   - jwtapp: client_secret_post, JWT access tokens, client credentials;
//   - spa: public, code and refresh, redirect https://spa.example/cb;
//   - robot: private_key_jwt, client credentials;
//   - intro: client_secret_basic with the introspect authority.
func newTestProvider(t *testing.T, edit func(*Config)) *testProvider {
	t.Helper()
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	var master [32]byte
	master[0] = 7
	keyring, err := keys.New(store, master, keys.Config{RotationPeriod: 24 * time.Hour, Retention: time.Hour, CacheFor: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	browser := &testBrowser{}
	var crypto [32]byte
	crypto[1] = 9
	cfg := Config{
		Issuer: testIssuer, CryptoKey: crypto,
		AccessTokenLifetime: time.Minute, IDTokenLifetime: time.Minute, RefreshTokenLifetime: time.Hour,
		AuthRequestLifetime: time.Minute,
		LoginURL:            func(id string) string { return "/login?authRequestID=" + url.QueryEscape(id) },
		LogoutURL:           testIssuer + "/logged-out",
		Browser:             browser,
		ErrorPage: func(w http.ResponseWriter, _ *http.Request, e PageError) {
			w.WriteHeader(e.Status)
			_, _ = io.WriteString(w, "error page: "+e.Detail)
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := New(cfg, store, keyring)
	if err != nil {
		t.Fatal(err)
	}
	robotKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	robotJWKS, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: robotKey.Public(), KeyID: "r1", Algorithm: "ES256", Use: "sig"}}})
	all := []string{"authorization_code", "refresh_token", "client_credentials", string(oidc.GrantTypeTokenExchange), string(oidc.GrantTypeDeviceCode)}
	for _, c := range []storage.Client{
		{ID: "shop", SecretHash: HashSecret(shopSecret), AuthMethod: string(oidc.AuthMethodBasic), GrantTypes: all,
			AccessTokenFormat: TokenFormatOpaque, RedirectURIs: []string{"https://shop.example/cb"},
			PostLogoutRedirectURIs: []string{"https://shop.example/bye"}, Scopes: []string{"org", "admin"}},
		{ID: "jwtapp", SecretHash: HashSecret(shopSecret), AuthMethod: string(oidc.AuthMethodPost), GrantTypes: all,
			AccessTokenFormat: TokenFormatJWT, RedirectURIs: []string{"https://jwt.example/cb"}, Scopes: []string{"admin"}},
		{ID: "spa", Public: true, AuthMethod: "none", GrantTypes: []string{"authorization_code", "refresh_token"},
			AccessTokenFormat: TokenFormatOpaque, RedirectURIs: []string{"https://spa.example/cb"}},
		{ID: "robot", AuthMethod: string(oidc.AuthMethodPrivateKeyJWT), JWKS: string(robotJWKS), GrantTypes: []string{"client_credentials"},
			AccessTokenFormat: TokenFormatJWT},
		{ID: "intro", SecretHash: HashSecret(introSecret), AuthMethod: string(oidc.AuthMethodBasic), GrantTypes: []string{"client_credentials"},
			AccessTokenFormat: TokenFormatOpaque, Authorities: []string{storage.AuthorityIntrospect}},
	} {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	return &testProvider{p: p, store: store, h: p.Handler(), browser: browser, robotKey: robotKey}
}

// call is one request to the provider's handler.
type call struct {
	method, path string
	form         url.Values
	basic        [2]string // client ID and secret, "" none
	header       map[string]string
}

func (tp *testProvider) do(t *testing.T, c call) *httptest.ResponseRecorder {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	var body io.Reader
	if c.form != nil {
		body = strings.NewReader(c.form.Encode())
	}
	r := httptest.NewRequest(c.method, testIssuer+c.path, body)
	if c.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.basic[0] != "" {
		r.SetBasicAuth(url.QueryEscape(c.basic[0]), url.QueryEscape(c.basic[1]))
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	tp.h.ServeHTTP(w, r)
	return w
}

// jsonOf decodes an answer's JSON body.
func jsonOf(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer %d is not JSON: %q", w.Code, w.Body.String())
	}
	return m
}

// clientToken gets an access token by client credentials (shop by Basic).
func (tp *testProvider) clientToken(t *testing.T, id, secret, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	w := tp.do(t, call{path: "/oauth/token", form: form, basic: [2]string{id, secret}})
	if w.Code != http.StatusOK {
		t.Fatalf("client credentials of %s: %d %s", id, w.Code, w.Body.String())
	}
	tok, _ := jsonOf(t, w)["access_token"].(string)
	if tok == "" {
		t.Fatalf("no access token: %s", w.Body.String())
	}
	return tok
}

// robotAssertion signs a client assertion of "robot" with claims over the defaults.
func (tp *testProvider) robotAssertion(t *testing.T, over map[string]any) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{"iss": "robot", "sub": "robot", "aud": testIssuer + "/oauth/token", "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	for k, v := range over {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: tp.robotKey, KeyID: "r1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// userToken stores an opaque access token of user u1 (created on first use)
// for clientID with scopes and answers it as the client would hold it.
func (tp *testProvider) userToken(t *testing.T, g storage.Grant) string {
	t.Helper()
	ctx := t.Context()
	if _, err := tp.store.UserByID(ctx, "u1"); err != nil {
		if err := tp.store.CreateUser(ctx, storage.User{ID: "u1", Login: "ivanov", Email: "ivanov@example.org", EmailVerified: true,
			GivenName: "Ivan", FamilyName: "Ivanov"}); err != nil {
			t.Fatal(err)
		}
	}
	if g.Subject == "" {
		g.Subject = "u1"
	}
	if g.Audience == nil {
		g.Audience = []string{g.ClientID}
	}
	id, _, err := tp.p.storage.newAccessToken(ctx, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tp.p.op.Crypto().Encrypt(id + ":" + g.Subject)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func httptestRequest(target string) *http.Request {
	return httptest.NewRequest(http.MethodPost, target, nil)
}

func errorsIs(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}
