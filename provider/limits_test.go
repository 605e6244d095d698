package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/storage"
)

// createdRequests counts the auth requests the provider goes on to store: the
// SSO hook is asked right before each is written (see CreateAuthRequest).
type createdRequests struct {
	mu     sync.Mutex
	states []int // the length of each one's state
}

func (c *createdRequests) hook(_ context.Context, r storage.AuthRequest) (*storage.Completion, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.states = append(c.states, len(r.State))
	return nil, nil
}

func (c *createdRequests) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.states)
}

// limitedAuthorize is a good authorization request of the shop with PKCE,
// changed by pairs of name and value.
func limitedAuthorize(change ...string) url.Values {
	v := url.Values{"client_id": {"shop"}, "redirect_uri": {"https://shop.example/cb"}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"st"}, "nonce": {"n"},
		"code_challenge": {oidc.NewSHACodeChallenge(strings.Repeat("v", 50))}, "code_challenge_method": {"S256"}}
	for i := 0; i+1 < len(change); i += 2 {
		v.Set(change[i], change[i+1])
	}
	return v
}

// TestAuthorizeParameterLimits: an anonymous sign-in request cannot make Vhod
// store (and keep an hour past expiry, storage.AuthRequestKept) megabytes.
// /authorize takes at most a 64 KiB body (an over-long one gets the error
// page, 400); each free-form parameter is bounded, and an oversized one is
// refused as invalid_request back to the redirect URI by the requested
// response mode (RFC 6749 §4.1.2.1), with no state echoed when the state is
// the oversized one. code_challenge is 43 to 128 unreserved characters (RFC
// 7636 §4.2); max_age is digits.
func TestAuthorizeParameterLimits(t *testing.T) {
	var created createdRequests
	tp := newTestProvider(t, func(c *Config) {
		c.SSO = created.hook
		c.FormPost = func(w http.ResponseWriter, _ *http.Request, action string, params url.Values) {
			_, _ = w.Write([]byte("form post to " + action + "?" + params.Encode()))
		}
	})

	t.Run("an 8 MB state by POST is refused and not stored", func(t *testing.T) {
		before := created.count()
		w := tp.do(t, call{path: "/authorize", form: limitedAuthorize("state", strings.Repeat("s", 8<<20))})
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" || !strings.HasPrefix(w.Body.String(), "error page:") {
			t.Fatalf("%d %q %.200s", w.Code, w.Header().Get("Location"), w.Body.String())
		}
		if created.count() != before {
			t.Fatal("the request was stored")
		}
	})
	t.Run("a 70 KiB POST body is refused with the error page", func(t *testing.T) {
		w := tp.do(t, call{path: "/authorize", form: limitedAuthorize("padding", strings.Repeat("p", 70<<10))})
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" || !strings.Contains(w.Body.String(), "error page: authorize: unreadable form") {
			t.Fatalf("%d %q %.200s", w.Code, w.Header().Get("Location"), w.Body.String())
		}
	})
	t.Run("an 8 MB state in the URL is refused without echoing it, and not stored", func(t *testing.T) {
		before := created.count()
		w := tp.do(t, call{method: http.MethodGet, path: "/authorize?" + limitedAuthorize("state", strings.Repeat("s", 8<<20)).Encode()})
		loc, _ := url.Parse(w.Header().Get("Location"))
		if w.Code != http.StatusFound || loc.Host != "shop.example" || loc.Query().Get("error") != "invalid_request" ||
			loc.Query().Get("error_description") != "state is longer than 4096 bytes" || loc.Query().Has("state") {
			t.Fatalf("%d %.300s", w.Code, w.Header().Get("Location"))
		}
		if created.count() != before {
			t.Fatal("the request was stored")
		}
	})

	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name, param, value string
		desc               string // "" accepted: the browser goes to the login
	}{
		{"a 4096-byte state is accepted", "state", long(4096), ""},
		{"a 4097-byte state is refused", "state", long(4097), "state is longer than 4096 bytes"},
		{"a 1025-byte nonce", "nonce", long(1025), "nonce is longer than 1024 bytes"},
		{"a 513-byte login_hint", "login_hint", long(513), "login_hint is longer than 512 bytes"},
		{"a 257-byte org_hint", "org_hint", long(257), "org_hint is longer than 256 bytes"},
		{"a 257-byte ui_locales", "ui_locales", long(257), "ui_locales is longer than 256 bytes"},
		{"a 1025-byte acr_values", "acr_values", long(1025), "acr_values is longer than 1024 bytes"},
		{"an 8193-byte claims", "claims", long(8193), "claims is longer than 8192 bytes"},
		{"an 8193-byte id_token_hint", "id_token_hint", long(8193), "id_token_hint is longer than 8192 bytes"},
		{"a 257-byte prompt", "prompt", long(257), "prompt is longer than 256 bytes"},
		{"a 43-character code_challenge is accepted", "code_challenge", long(43), ""},
		{"a 128-character code_challenge is accepted", "code_challenge", long(127) + "~", ""},
		{"a 42-character code_challenge is refused", "code_challenge", long(42),
			"code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2)"},
		{"a 129-character code_challenge is refused", "code_challenge", long(129),
			"code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2)"},
		{"a code_challenge with a reserved character is refused", "code_challenge", long(42) + "+",
			"code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2)"},
		{"max_age 3600 is accepted", "max_age", "3600", ""},
		{"max_age that is not a number", "max_age", "soon", "max_age must be a whole number of seconds, at most 10 digits"},
		{"max_age of 11 digits", "max_age", "12345678901", "max_age must be a whole number of seconds, at most 10 digits"},
		{"a negative max_age", "max_age", "-1", "max_age must be a whole number of seconds, at most 10 digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := created.count()
			w := tp.do(t, call{method: http.MethodGet, path: "/authorize?" + limitedAuthorize(tc.param, tc.value).Encode()})
			loc, _ := url.Parse(w.Header().Get("Location"))
			if tc.desc == "" {
				if w.Code != http.StatusFound || !strings.HasPrefix(loc.String(), "/login?authRequestID=") || created.count() != before+1 {
					t.Fatalf("not accepted: %d %q %s", w.Code, loc, w.Body.String())
				}
				return
			}
			want := url.Values{"error": {"invalid_request"}, "error_description": {tc.desc}}
			if tc.param != "state" {
				want.Set("state", "st")
			}
			if w.Code != http.StatusFound || loc.Host != "shop.example" || !equalValues(loc.Query(), want) {
				t.Fatalf("%d %.300s, want %v", w.Code, loc, want)
			}
			if created.count() != before {
				t.Fatal("the request was stored")
			}
		})
	}
	if got := created.states; len(got) == 0 || got[0] != 4096 {
		t.Errorf("stored states %v: the 4096-byte one first", got)
	}

	t.Run("the refusal goes by form post when asked", func(t *testing.T) {
		w := tp.do(t, call{method: http.MethodGet, path: "/authorize?" + limitedAuthorize("response_mode", "form_post", "nonce", long(2000)).Encode()})
		if body := w.Body.String(); !strings.HasPrefix(body, "form post to https://shop.example/cb?") ||
			!strings.Contains(body, "error=invalid_request") || !strings.Contains(body, "state=st") {
			t.Fatalf("%d %s", w.Code, body)
		}
	})
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if fmt.Sprint(v) != fmt.Sprint(b[k]) {
			return false
		}
	}
	return true
}

// TestPushedAndSignedRequestLimits: the limits hold however the parameters
// come. The PAR endpoint refuses an oversized parameter at once (RFC 9126 §2.1:
// the pushed request is checked as at /authorize) and keeps nothing; a pushed
// request that holds one anyway, and a signed request object (RFC 9101), are
// refused at /authorize, whose checks see the parameters they stand for.
func TestPushedAndSignedRequestLimits(t *testing.T) {
	var created createdRequests
	tp := newTestProvider(t, func(c *Config) { c.SSO = created.hook })
	shop := [2]string{"shop", shopSecret}

	form := limitedAuthorize("state", strings.Repeat("s", 5000))
	form.Del("client_id")
	w := tp.do(t, call{path: "/par", basic: shop, form: form})
	if m := jsonOf(t, w); w.Code != http.StatusBadRequest || m["error"] != "invalid_request" || m["error_description"] != "state is longer than 4096 bytes" {
		t.Fatalf("PAR: %d %v", w.Code, m)
	}
	form = limitedAuthorize("code_challenge", strings.Repeat("c", 42))
	form.Del("client_id")
	if w := tp.do(t, call{path: "/par", basic: shop, form: form}); w.Code != http.StatusBadRequest {
		t.Fatalf("PAR with a 42-character code_challenge: %d %s", w.Code, w.Body.String())
	}

	// A pushed request kept before the limits (or by another path) is checked again.
	params := limitedAuthorize("login_hint", strings.Repeat("l", 600))
	if err := tp.store.PushRequest(t.Context(), storage.PushedRequest{ID: "big", ClientID: "shop", Params: params,
		ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	w = tp.do(t, call{method: http.MethodGet, path: "/authorize?" + url.Values{"client_id": {"shop"}, "request_uri": {requestURIPrefix + "big"}}.Encode()})
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || loc.Host != "shop.example" || loc.Query().Get("error_description") != "login_hint is longer than 512 bytes" {
		t.Fatalf("pushed: %d %v", w.Code, loc)
	}

	// A request object of a client with keys.
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: tp.robotKey.Public(), KeyID: "r1", Algorithm: "ES256", Use: "sig"}}})
	if err := tp.store.CreateClient(t.Context(), storage.Client{ID: "signer", AuthMethod: string(oidc.AuthMethodPrivateKeyJWT), JWKS: string(jwks),
		GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://signer.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	signed := func(state string) string {
		claims := map[string]any{"iss": "signer", "aud": testIssuer, "exp": time.Now().Add(time.Minute).Unix(), "client_id": "signer",
			"response_type": "code", "redirect_uri": "https://signer.example/cb", "scope": "openid", "state": state, "nonce": "n"}
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
		return "/authorize?" + url.Values{"client_id": {"signer"}, "request": {out}}.Encode()
	}
	before := created.count()
	w = tp.do(t, call{method: http.MethodGet, path: signed(strings.Repeat("s", 5000))})
	loc, _ = url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || loc.Host != "signer.example" || loc.Query().Get("error_description") != "state is longer than 4096 bytes" ||
		loc.Query().Has("state") || created.count() != before {
		t.Fatalf("request object: %d %v", w.Code, loc)
	}
	// The same object with a short state goes on to the login: the refusal
	// above was the state's.
	w = tp.do(t, call{method: http.MethodGet, path: signed("st")})
	if loc := w.Header().Get("Location"); w.Code != http.StatusFound || !strings.HasPrefix(loc, "/login?authRequestID=") {
		t.Fatalf("good request object: %d %q %s", w.Code, loc, w.Body.String())
	}
}
