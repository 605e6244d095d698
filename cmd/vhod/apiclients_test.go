package main

import (
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"
)

// TestAPIPutClientRemovesOmittedFields (issue 16 item 9): a PUT is the whole
// client; a setting left out of it is gone afterwards, at the next read and
// in what the client may do (an operator authority removed stops working),
// while the secret, which the document never shows, keeps working.
func TestAPIPutClientRemovesOmittedFields(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	full := map[string]any{"id": "erp", "secret": "erp-secret-123", "name": "ERP",
		"redirect_uris": []string{testRedirect}, "post_logout_redirect_uris": []string{"http://127.0.0.1:8765/"},
		"grant_types": []string{"authorization_code", "client_credentials"}, "scopes": []string{"openid", "admin"},
		"authorities": []string{"operator", "introspect"}, "min_acr": "urn:vhod:acr:certificate",
		"backchannel_logout_uri": "https://erp.example/bc", "frontchannel_logout_uri": "https://erp.example/fc",
		"require_pushed_authorization_requests": true, "signing_alg": "RS256", "id_token_userinfo_claims": true}
	h.want(h.call(ops, "POST", "/clients", full), 201, "create")
	erp := h.clientToken("erp", "erp-secret-123")
	h.want(h.call(erp, "GET", "/clients", nil), 200, "the operator client before")

	tag := h.want(h.call(ops, "GET", "/clients/erp", nil), 200, "read").Header.Get("ETag")
	bare := map[string]any{"name": "ERP", "redirect_uris": []string{testRedirect},
		"grant_types": []string{"authorization_code", "client_credentials"}}
	h.want(h.call(ops, "PUT", "/clients/erp", bare, "If-Match", tag), 200, "update without the optional fields")
	got := h.want(h.call(ops, "GET", "/clients/erp", nil), 200, "read again")
	for field, empty := range map[string]any{
		"authorities": []any{}, "scopes": []any{}, "post_logout_redirect_uris": []any{}, "min_acr": "",
		"backchannel_logout_uri": "", "frontchannel_logout_uri": "", "require_pushed_authorization_requests": false,
		"signing_alg": "", "id_token_userinfo_claims": false,
	} {
		if v := got.Body[field]; !equalJSON(v, empty) {
			t.Errorf("%s outlived its removal: %v", field, v)
		}
	}
	// The secret is not part of the document: it still works, and the
	// authority it no longer has does not.
	tok, err := (&clientcredentials.Config{ClientID: "erp", ClientSecret: "erp-secret-123", TokenURL: h.ta.URL + "/oauth/token"}).Token(t.Context())
	if err != nil {
		t.Fatalf("the secret stopped working: %v", err)
	}
	if a := h.call(tok.AccessToken, "GET", "/clients", nil); a.Status != 403 {
		t.Fatalf("the removed operator authority still works: %d %s", a.Status, a.Raw)
	}
	if _, shown := got.Body["secret"]; shown || strings.Contains(string(got.Raw), "erp-secret") {
		t.Fatalf("the document shows the secret: %s", got.Raw)
	}
}

func equalJSON(a, b any) bool {
	if la, ok := a.([]any); ok {
		lb, ok := b.([]any)
		return ok && len(la) == 0 && len(lb) == 0
	}
	return a == b
}
