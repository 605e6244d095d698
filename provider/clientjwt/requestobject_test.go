package clientjwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const testIssuer = "https://id.example"

// requestObjectFixture is a client's key set (of one key) and a signer with that key.
func requestObjectFixture(t testing.TB) (string, jose.Signer) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256"}}})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(set), signer
}

// TestRequestObjectRules: what a request object must say about itself.
func TestRequestObjectRules(t *testing.T) {
	jwks, signer := requestObjectFixture(t)
	now := time.Unix(1_800_000_000, 0)
	base := func() map[string]any {
		return map[string]any{"iss": "app", "aud": testIssuer, "client_id": "app", "exp": now.Add(5 * time.Minute).Unix(),
			"response_type": "code", "scope": "openid", "max_age": 600, "claims": map[string]any{"id_token": map[string]any{"acr": nil}}}
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		ok     bool
	}{
		{"valid", func(map[string]any) {}, true},
		{"audience list", func(m map[string]any) { m["aud"] = []string{"x", testIssuer} }, true},
		{"no iss is allowed", func(m map[string]any) { delete(m, "iss") }, true},
		{"iss of another client", func(m map[string]any) { m["iss"] = "other" }, false},
		{"client_id of another client", func(m map[string]any) { m["client_id"] = "other" }, false},
		{"another audience", func(m map[string]any) { m["aud"] = "https://other.example" }, false},
		{"no audience", func(m map[string]any) { delete(m, "aud") }, false},
		{"no exp", func(m map[string]any) { delete(m, "exp") }, false},
		{"expired", func(m map[string]any) { m["exp"] = now.Add(-time.Second).Unix() }, false},
		{"exp too far", func(m map[string]any) { m["exp"] = now.Add(3 * time.Hour).Unix() }, false},
		{"nbf in the future", func(m map[string]any) { m["nbf"] = now.Add(10 * time.Minute).Unix() }, false},
		{"iat in the future", func(m map[string]any) { m["iat"] = now.Add(10 * time.Minute).Unix() }, false},
		{"iat a little ahead (skew)", func(m map[string]any) { m["iat"] = now.Add(30 * time.Second).Unix() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.change(m)
			raw, err := jwt.Signed(signer).Claims(m).Serialize()
			if err != nil {
				t.Fatal(err)
			}
			params, err := OpenRequestObject(jwks, "app", testIssuer, raw, now)
			if tc.ok != (err == nil) {
				t.Fatalf("ok=%v, err=%v", tc.ok, err)
			}
			if tc.ok && (params.Get("max_age") != "600" || params.Get("claims") != `{"id_token":{"acr":null}}` || params.Has("exp") || params.Has("aud")) {
				t.Fatalf("params %v", params)
			}
		})
	}
}

// TestRequestObjectSignature: unsigned, foreign-key and unknown-kid objects are refused.
func TestRequestObjectSignature(t *testing.T) {
	jwks, _ := requestObjectFixture(t)
	_, foreign := requestObjectFixture(t)
	now := time.Now()
	claims := map[string]any{"aud": testIssuer, "exp": now.Add(time.Minute).Unix()}
	raw, _ := jwt.Signed(foreign).Claims(claims).Serialize()
	if _, err := OpenRequestObject(jwks, "app", testIssuer, raw, now); err == nil {
		t.Fatal("object signed by a foreign key accepted")
	}
	for _, raw := range []string{"", "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL2lkLmV4YW1wbGUifQ.", "a.b.c"} {
		if _, err := OpenRequestObject(jwks, "app", testIssuer, raw, now); err == nil {
			t.Fatalf("%q accepted", raw)
		}
	}
	jwks = ""
	raw, _ = jwt.Signed(foreign).Claims(claims).Serialize()
	if _, err := OpenRequestObject(jwks, "app", testIssuer, raw, now); err == nil {
		t.Fatal("client without keys accepted a request object")
	}
}

// FuzzRequestObject: whatever arrives as `request`, opening it never panics and
// nothing unsigned by the client's key gets through.
func FuzzRequestObject(f *testing.F) {
	jwks, signer := requestObjectFixture(f)
	good, _ := jwt.Signed(signer).Claims(map[string]any{"aud": testIssuer, "exp": time.Now().Add(time.Hour).Unix(), "scope": "openid"}).Serialize()
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, raw string) {
		params, err := OpenRequestObject(jwks, "app", testIssuer, raw, time.Now())
		if err == nil && raw != good {
			t.Fatalf("accepted %q as %v", raw, params)
		}
	})
}
