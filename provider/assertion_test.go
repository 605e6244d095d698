package provider

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
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// TestClientAssertionAtTheTokenEndpoint: private_key_jwt (RFC 7523 section 3)
// through the whole layer: accepted once, refused when replayed or wrong.
func TestClientAssertionAtTheTokenEndpoint(t *testing.T) {
	tp := newTestProvider(t, nil)
	form := func(assertion string, extra ...string) url.Values {
		f := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {oidc.ClientAssertionTypeJWTAssertion},
			"client_assertion": {assertion}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return f
	}
	good := tp.robotAssertion(t, nil)
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged := func() string {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: otherKey}, nil)
		b, _ := json.Marshal(map[string]any{"iss": "robot", "sub": "robot", "aud": testIssuer, "jti": "j", "exp": time.Now().Add(time.Minute).Unix()})
		jws, _ := s.Sign(b)
		out, _ := jws.CompactSerialize()
		return out
	}()
	for _, tc := range []struct {
		name string
		form url.Values
		desc string // "" accepted
	}{
		{"valid", form(good), ""},
		{"replayed", form(good), "used before"},
		{"valid at the issuer as aud, with client_id", form(tp.robotAssertion(t, map[string]any{"aud": testIssuer}), "client_id", "robot"), ""},
		{"wrong type", form(good, "client_assertion_type", "urn:x"), "client_assertion_type"},
		{"not a JWT", form("abc"), "not a JWT"},
		{"no iss", form(tp.robotAssertion(t, map[string]any{"iss": nil})), "no iss"},
		{"client_id of another", form(tp.robotAssertion(t, nil), "client_id", "shop"), "differs"},
		{"unknown client", form(tp.robotAssertion(t, map[string]any{"iss": "ghost", "sub": "ghost"})), "unknown client"},
		{"a client of another method", form(tp.robotAssertion(t, map[string]any{"iss": "shop", "sub": "shop"})), "does not authenticate with private_key_jwt"},
		{"another key", form(forged), "signature"},
		{"sub not the client", form(tp.robotAssertion(t, map[string]any{"sub": "x"})), "iss and sub"},
		{"wrong aud", form(tp.robotAssertion(t, map[string]any{"aud": "https://elsewhere"})), "aud"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tp.do(t, call{path: "/oauth/token", form: tc.form})
			m := jsonOf(t, w)
			if tc.desc == "" {
				if w.Code != 200 || m["access_token"] == nil {
					t.Fatalf("%d %v", w.Code, m)
				}
				return
			}
			if w.Code != http.StatusUnauthorized || m["error"] != "invalid_client" || !strings.Contains(m["error_description"].(string), tc.desc) {
				t.Fatalf("%d %v, want %q", w.Code, m, tc.desc)
			}
		})
	}
}

// TestClientAssertionClaims: RFC 7523 section 3's claim rules with Vhod's
// bound on the assertion's life.
func TestClientAssertionClaims(t *testing.T) {
	p := &Provider{cfg: Config{Issuer: testIssuer, ClientAssertionMaxAge: 2 * time.Minute}}
	now := time.Unix(1_800_000_000, 0)
	r := httptestRequest(testIssuer + "/oauth/introspect")
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(now.Add(d)) }
	base := func() jwt.Claims {
		return jwt.Claims{Issuer: "c", Subject: "c", ID: "j", Audience: jwt.Audience{testIssuer}, Expiry: at(time.Minute), IssuedAt: at(0)}
	}
	for _, tc := range []struct {
		name string
		edit func(*jwt.Claims)
		desc string
	}{
		{"valid", func(*jwt.Claims) {}, ""},
		{"aud the endpoint it came to", func(c *jwt.Claims) { c.Audience = jwt.Audience{testIssuer + "/oauth/introspect"} }, ""},
		{"aud the token endpoint", func(c *jwt.Claims) { c.Audience = jwt.Audience{"x", testIssuer + "/oauth/token"} }, ""},
		{"expired within the skew", func(c *jwt.Claims) { c.Expiry = at(-10 * time.Second) }, ""},
		{"iss not the client", func(c *jwt.Claims) { c.Issuer = "d" }, "iss and sub"},
		{"no jti", func(c *jwt.Claims) { c.ID = "" }, "no jti"},
		{"no exp", func(c *jwt.Claims) { c.Expiry = nil }, "no exp"},
		{"wrong aud", func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://other"} }, "aud"},
		{"expired", func(c *jwt.Claims) { c.Expiry = at(-time.Minute) }, "expired"},
		{"iat in the future", func(c *jwt.Claims) { c.IssuedAt = at(time.Minute) }, "future"},
		{"nbf in the future", func(c *jwt.Claims) { c.NotBefore = at(time.Minute) }, "nbf"},
		{"lives too long", func(c *jwt.Claims) { c.Expiry = at(10 * time.Minute) }, "lives longer"},
		{"no iat: life from now", func(c *jwt.Claims) { c.IssuedAt = nil; c.Expiry = at(10 * time.Minute) }, "lives longer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.edit(&c)
			err := p.checkAssertionClaims(c, "c", r, now)
			if tc.desc == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.desc) {
				t.Fatalf("%v, want %q", err, tc.desc)
			}
		})
	}
	// The default bound applies when none is configured.
	p.cfg.ClientAssertionMaxAge = 0
	c := base()
	c.Expiry = at(DefaultClientAssertionMaxAge + time.Minute)
	if err := p.checkAssertionClaims(c, "c", r, now); err == nil {
		t.Fatal("an assertion longer than the default bound passed")
	}
}
