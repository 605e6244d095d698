package provider

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/storage"
)

// TestErrorAnswerFormats: RFC 6749 section 5.2 and RFC 6750 section 3 as
// Vhod writes them; a server error never shows its detail.
func TestErrorAnswerFormats(t *testing.T) {
	for _, tc := range []struct {
		name      string
		write     func(w http.ResponseWriter)
		status    int
		challenge string
		body      string
	}{
		{"invalid_client by Basic", func(w http.ResponseWriter) {
			writeOAuthError(w, failureStatus(oidc.ErrInvalidClient()), oidc.ErrInvalidClient().WithDescription("no"), true)
		}, 401, `Basic realm="vhod", charset="UTF-8"`, `{"error":"invalid_client","error_description":"no"}`},
		{"invalid_client by form: no challenge", func(w http.ResponseWriter) {
			writeOAuthError(w, 401, oidc.ErrInvalidClient(), false)
		}, 401, "", `{"error":"invalid_client"}`},
		{"server error hides its detail", func(w http.ResponseWriter) {
			e := oidc.ErrServerError().WithDescription("mongo exploded")
			writeOAuthError(w, failureStatus(e), e, false)
		}, 500, "", `{"error":"server_error","error_description":"internal error"}`},
		{"other errors are 400", func(w http.ResponseWriter) {
			writeOAuthError(w, failureStatus(oidc.ErrInvalidGrant()), oidc.ErrInvalidGrant(), true)
		}, 400, "", `{"error":"invalid_grant"}`},
		{"no bearer token", func(w http.ResponseWriter) { bearerError(w, 401, "", "") },
			401, `Bearer realm="vhod"`, `{"error":"invalid_request","error_description":"an access token is required"}`},
		{"invalid token, quotes made safe", func(w http.ResponseWriter) { bearerError(w, 401, "invalid_token", `a "b"`) },
			401, `Bearer realm="vhod", error="invalid_token", error_description="a 'b'"`, `{"error":"invalid_token","error_description":"a \"b\""}`},
		{"insufficient scope without description", func(w http.ResponseWriter) { bearerError(w, 403, "insufficient_scope", "") },
			403, `Bearer realm="vhod", error="insufficient_scope"`, `{"error":"insufficient_scope"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tc.write(w)
			if w.Code != tc.status || w.Header().Get("WWW-Authenticate") != tc.challenge || strings.TrimSpace(w.Body.String()) != tc.body {
				t.Fatalf("%d %q %s", w.Code, w.Header().Get("WWW-Authenticate"), w.Body.String())
			}
			if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v", w.Header())
			}
		})
	}
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
