package e2e

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/internal/rptest"
)

// dpopKey is a client's DPoP key pair; proof makes proofs as RFC 9449 section 4.2 says.
type dpopKey struct {
	t      *testing.T
	signer jose.Signer
	jkt    string
}

func newDPoPKey(t *testing.T) *dpopKey {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	thumb, _ := (&jose.JSONWebKey{Key: key.Public()}).Thumbprint(crypto.SHA256)
	return &dpopKey{t: t, signer: signer, jkt: base64.RawURLEncoding.EncodeToString(thumb)}
}

func (k *dpopKey) proof(method, u, nonce, accessToken string) string {
	claims := map[string]any{"jti": rand.Text(), "htm": method, "htu": u, "iat": time.Now().Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	b, _ := json.Marshal(claims)
	jws, err := k.signer.Sign(b)
	if err != nil {
		k.t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

// call sends a request with optional DPoP proof and Authorization header and
// decodes a JSON answer.
func call(t *testing.T, method, u string, form url.Values, header map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	return callWith(t, http.DefaultClient, method, u, form, header)
}

// callWith is call through a client of its own (e.g. with a TLS client certificate).
func callWith(t *testing.T, client *http.Client, method, u string, form url.Values, header map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

// TestDPoPBoundTokens: the shop exchanges its code with a DPoP proof (after
// the server asks for its nonce) and gets DPoP-bound access and refresh tokens.
// Userinfo answers to the token with a fresh proof of the key; the same token
// stolen and shown as a bearer token, a replayed proof and a proof of another
// key are refused; introspection tells the binding; the refresh token works
// only with the key. The same holds for an opaque access token.
func TestDPoPBoundTokens(t *testing.T) {
	srv := startServer(t, "")
	disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
	if algs, _ := disc["dpop_signing_alg_values_supported"].([]any); len(algs) == 0 {
		t.Fatalf("discovery has no DPoP algorithms: %v", disc)
	}
	tokenURL, userinfo := srv.Issuer+"/oauth/token", srv.Issuer+"/userinfo"
	key, thief := newDPoPKey(t), newDPoPKey(t)

	for _, tc := range []struct {
		name, client, secret, redirect string
		jwt                            bool
	}{
		{"jwt access token", "shop", "shop-secret", "http://127.0.0.1:8765/callback", true},
		{"opaque access token", "portal", "portal-secret", "http://127.0.0.1:8766/callback", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := newRP(t, srv, tc.client, tc.secret, tc.redirect, 0)
			a, code := rp.signIn(rptest.NewBrowser(tc.redirect[:len("http://127.0.0.1:8765/")]), "ivanov", "S3cure-pass!")
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tc.redirect},
				"code_verifier": {a.Verifier}, "client_id": {tc.client}, "client_secret": {tc.secret}}

			resp, out := call(t, "POST", tokenURL, form, map[string]string{"DPoP": key.proof("POST", tokenURL, "", "")})
			nonce := resp.Header.Get("DPoP-Nonce")
			if resp.StatusCode != http.StatusBadRequest || out["error"] != "use_dpop_nonce" || nonce == "" {
				t.Fatalf("proof without nonce: %d %v (nonce %q)", resp.StatusCode, out, nonce)
			}
			resp, out = call(t, "POST", tokenURL, form, map[string]string{"DPoP": key.proof("POST", tokenURL, nonce, "")})
			access, _ := out["access_token"].(string)
			refresh, _ := out["refresh_token"].(string)
			if resp.StatusCode != http.StatusOK || out["token_type"] != "DPoP" || access == "" {
				t.Fatalf("exchange with proof: %d %v", resp.StatusCode, out)
			}
			if tc.jwt {
				parts := strings.Split(access, ".")
				claims, _ := decodeSegment(parts[1])
				if cnf, _ := claims["cnf"].(map[string]any); cnf["jkt"] != key.jkt {
					t.Fatalf("access token cnf %v, want jkt %s", claims["cnf"], key.jkt)
				}
			}

			proof := key.proof("GET", userinfo, "", access)
			resp, out = call(t, "GET", userinfo, nil, map[string]string{"Authorization": "DPoP " + access, "DPoP": proof})
			if resp.StatusCode != http.StatusOK || out["sub"] == nil {
				t.Fatalf("userinfo with proof: %d %v", resp.StatusCode, out)
			}
			resp, _ = call(t, "GET", userinfo, nil, map[string]string{"Authorization": "DPoP " + access, "DPoP": proof})
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_dpop_proof") {
				t.Fatalf("replayed proof: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			resp, _ = call(t, "GET", userinfo, nil, map[string]string{"Authorization": "Bearer " + access})
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "DPoP") {
				t.Fatalf("stolen token as bearer: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			resp, _ = call(t, "GET", userinfo, nil, map[string]string{"Authorization": "DPoP " + access, "DPoP": thief.proof("GET", userinfo, "", access)})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("stolen token with the thief's proof: %d", resp.StatusCode)
			}
			resp, _ = call(t, "GET", userinfo, nil, map[string]string{"Authorization": "DPoP " + access, "DPoP": key.proof("GET", userinfo, "", "other")})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("proof for another token (ath): %d", resp.StatusCode)
			}

			out = rp.introspect(access)
			if cnf, _ := out["cnf"].(map[string]any); out["active"] != true || out["token_type"] != "DPoP" || cnf["jkt"] != key.jkt {
				t.Fatalf("introspection: %v", out)
			}

			rf := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {tc.client}, "client_secret": {tc.secret}}
			if refresh == "" {
				return
			}
			resp, out = call(t, "POST", tokenURL, rf, nil)
			if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_grant" {
				t.Fatalf("refresh without proof: %d %v", resp.StatusCode, out)
			}
			resp, out = call(t, "POST", tokenURL, rf, map[string]string{"DPoP": thief.proof("POST", tokenURL, nonce, "")})
			if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_grant" {
				t.Fatalf("refresh with the thief's key: %d %v", resp.StatusCode, out)
			}
			resp, out = call(t, "POST", tokenURL, rf, map[string]string{"DPoP": key.proof("POST", tokenURL, nonce, "")})
			if resp.StatusCode != http.StatusOK || out["token_type"] != "DPoP" {
				t.Fatalf("refresh with the key: %d %v", resp.StatusCode, out)
			}
		})
	}
}
