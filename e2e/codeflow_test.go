package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

func TestCodeFlowWithPKCE(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	before := time.Now().Add(-time.Second)
	a, code := shop.signIn(b, "ivanov", "S3cure-pass!")
	tok, idt, claims := shop.exchange(a, code)

	if got := claims["amr"]; !slices.Equal(toStrings(got), []string{"pwd"}) {
		t.Errorf("amr = %v, want [pwd]", got)
	}
	if claims["acr"] != "urn:vhod:acr:password" {
		t.Errorf("acr = %v", claims["acr"])
	}
	if at, ok := claims["auth_time"].(float64); !ok || time.Unix(int64(at), 0).Before(before.Truncate(time.Second)) {
		t.Errorf("auth_time = %v", claims["auth_time"])
	}
	if sid, _ := claims["sid"].(string); sid == "" {
		t.Errorf("no sid in %v", claims)
	}
	if _, ok := claims["email"]; ok {
		t.Errorf("shop did not ask for userinfo claims in the ID token, got email: %v", claims)
	}
	if tok.RefreshToken == "" {
		t.Error("offline_access gave no refresh token")
	}

	ui, err := shop.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var info map[string]any
	_ = ui.Claims(&info)
	want := map[string]any{
		"sub": idt.Subject, "email": "ivanov@example.com", "email_verified": true, "phone_number": "+79090000000",
		"family_name": "Иванов", "given_name": "Иван", "middle_name": "Иванович", "name": "Иванов Иван Иванович",
		"preferred_username": "ivanov",
	}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("userinfo %s = %v, want %v", k, info[k], v)
		}
	}
}

func TestLoginAcceptsPhoneSpellingsAndKeepsInputOnFailure(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p, err := b.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err = b.Submit(p, "/password", url.Values{"login": {"8 (909) 000-00-00"}, "password": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Неверный логин или пароль") {
		t.Fatalf("wrong password: status %d, body %.300s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, `value="8 (909) 000-00-00"`) {
		t.Error("the typed login was lost after a failed attempt")
	}
	p, err = b.Submit(p, "/password", url.Values{"login": {"8 (909) 000-00-00"}, "password": {"S3cure-pass!"}})
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := url.Parse(p.Location)
	shop.exchange(a, shop.code(a, cb))

	// login_hint fills the Login field.
	p, _ = rptest.NewBrowser("http://127.0.0.1:8765/").Get(shop.authorization(oauth2.SetAuthURLParam("login_hint", "ivanov@example.com")).URL)
	if !strings.Contains(p.Body, `value="ivanov@example.com"`) {
		t.Error("login_hint did not fill the Login field")
	}

	// An unknown login gets the very same answer as a wrong password.
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	p = mustGet(t, b2, shop.authorization().URL)
	p = mustSubmit(t, b2, p, "/password", url.Values{"login": {"nobody@example.com"}, "password": {"S3cure-pass!"}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Неверный логин или пароль") {
		t.Fatalf("unknown login: status %d", p.Status)
	}
}

func TestCodeReplayIsRefusedAndRevokesTheGrant(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	if got := shop.introspect(tok.AccessToken); got["active"] != true {
		t.Fatalf("fresh token inactive: %v", got)
	}
	_, err := shop.oauth.Exchange(t.Context(), code, oauth2.VerifierOption(a.Verifier))
	if oauthError(err) != "invalid_grant" {
		t.Fatalf("replayed code: %v, want invalid_grant", err)
	}
	if got := shop.introspect(tok.AccessToken); got["active"] != false {
		t.Fatalf("token of a replayed code still active: %v", got)
	}
	if _, err := shop.oauth.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Fatalf("refresh token of a replayed code: %v", err)
	}
}

// TestRefreshRotationAndReuseDetection: with the grace period off
// (tokens.refresh_grace_period: 0), the second use of a refresh token revokes
// its family at once (RFC 9700 section 4.14.2).
func TestRefreshRotationAndReuseDetection(t *testing.T) {
	srv := startServer(t, "", "VHOD_TOKENS_REFRESH_GRACE_PERIOD=0s")
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	first, _, _ := shop.exchange(a, code)

	refresh := func(rt string) (*oauth2.Token, error) {
		return shop.oauth.TokenSource(t.Context(), &oauth2.Token{RefreshToken: rt}).Token()
	}
	second, err := refresh(first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatal("refresh token was not rotated")
	}
	raw, _ := second.Extra("id_token").(string)
	idt, err := shop.verifier.Verify(t.Context(), raw)
	if err != nil {
		t.Fatalf("refreshed ID token: %v", err)
	}
	var claims map[string]any
	_ = idt.Claims(&claims)
	if claims["acr"] != "urn:vhod:acr:password" || claims["sid"] == nil {
		t.Errorf("refreshed ID token lost acr or sid: %v", claims)
	}
	// The first token again: theft is assumed, the whole family dies.
	if _, err := refresh(first.RefreshToken); oauthError(err) != "invalid_grant" {
		t.Fatalf("reused refresh token: %v, want invalid_grant", err)
	}
	if _, err := refresh(second.RefreshToken); oauthError(err) != "invalid_grant" {
		t.Fatalf("the rotated token survived a reuse: %v", err)
	}
	if got := shop.introspect(second.AccessToken); got["active"] != false {
		t.Fatalf("access token of a revoked family still active: %v", got)
	}
}

func TestClientCredentialsIntrospectionAndRevocation(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	cc := clientCredentials(shop)
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatalf("client_credentials: %v", err)
	}
	if strings.Count(tok.AccessToken, ".") != 2 {
		t.Fatalf("shop asked for JWT access tokens, got %q", tok.AccessToken)
	}
	got := shop.introspect(tok.AccessToken)
	if got["active"] != true || got["client_id"] != "shop" || got["sub"] != "shop" {
		t.Fatalf("introspection: %v", got)
	}
	shop.revoke(tok.AccessToken, "access_token")
	if got := shop.introspect(tok.AccessToken); got["active"] != false {
		t.Fatalf("revoked token still active: %v", got)
	}
	// Wrong secret: invalid_client, and a client without the grant is refused.
	bad := clientCredentials(newRP(t, srv, "shop", "wrong-secret", "", oauth2.AuthStyleInHeader))
	if _, err := bad.Token(t.Context()); oauthError(err) != "invalid_client" {
		t.Fatalf("wrong secret: %v", err)
	}
	portal := clientCredentials(newRP(t, srv, "portal", "portal-secret", "", oauth2.AuthStyleInParams))
	if _, err := portal.Token(t.Context()); err == nil {
		t.Fatal("portal has no client_credentials grant but got a token")
	}
}

func TestOpaqueTokenRevocationOfRefreshTokenRevokesGrant(t *testing.T) {
	srv := startServer(t, "")
	portal := newRP(t, srv, "portal", "portal-secret", "http://127.0.0.1:8766/callback", oauth2.AuthStyleInParams)
	a, code := portal.signIn(rptest.NewBrowser("http://127.0.0.1:8766/"), "ivanov", "S3cure-pass!")
	tok, _, claims := portal.exchange(a, code)
	if strings.Count(tok.AccessToken, ".") == 2 {
		t.Fatal("portal uses opaque access tokens")
	}
	if claims["email"] != "ivanov@example.com" {
		t.Errorf("portal asked for userinfo claims in the ID token: %v", claims)
	}
	if got := portal.introspect(tok.AccessToken); got["active"] != true || got["username"] != "ivanov" {
		t.Fatalf("introspection: %v", got)
	}
	portal.revoke(tok.RefreshToken, "refresh_token")
	if got := portal.introspect(tok.AccessToken); got["active"] != false {
		t.Fatalf("revoking the refresh token left its access token active: %v", got)
	}
}

func TestPublicClientNeedsPKCE(t *testing.T) {
	srv := startServer(t, "")
	spa := newRP(t, srv, "spa", "", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInParams, oidc.ScopeOpenID)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	p, err := b.Get(spa.oauth.AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := url.Parse(p.Location)
	if cb == nil || cb.Query().Get("error") != "invalid_request" || !strings.Contains(cb.Query().Get("error_description"), "PKCE") {
		t.Fatalf("no PKCE: landed at %q (status %d)", p.Location, p.Status)
	}
	p = mustGet(t, b, spa.oauth.AuthCodeURL("st", oauth2.SetAuthURLParam("code_challenge", "x"), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	if cb, _ := url.Parse(p.Location); cb == nil || cb.Query().Get("error") != "invalid_request" {
		t.Fatalf("plain PKCE accepted: %q", p.Location)
	}
	a, code := spa.signIn(b, "ivanov", "S3cure-pass!")
	spa.exchange(a, code)

	// Loopback redirect URIs match exactly too: another port is refused.
	other := newRP(t, srv, "spa", "", "http://127.0.0.1:9999/callback", oauth2.AuthStyleInParams, oidc.ScopeOpenID)
	p = mustGet(t, b, other.authorization().URL)
	if p.Location != "" || p.Status != http.StatusBadRequest {
		t.Fatalf("redirect to another loopback port: status %d, location %q", p.Status, p.Location)
	}
}

func TestBadRedirectURIAndUnknownClientGetAPageNotARedirect(t *testing.T) {
	srv := startServer(t, "")
	for name, u := range map[string]string{
		"unregistered redirect": srv.Issuer + "/authorize?client_id=shop&response_type=code&scope=openid&redirect_uri=" + url.QueryEscape("http://evil.example/cb"),
		"unknown client":        srv.Issuer + "/authorize?client_id=nope&response_type=code&scope=openid&redirect_uri=" + url.QueryEscape("http://127.0.0.1:8765/callback"),
		"no parameters":         srv.Issuer + "/authorize",
		"garbage callback":      srv.Issuer + "/authorize/callback?id=%00%ff",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := rptest.NewBrowser("http://127.0.0.1:8765/").Get(u)
			if err != nil {
				t.Fatal(err)
			}
			if p.Location != "" || p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, location %q", p.Status, p.Location)
			}
			if !strings.Contains(p.Body, "<html") || !strings.Contains(p.Body, "Код ошибки") {
				t.Fatalf("not our error page: %.300s", p.Body)
			}
		})
	}
}

func TestMalformedTokenRequestsGetOAuthErrors(t *testing.T) {
	srv := startServer(t, "")
	for name, form := range map[string]url.Values{
		"no grant":        {},
		"unknown grant":   {"grant_type": {"magic"}},
		"code missing":    {"grant_type": {"authorization_code"}},
		"garbage code":    {"grant_type": {"authorization_code"}, "code": {"%%%"}, "redirect_uri": {"http://127.0.0.1:8765/callback"}},
		"garbage refresh": {"grant_type": {"refresh_token"}, "refresh_token": {"\x00\xff"}},
		"password grant":  {"grant_type": {"password"}, "username": {"ivanov"}, "password": {"S3cure-pass!"}},
	} {
		t.Run(name, func(t *testing.T) {
			status, out := postForm(t, srv.Issuer+"/oauth/token", "shop", "shop-secret", form)
			if status >= 500 || out["error"] == nil {
				t.Fatalf("status %d, body %v", status, out)
			}
		})
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
