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
