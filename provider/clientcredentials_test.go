package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/provider/respond"
	"github.com/vhod-id/vhod/storage"
)

// TestClientCredentialsAsOp: Vhod's own client_credentials answer (see
// clientCredentials) is op's — status, headers, the JSON byte for byte but for
// the token, the token's header and claims but for its ID and times, the
// stored grant of an opaque token, errors, the token counter — and op is not
// asked for it, while every other grant still goes to op.
func TestClientCredentialsAsOp(t *testing.T) {
	var counted atomic.Int64
	var failSystem atomic.Bool
	tp := newTestProvider(t, func(c *Config) {
		c.OnTokens = func(grant string) {
			if grant == string(oidc.GrantTypeClientCredentials) {
				counted.Add(1)
			}
		}
		c.SystemClaims = func(_ context.Context, orgID string, roles []string) (orgs.Claims, error) {
			if failSystem.Load() {
				return orgs.Claims{}, errors.New("the directory is down")
			}
			if orgID != "o1" {
				return orgs.Claims{}, nil // not active
			}
			return orgs.Claims{Org: &orgs.Ref{ID: "o1", Name: "Рога и копыта", INN: "7700000000"}, Roles: roles}, nil
		}
	})
	ctx := t.Context()
	all := []string{"client_credentials"}
	for _, c := range []storage.Client{
		{ID: "sys", SecretHash: HashSecret(shopSecret), AuthMethod: string(oidc.AuthMethodBasic), GrantTypes: all,
			AccessTokenFormat: TokenFormatJWT, OrgID: "o1", Roles: []string{"reader"}, Scopes: []string{"api:read", "a<b"}},
		{ID: "sys-gone", SecretHash: HashSecret(shopSecret), AuthMethod: string(oidc.AuthMethodBasic), GrantTypes: all,
			AccessTokenFormat: TokenFormatJWT, OrgID: "o2"},
		{ID: "eddsa", SecretHash: HashSecret(shopSecret), AuthMethod: string(oidc.AuthMethodBasic), GrantTypes: all,
			AccessTokenFormat: TokenFormatJWT, SigningAlg: string(jose.EdDSA)},
	} {
		if err := tp.store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	p := tp.p
	api := func(grants http.Handler) http.Handler {
		return respond.APIHeaders(p.clientCORS().Handler(p.tokenEndpoint(grants)))
	}
	var opAsked atomic.Bool
	spy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { opAsked.Store(true); p.op.ServeHTTP(w, r) })
	fast, viaOp := api(p.clientCredentials(spy)), api(p.op)

	cc := func(extra url.Values) url.Values {
		f := url.Values{"grant_type": {"client_credentials"}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	cases := []struct {
		name   string
		c      call
		status int
	}{
		{"jwt, post, a scope", call{form: cc(url.Values{"client_id": {"jwtapp"}, "client_secret": {shopSecret}, "scope": {"admin"}})}, 200},
		{"jwt, no scope", call{form: cc(url.Values{"client_id": {"jwtapp"}, "client_secret": {shopSecret}})}, 200},
		{"jwt, empty scope", call{form: cc(url.Values{"client_id": {"jwtapp"}, "client_secret": {shopSecret}, "scope": {""}})}, 200},
		{"jwt, standard and unknown scopes", call{form: cc(url.Values{"client_id": {"jwtapp"}, "client_secret": {shopSecret},
			"scope": {"openid admin  bogus admin"}})}, 200},
		{"opaque, basic", call{basic: [2]string{"shop", shopSecret}, form: cc(url.Values{"scope": {"org admin"}})}, 200},
		{"opaque, basic, client_id too", call{basic: [2]string{"intro", introSecret}, form: cc(url.Values{"client_id": {"intro"}})}, 200},
		{"private_key_jwt", call{form: cc(url.Values{"client_assertion_type": {oidc.ClientAssertionTypeJWTAssertion},
			"client_assertion": {"ROBOT"}})}, 200},
		{"system of an organisation, escaped scope", call{basic: [2]string{"sys", shopSecret}, form: cc(url.Values{"scope": {"api:read a<b"}})}, 200},
		{"system of an inactive organisation", call{basic: [2]string{"sys-gone", shopSecret}, form: cc(nil)}, 400},
		{"EdDSA", call{basic: [2]string{"eddsa", shopSecret}, form: cc(nil)}, 200},
		{"origin of a registered redirect", call{basic: [2]string{"shop", shopSecret}, form: cc(nil),
			header: map[string]string{"Origin": "https://shop.example"}}, 200},
		{"wrong secret", call{basic: [2]string{"shop", "nope"}, form: cc(nil)}, 401},
		{"grant not allowed", call{form: cc(url.Values{"client_id": {"spa"}})}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			do := func(h http.Handler) *httptest.ResponseRecorder {
				c := tc.c
				if c.form.Get("client_assertion") == "ROBOT" { // single use: one each
					c.form = cc(url.Values{"client_assertion_type": {oidc.ClientAssertionTypeJWTAssertion},
						"client_assertion": {tp.robotAssertion(t, nil)}})
				}
				return serveCall(h, c)
			}
			before := counted.Load()
			want := do(viaOp)
			byOp := counted.Load() - before
			opAsked.Store(false)
			got := do(fast)
			if opAsked.Load() {
				t.Error("op answered the client_credentials request")
			}
			if byFast := counted.Load() - before - byOp; byFast != byOp {
				t.Errorf("tokens counted: op %d, Vhod %d", byOp, byFast)
			}
			if want.Code != tc.status || got.Code != want.Code {
				t.Fatalf("status: op %d %s, Vhod %d %s (want %d)", want.Code, want.Body, got.Code, got.Body, tc.status)
			}
			if !reflect.DeepEqual(got.Header(), want.Header()) {
				t.Errorf("headers:\n Vhod %v\n op   %v", got.Header(), want.Header())
			}
			if want.Code != http.StatusOK {
				if got.Body.String() != want.Body.String() {
					t.Errorf("error:\n Vhod %s\n op   %s", got.Body, want.Body)
				}
				return
			}
			sameTokenAnswer(t, tp, got, want)
		})
	}

	t.Run("DPoP", func(t *testing.T) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
		if err != nil {
			t.Fatal(err)
		}
		do := func(h http.Handler) *httptest.ResponseRecorder {
			nonce := p.storage.dpop.Nonce(time.Now())
			raw, err := jwt.Signed(signer).Claims(map[string]any{"jti": rand.Text(), "htm": "POST", "htu": testIssuer + "/oauth/token",
				"iat": time.Now().Unix(), "nonce": nonce}).Serialize()
			if err != nil {
				t.Fatal(err)
			}
			return serveCall(h, call{form: cc(url.Values{"client_id": {"jwtapp"}, "client_secret": {shopSecret}}), header: map[string]string{"DPoP": raw}})
		}
		want, got := do(viaOp), do(fast)
		if want.Code != 200 || got.Code != 200 {
			t.Fatalf("op %d %s, Vhod %d %s", want.Code, want.Body, got.Code, got.Body)
		}
		if !reflect.DeepEqual(got.Header(), want.Header()) {
			t.Errorf("headers:\n Vhod %v\n op   %v", got.Header(), want.Header())
		}
		if jsonOf(t, got)["token_type"] != "DPoP" {
			t.Errorf("token type %s", got.Body)
		}
		sameTokenAnswer(t, tp, got, want)
	})

	t.Run("a server error is op's", func(t *testing.T) {
		failSystem.Store(true)
		defer failSystem.Store(false)
		c := call{basic: [2]string{"sys", shopSecret}, form: cc(nil)}
		want, got := serveCall(viaOp, c), serveCall(fast, c)
		if want.Code != 500 || got.Code != want.Code || got.Body.String() != want.Body.String() || !reflect.DeepEqual(got.Header(), want.Header()) {
			t.Fatalf("op %d %v %s, Vhod %d %v %s", want.Code, want.Header(), want.Body, got.Code, got.Header(), got.Body)
		}
	})

	t.Run("other grants go to op", func(t *testing.T) {
		opAsked.Store(false)
		w := serveCall(fast, call{basic: [2]string{"shop", shopSecret}, form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}})
		if !opAsked.Load() || w.Code != 400 {
			t.Fatalf("refresh_token: op asked %v, %d %s", opAsked.Load(), w.Code, w.Body)
		}
	})
}

// serveCall is tp.do against another handler.
func serveCall(h http.Handler, c call) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, testIssuer+"/oauth/token", strings.NewReader(c.form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.basic[0] != "" {
		r.SetBasicAuth(url.QueryEscape(c.basic[0]), url.QueryEscape(c.basic[1]))
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var expiresIn = regexp.MustCompile(`"expires_in":\d+`)

// sameTokenAnswer compares two successful token answers field by field.
func sameTokenAnswer(t *testing.T, tp *testProvider, got, want *httptest.ResponseRecorder) {
	t.Helper()
	g, w := jsonOf(t, got), jsonOf(t, want)
	gt, _ := g["access_token"].(string)
	wt, _ := w["access_token"].(string)
	if gt == "" || wt == "" {
		t.Fatalf("no token: Vhod %s, op %s", got.Body, want.Body)
	}
	// The JSON itself: the same bytes once the token and the second it was
	// issued in are taken out.
	norm := func(body, token string) string {
		return expiresIn.ReplaceAllString(strings.Replace(body, token, "TOKEN", 1), `"expires_in":N`)
	}
	if a, b := norm(got.Body.String(), gt), norm(want.Body.String(), wt); a != b {
		t.Errorf("answer:\n Vhod %q\n op   %q", a, b)
	}
	ge, we := g["expires_in"].(float64), w["expires_in"].(float64)
	if ge < we-1 || ge > we+1 || ge <= 0 {
		t.Errorf("expires_in: Vhod %v, op %v", ge, we)
	}
	if strings.Count(wt, ".") == 2 {
		gh, gc := jwtParts(t, gt)
		wh, wc := jwtParts(t, wt)
		if !reflect.DeepEqual(gh, wh) {
			t.Errorf("header: Vhod %v, op %v", gh, wh)
		}
		if gc["exp"].(float64)-gc["iat"].(float64) != wc["exp"].(float64)-wc["iat"].(float64) {
			t.Errorf("lifetime: Vhod %v, op %v", gc, wc)
		}
		for _, k := range []string{"jti", claims.GrantID} { // new for every token
			if gc[k] == wc[k] || gc[k] == "" {
				t.Errorf("%s: Vhod %v, op %v", k, gc[k], wc[k])
			}
		}
		for _, k := range []string{"jti", claims.GrantID, "iat", "nbf", "exp"} {
			delete(gc, k)
			delete(wc, k)
		}
		if !reflect.DeepEqual(gc, wc) {
			t.Errorf("claims:\n Vhod %v\n op   %v", gc, wc)
		}
		return
	}
	gs, ws := storedGrant(t, tp, gt), storedGrant(t, tp, wt)
	if !reflect.DeepEqual(gs, ws) {
		t.Errorf("stored grant:\n Vhod %+v\n op   %+v", gs, ws)
	}
}

// jwtParts decodes a compact JWT's header and claims (its signature is the
// verifier's business: both are checked by the tests that use the tokens).
func jwtParts(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	for i, out := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, out) != nil {
			t.Fatalf("JWT part %d of %q", i, raw)
		}
	}
	return header, claims
}

// storedGrant is the record of an opaque access token, without what differs
// from token to token.
func storedGrant(t *testing.T, tp *testProvider, raw string) storage.Grant {
	t.Helper()
	plain, err := tp.p.op.Crypto().Decrypt(raw)
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := strings.Cut(plain, ":")
	at, err := tp.store.AccessTokenByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if at.ExpiresAt.Sub(at.CreatedAt) != tp.p.cfg.AccessTokenLifetime {
		t.Errorf("lifetime %v", at.ExpiresAt.Sub(at.CreatedAt))
	}
	g := at.Grant
	if g.Family == "" {
		t.Error("no grant family")
	}
	g.Family = ""
	return g
}

// TestTokenAnswerIsEncodersJSON: the answer's JSON is what op's json.Encoder
// writes for the same oidc.AccessTokenResponse, escapes and empty fields too.
func TestTokenAnswerIsEncodersJSON(t *testing.T) {
	for _, tc := range []struct {
		token  string
		exp    uint64
		scopes []string
	}{
		{"eyJh.eyJi.c2ln", 59, []string{"admin"}},
		{"tok", 3599, nil},
		{"tok", 1, []string{}},
		{"", 0, []string{"a<b>&c", "\"q\"", "ю\u2028", "tab\t"}},
		{"x<y", 10, []string{""}},
	} {
		var want strings.Builder
		if err := json.NewEncoder(&want).Encode(&oidc.AccessTokenResponse{AccessToken: tc.token, TokenType: oidc.BearerToken,
			ExpiresIn: tc.exp, Scope: tc.scopes}); err != nil {
			t.Fatal(err)
		}
		if got := string(tokenAnswer(tc.token, tc.exp, tc.scopes)); got != want.String() {
			t.Errorf("%+v:\n got  %q\n want %q", tc, got, want.String())
		}
	}
}
