package provider

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/storage"
)

// TestOAuthErrorCodes: the codes op has no constructor for keep their name.
func TestOAuthErrorCodes(t *testing.T) {
	for code, want := range map[string]string{errInvalidTarget: errInvalidTarget, dpop.CodeUseNonce: dpop.CodeUseNonce,
		errAccountSelectionRequired: errAccountSelectionRequired, "server_error": "server_error", "anything": "invalid_request"} {
		if got := oauthError(code, "d"); string(got.ErrorType) != want || got.Description != "d" {
			t.Errorf("oauthError(%s) = %v", code, got)
		}
	}
}

// TestDenySendsTheErrorBack: the login's refusals reach the client as the
// OAuth error each names, with the state, and end the auth request.
func TestDenySendsTheErrorBack(t *testing.T) {
	tp := newTestProvider(t, nil)
	for code, want := range map[string]string{"login_required": "login_required", "access_denied": "access_denied",
		"consent_required": "consent_required", errAccountSelectionRequired: errAccountSelectionRequired, "other": "interaction_required"} {
		t.Run(code, func(t *testing.T) {
			id := "req-" + code
			if err := tp.store.CreateAuthRequest(t.Context(), storage.AuthRequest{ID: id, ClientID: "shop", RedirectURI: "https://shop.example/cb",
				State: "st", Scopes: []string{"openid"}, ResponseType: "code", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			tp.p.Deny(w, httptest.NewRequest(http.MethodGet, testIssuer+"/login", nil), id, code)
			loc, _ := url.Parse(w.Header().Get("Location"))
			if w.Code != http.StatusFound || loc.Query().Get("error") != want || loc.Query().Get("state") != "st" {
				t.Fatalf("%d %v", w.Code, loc)
			}
			if _, err := tp.store.AuthRequestByID(t.Context(), id); err == nil {
				t.Fatal("the auth request lives on")
			}
		})
	}
	w := httptest.NewRecorder()
	tp.p.Deny(w, httptest.NewRequest(http.MethodGet, testIssuer+"/login", nil), "gone", "access_denied")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "error page") {
		t.Fatalf("unknown request: %d %s", w.Code, w.Body.String())
	}
}
