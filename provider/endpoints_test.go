package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// TestIntrospectionAnswers: a token is active only to the client it was
// issued to or meant for, or to one with the introspect authority (RFC 7662
// section 4); anyone else, and any unknown token, gets {"active": false}.
func TestIntrospectionAnswers(t *testing.T) {
	tp := newTestProvider(t, nil)
	shopTok := tp.clientToken(t, "shop", shopSecret, "admin")
	jwtTok := tp.clientToken(t, "jwtapp", shopSecret, "")
	userTok := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid", "profile", "email"}})
	as := func(id, secret string) [2]string { return [2]string{id, secret} }
	for _, tc := range []struct {
		name   string
		basic  [2]string
		form   url.Values
		status int
		active bool
		sub    string
	}{
		{"own opaque token", as("shop", shopSecret), url.Values{"token": {shopTok}}, 200, true, "shop"},
		{"own JWT token", as("jwtapp", shopSecret), url.Values{"token": {jwtTok}}, 200, true, "jwtapp"},
		{"a person's token", as("shop", shopSecret), url.Values{"token": {userTok}}, 200, true, "u1"},
		{"another client's token", as("jwtapp", shopSecret), url.Values{"token": {shopTok}}, 200, false, ""},
		{"with the introspect authority", as("intro", introSecret), url.Values{"token": {shopTok}}, 200, true, "shop"},
		{"unknown token", as("shop", shopSecret), url.Values{"token": {"nonsense"}}, 200, false, ""},
		{"no token", as("shop", shopSecret), url.Values{"x": {"y"}}, 400, false, ""},
		{"a public client", [2]string{}, url.Values{"token": {shopTok}, "client_id": {"spa"}}, 401, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tp.do(t, call{path: "/oauth/introspect", form: tc.form, basic: tc.basic})
			m := jsonOf(t, w)
			if w.Code != tc.status {
				t.Fatalf("%d %v", w.Code, m)
			}
			if tc.status != 200 {
				return
			}
			if m["active"] != tc.active || (tc.active && m["sub"] != tc.sub) {
				t.Fatalf("answer %v", m)
			}
			if !tc.active && len(m) != 1 {
				t.Fatalf("an inactive answer says more: %v", m)
			}
		})
	}
}

// TestUserinfoAnswers: the UserInfo endpoint's refusals (RFC 6750 section 3)
// and its claims for a token with openid.
func TestUserinfoAnswers(t *testing.T) {
	tp := newTestProvider(t, nil)
	userTok := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid", "profile", "email"}})
	noOpenID := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"profile"}})
	own := tp.clientToken(t, "shop", shopSecret, "")
	for _, tc := range []struct {
		name      string
		c         call
		status    int
		challenge string
		check     func(m map[string]any) bool
	}{
		{"no token", call{method: http.MethodGet, path: "/userinfo"}, 401, `Bearer realm="vhod"`, nil},
		{"invalid token", call{method: http.MethodGet, path: "/userinfo", header: map[string]string{"Authorization": "Bearer nonsense"}},
			401, `error="invalid_token"`, nil},
		{"a client's own token", call{method: http.MethodGet, path: "/userinfo", header: map[string]string{"Authorization": "Bearer " + own}},
			403, `error="insufficient_scope"`, nil},
		{"no openid scope", call{method: http.MethodGet, path: "/userinfo", header: map[string]string{"Authorization": "bearer " + noOpenID}},
			403, "insufficient_scope", nil},
		{"by header", call{method: http.MethodGet, path: "/userinfo", header: map[string]string{"Authorization": "Bearer " + userTok}}, 200, "",
			func(m map[string]any) bool {
				return m["sub"] == "u1" && m["email"] == "ivanov@example.org" && m["given_name"] == "Ivan"
			}},
		{"by form", call{path: "/userinfo", form: url.Values{"access_token": {userTok}}}, 200, "",
			func(m map[string]any) bool { return m["sub"] == "u1" }},
		{"PUT", call{method: http.MethodPut, path: "/userinfo", header: map[string]string{"Authorization": "Bearer " + userTok}}, 405, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tp.do(t, tc.c)
			if w.Code != tc.status {
				t.Fatalf("%d %s", w.Code, w.Body.String())
			}
			if !strings.Contains(w.Header().Get("WWW-Authenticate"), tc.challenge) {
				t.Fatalf("challenge %q", w.Header().Get("WWW-Authenticate"))
			}
			if tc.check != nil && !tc.check(jsonOf(t, w)) {
				t.Fatalf("claims %s", w.Body.String())
			}
		})
	}
}

// TestRevocationAndRevokeUser: a revoked token, and every token of a revoked
// user, is no longer active; JWT access tokens of the user are denied too.
func TestRevocationAndRevokeUser(t *testing.T) {
	tp := newTestProvider(t, nil)
	tok := tp.clientToken(t, "shop", shopSecret, "")
	if w := tp.do(t, call{path: "/revoke", form: url.Values{"token": {tok}}, basic: [2]string{"shop", shopSecret}}); w.Code != 200 {
		t.Fatalf("revoke: %d %s", w.Code, w.Body.String())
	}
	if _, err := tp.p.VerifyAccessToken(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("revoked token: %v", err)
	}
	userTok := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid"}})
	if at, err := tp.p.VerifyAccessToken(t.Context(), userTok); err != nil || at.Grant.Subject != "u1" {
		t.Fatalf("user token: %v %v", at, err)
	}
	if err := tp.p.RevokeUser(t.Context(), "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.p.VerifyAccessToken(t.Context(), userTok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of a revoked user: %v", err)
	}
	if err := tp.p.RevokeSession(t.Context(), storage.Session{SID: "s1", UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyAccessTokenKinds: only access tokens of this issuer pass:
// opaque or at+jwt, not tampered, not sender-constrained (for Vhod's APIs).
func TestVerifyAccessTokenKinds(t *testing.T) {
	tp := newTestProvider(t, nil)
	jwtTok := tp.clientToken(t, "jwtapp", shopSecret, "admin")
	at, err := tp.p.VerifyAccessToken(t.Context(), jwtTok)
	if err != nil || at.Grant.ClientID != "jwtapp" || at.Grant.Subject != "jwtapp" {
		t.Fatalf("JWT access token: %+v %v", at, err)
	}
	bound := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid"}, JKT: "thumb"})
	parts := strings.Split(jwtTok, ".")
	for name, raw := range map[string]string{
		"empty":                     "",
		"garbage":                   "a.b.c",
		"tampered payload":          parts[0] + "." + parts[1] + "x." + parts[2],
		"opaque without a subject":  mustEncrypt(t, tp, "onlyid"),
		"opaque of no stored token": mustEncrypt(t, tp, "nope:u1"),
		"sender-constrained":        bound,
	} {
		if _, err := tp.p.VerifyAccessToken(t.Context(), raw); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustEncrypt(t *testing.T, tp *testProvider, s string) string {
	t.Helper()
	out, err := tp.p.op.Crypto().Encrypt(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPublishedDocuments: discovery and the key set, readable from any origin.
func TestPublishedDocuments(t *testing.T) {
	tp := newTestProvider(t, func(c *Config) {
		c.MTLSOrigin = "https://mtls.id.example"
		c.ClientCertificate = func(*http.Request) (*x509.Certificate, []*x509.Certificate) { return nil, nil }
	})
	w := tp.do(t, call{method: http.MethodGet, path: "/.well-known/openid-configuration", header: map[string]string{"Origin": "https://any.example"}})
	m := jsonOf(t, w)
	if w.Code != 200 || m["issuer"] != testIssuer || m["token_endpoint"] != testIssuer+"/oauth/token" || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("discovery %d %v %v", w.Code, m, w.Header())
	}
	if _, ok := m["mtls_endpoint_aliases"]; !ok {
		t.Errorf("no mtls_endpoint_aliases: %v", m)
	}
	w = tp.do(t, call{method: http.MethodGet, path: "/keys"})
	if keys, _ := jsonOf(t, w)["keys"].([]any); w.Code != 200 || len(keys) == 0 {
		t.Fatalf("keys %d %s", w.Code, w.Body.String())
	}
}

// TestClientCORS: the client endpoints answer browsers only from the origin
// of a registered redirect URI, without credentials.
func TestClientCORS(t *testing.T) {
	tp := newTestProvider(t, nil)
	preflight := func(origin string) http.Header {
		return tp.do(t, call{method: http.MethodOptions, path: "/oauth/token", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type,dpop"}}).Header()
	}
	h := preflight("https://spa.example")
	if h.Get("Access-Control-Allow-Origin") != "https://spa.example" || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("registered origin: %v", h)
	}
	if h := preflight("https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("unregistered origin: %v", h)
	}
	// A client added later is seen once the provider is told.
	if err := tp.store.CreateClient(t.Context(), storage.Client{ID: "late", Public: true, RedirectURIs: []string{"https://late.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	tp.p.ClientsChanged()
	if h := preflight("https://late.example"); h.Get("Access-Control-Allow-Origin") != "https://late.example" {
		t.Fatalf("new client's origin: %v", h)
	}
	if c, err := tp.p.Client(t.Context(), "late"); err != nil || c.ID != "late" {
		t.Fatalf("Client: %v %v", c, err)
	}
}

// TestPushedAuthorizationRequests: what the PAR endpoint keeps and refuses
// (RFC 9126).
func TestPushedAuthorizationRequests(t *testing.T) {
	tp := newTestProvider(t, nil)
	shop := [2]string{"shop", shopSecret}
	good := func(extra ...string) url.Values {
		f := url.Values{"response_type": {"code"}, "redirect_uri": {"https://shop.example/cb"}, "scope": {"openid"}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return f
	}
	for _, tc := range []struct {
		name   string
		c      call
		status int
		desc   string
	}{
		{"pushed", call{path: "/par", form: good(), basic: shop}, 201, ""},
		{"public client", call{path: "/par", form: good("client_id", "spa", "redirect_uri", "https://spa.example/cb")}, 201, ""},
		{"GET", call{method: http.MethodGet, path: "/par", basic: shop}, 405, ""},
		{"request_uri inside", call{path: "/par", form: good("request_uri", "urn:x"), basic: shop}, 400, "request_uri"},
		{"another response type", call{path: "/par", form: good("response_type", "token"), basic: shop}, 400, "response_type"},
		{"unregistered redirect", call{path: "/par", form: good("redirect_uri", "https://evil.example/cb"), basic: shop}, 400, "redirect_uri"},
		{"bad request object", call{path: "/par", form: good("request", "abc"), basic: shop}, 400, "invalid_request_object"},
		{"unauthenticated", call{path: "/par", form: good()}, 401, "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tp.do(t, tc.c)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.desc) {
				t.Fatalf("%d %s", w.Code, w.Body.String())
			}
			if tc.status != 201 {
				return
			}
			m := jsonOf(t, w)
			uri, _ := m["request_uri"].(string)
			if !strings.HasPrefix(uri, requestURIPrefix) || m["expires_in"] != float64(PushedRequestLifetime.Seconds()) {
				t.Fatalf("answer %v", m)
			}
			if _, err := tp.store.TakePushedRequest(t.Context(), strings.TrimPrefix(uri, requestURIPrefix), tc.c.form.Get("client_id")+tc.c.basic[0]); err != nil {
				t.Fatalf("not kept: %v", err)
			}
		})
	}
}

// sessionsAtRevocation records how many sessions the person still had when
// the store was asked to revoke their codes and tokens.
type sessionsAtRevocation struct {
	Store
	left int
}

func (s *sessionsAtRevocation) RevokeUserTokens(ctx context.Context, userID string) error {
	list, err := s.ListUserSessions(ctx, userID)
	if err != nil {
		return err
	}
	s.left = len(list)
	return s.Store.RevokeUserTokens(ctx, userID)
}

// TestRevokeUserEndsSessionsFirst: the person's sessions are gone before their
// codes and tokens are revoked, so that no session completes a new sign-in
// while that runs (found in review: a session kept getting codes during the
// revocation after a password reset or a lock).
func TestRevokeUserEndsSessionsFirst(t *testing.T) {
	tp := newTestProvider(t, nil)
	now := time.Now().UTC()
	for _, id := range []string{"a", "b"} {
		if err := tp.store.CreateSession(t.Context(), storage.Session{ID: id, SID: "sid-" + id, UserID: "u1",
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	spy := &sessionsAtRevocation{Store: tp.p.storage.store, left: -1}
	tp.p.storage.store = spy
	if err := tp.p.RevokeUser(t.Context(), "u1"); err != nil {
		t.Fatal(err)
	}
	if spy.left != 0 {
		t.Fatalf("%d sessions left when the codes and tokens were revoked", spy.left)
	}
}
