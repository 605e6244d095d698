package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

const (
	grantDeviceCode    = "urn:ietf:params:oauth:grant-type:device_code"
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessTokenType    = "urn:ietf:params:oauth:token-type:access_token"
)

// deviceClients: a TV app (public) and a back-end service that exchanges the
// shop's tokens; the shop may exchange its own.
const deviceClients = `    - id: tv
      name: Smart TV
      public: true
      grant_types: [urn:ietf:params:oauth:grant-type:device_code, refresh_token]
    - id: reports
      name: Reports service
      secret: reports-secret
      grant_types: [urn:ietf:params:oauth:grant-type:token-exchange]
      access_token_format: jwt
`

func deviceConfig() string {
	cfg := strings.Replace(testConfig, "  users:\n", deviceClients+"  users:\n", 1)
	return strings.Replace(cfg, "grant_types: [authorization_code, refresh_token, client_credentials]",
		"grant_types: [authorization_code, refresh_token, client_credentials, "+grantTokenExchange+"]", 1)
}

// TestDeviceAuthorization: a TV gets a device and a user code; polling says
// authorization_pending; the person enters the code on the device page (after
// signing in), sees the app and allows it; the TV's next poll gets tokens, and
// the one after is refused (a device code is used once). A denied request
// answers access_denied; a wrong code is refused on the page.
func TestDeviceAuthorization(t *testing.T) {
	srv := startServer(t, deviceConfig())
	disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
	if disc["device_authorization_endpoint"] != srv.Issuer+"/device_authorization" || !containsAll(disc["grant_types_supported"].([]any), grantDeviceCode, grantTokenExchange) {
		t.Fatalf("discovery: %v %v", disc["device_authorization_endpoint"], disc["grant_types_supported"])
	}
	start := func() map[string]any {
		resp, out := call(t, http.MethodPost, srv.Issuer+"/device_authorization", url.Values{"client_id": {"tv"}, "scope": {"openid profile offline_access"}}, nil)
		if resp.StatusCode != http.StatusOK || out["device_code"] == nil || out["verification_uri"] != srv.Issuer+"/device" {
			t.Fatalf("device authorization: %d %v", resp.StatusCode, out)
		}
		return out
	}
	poll := func(deviceCode string) (int, map[string]any) {
		resp, out := call(t, http.MethodPost, srv.Issuer+"/oauth/token", url.Values{"grant_type": {grantDeviceCode},
			"device_code": {deviceCode}, "client_id": {"tv"}}, nil)
		return resp.StatusCode, out
	}
	d := start()
	if code, out := poll(d["device_code"].(string)); code != http.StatusBadRequest || out["error"] != "authorization_pending" {
		t.Fatalf("pending poll: %d %v", code, out)
	}

	b := rptest.NewBrowser("")
	b.Lang = "en"
	p := mustGet(t, b, d["verification_uri_complete"].(string))
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	userCode := d["user_code"].(string)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, strings.ReplaceAll(userCode, "-", "")) {
		t.Fatalf("the code page after sign-in: %d %.600s", p.Status, p.Body)
	}
	wrong := mustSubmit(t, b, p, "/device", url.Values{"user_code": {"BBBB-BBBB"}})
	if wrong.Status != http.StatusBadRequest || !strings.Contains(wrong.Body, "This code is unknown") {
		t.Fatalf("wrong code: %d %.600s", wrong.Status, wrong.Body)
	}
	p = mustSubmit(t, b, p, "/device", url.Values{"user_code": {strings.ToLower(userCode)}})
	if !strings.Contains(p.Body, "Smart TV") || !strings.Contains(p.Body, "Your name and username") {
		t.Fatalf("decision page: %d %.600s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/device", url.Values{"decision": {"allow"}})
	if !strings.Contains(p.Body, "is signed in") {
		t.Fatalf("approval: %d %.600s", p.Status, p.Body)
	}
	code, tok := poll(d["device_code"].(string))
	if code != http.StatusOK || tok["access_token"] == nil || tok["id_token"] == nil || tok["refresh_token"] == nil {
		t.Fatalf("tokens after approval: %d %v", code, tok)
	}
	claims, _ := decodeSegment(strings.Split(tok["id_token"].(string), ".")[1])
	if !containsAll(asList(claims["aud"]), "tv") || claims["sub"] == nil || claims["amr"] == nil {
		t.Fatalf("ID token claims %v", claims)
	}
	if code, out := poll(d["device_code"].(string)); code < 400 {
		t.Fatalf("the device code worked twice: %d %v", code, out)
	}
	if resp, info := call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + tok["access_token"].(string)}); resp.StatusCode != http.StatusOK || info["family_name"] != "Иванов" {
		t.Fatalf("userinfo for the TV: %d %v", resp.StatusCode, info)
	}

	denied := start()
	p = mustGet(t, b, denied["verification_uri_complete"].(string))
	p = mustSubmit(t, b, p, "/device", url.Values{"user_code": {denied["user_code"].(string)}})
	if p = mustSubmit(t, b, p, "/device", url.Values{"decision": {"deny"}}); !strings.Contains(p.Body, "gets no access") {
		t.Fatalf("denial: %d %.600s", p.Status, p.Body)
	}
	if code, out := poll(denied["device_code"].(string)); code != http.StatusBadRequest || out["error"] != "access_denied" {
		t.Fatalf("denied poll: %d %v", code, out)
	}
	// A confidential client must authenticate to get a device code.
	if resp, out := call(t, http.MethodPost, srv.Issuer+"/device_authorization", url.Values{"client_id": {"shop"}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated confidential client: %d %v", resp.StatusCode, out)
	}
}

// TestTokenExchange: the shop exchanges a person's access token for one meant
// for the reports service, with fewer scopes; the new token carries the same
// person and the audience. Another client's token, a wider scope, an unknown
// audience and a client without the grant are refused.
func TestTokenExchange(t *testing.T) {
	srv := startServer(t, deviceConfig())
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, idClaims := shop.exchange(a, code)
	exchange := func(user, pass string, extra url.Values) (int, map[string]any) {
		form := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {tok.AccessToken}, "subject_token_type": {accessTokenType},
			"audience": {"reports"}, "scope": {"openid profile"}}
		for k, v := range extra {
			form[k] = v
		}
		return postForm(t, srv.Issuer+"/oauth/token", user, pass, form)
	}
	status, out := exchange("shop", "shop-secret", nil)
	if status != http.StatusOK || out["issued_token_type"] != accessTokenType || out["access_token"] == nil {
		t.Fatalf("exchange: %d %v\n%s", status, out, srv.Log())
	}
	claims, _ := decodeSegment(strings.Split(out["access_token"].(string), ".")[1])
	if claims["sub"] != idClaims["sub"] || claims["aud"] != "reports" && !containsAll(asList(claims["aud"]), "reports") ||
		claims["client_id"] != "shop" || claims["scope"] != "openid profile" {
		t.Fatalf("exchanged token claims %v", claims)
	}
	if resp, info := call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + out["access_token"].(string)}); resp.StatusCode != http.StatusOK || info["sub"] != idClaims["sub"] {
		t.Fatalf("userinfo with the exchanged token: %d %v", resp.StatusCode, info)
	}
	for name, tc := range map[string]struct {
		user, pass string
		extra      url.Values
		want       string
	}{
		"not the token's client":   {"reports", "reports-secret", nil, "invalid_request"},
		"wider scope":              {"shop", "shop-secret", url.Values{"scope": {"openid ru_ids"}}, "invalid_scope"},
		"unknown audience":         {"shop", "shop-secret", url.Values{"audience": {"nobody"}}, "invalid_target"},
		"client without the grant": {"portal", "portal-secret", nil, "unauthorized_client"},
		"refresh token as subject": {"shop", "shop-secret", url.Values{"subject_token": {tok.RefreshToken}, "subject_token_type": {"urn:ietf:params:oauth:token-type:refresh_token"}}, "invalid_request"},
		// RFC 9068 section 4: an ID token is not an access token, whatever it claims to be.
		"ID token as access token":      {"shop", "shop-secret", url.Values{"subject_token": {tok.Extra("id_token").(string)}}, "invalid_request"},
		"refresh token as access token": {"shop", "shop-secret", url.Values{"subject_token": {tok.RefreshToken}}, "invalid_request"},
		"actor token (delegation)":      {"shop", "shop-secret", url.Values{"actor_token": {tok.AccessToken}, "actor_token_type": {accessTokenType}}, "invalid_request"},
		"wrong secret":                  {"shop", "wrong", nil, "invalid_client"},
		"no audience":                   {"shop", "shop-secret", url.Values{"audience": {""}}, "invalid_request"},
	} {
		if status, out := exchange(tc.user, tc.pass, tc.extra); status < 400 || out["error"] != tc.want {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
