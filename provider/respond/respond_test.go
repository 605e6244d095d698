package respond

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
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
			OAuthError(w, Status(oidc.ErrInvalidClient()), oidc.ErrInvalidClient().WithDescription("no"), true)
		}, 401, `Basic realm="vhod", charset="UTF-8"`, `{"error":"invalid_client","error_description":"no"}`},
		{"invalid_client by form: no challenge", func(w http.ResponseWriter) {
			OAuthError(w, 401, oidc.ErrInvalidClient(), false)
		}, 401, "", `{"error":"invalid_client"}`},
		{"server error hides its detail", func(w http.ResponseWriter) {
			e := oidc.ErrServerError().WithDescription("mongo exploded")
			OAuthError(w, Status(e), e, false)
		}, 500, "", `{"error":"server_error","error_description":"internal error"}`},
		{"other errors are 400", func(w http.ResponseWriter) {
			OAuthError(w, Status(oidc.ErrInvalidGrant()), oidc.ErrInvalidGrant(), true)
		}, 400, "", `{"error":"invalid_grant"}`},
		{"no bearer token", func(w http.ResponseWriter) { BearerError(w, 401, "", "") },
			401, `Bearer realm="vhod"`, `{"error":"invalid_request","error_description":"an access token is required"}`},
		{"invalid token, quotes made safe", func(w http.ResponseWriter) { BearerError(w, 401, "invalid_token", `a "b"`) },
			401, `Bearer realm="vhod", error="invalid_token", error_description="a 'b'"`, `{"error":"invalid_token","error_description":"a \"b\""}`},
		{"insufficient scope without description", func(w http.ResponseWriter) { BearerError(w, 403, "insufficient_scope", "") },
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
}

func TestCutScheme(t *testing.T) {
	for _, tc := range []struct {
		header, scheme, want string
		ok                   bool
	}{
		{"Bearer abc", "Bearer", "abc", true},
		{"bearer  abc ", "Bearer", "abc", true},
		{"DPoP abc", "Bearer", "", false},
		{"Bearer", "Bearer", "", false},
		{"Bearerabc", "Bearer", "", false},
	} {
		if got, ok := CutScheme(tc.header, tc.scheme); got != tc.want || ok != tc.ok {
			t.Errorf("CutScheme(%q, %q) = %q, %v", tc.header, tc.scheme, got, ok)
		}
	}
}

// TestBufferAndTokenType: a token answer held back and retyped; other bodies
// pass unchanged.
func TestBufferAndTokenType(t *testing.T) {
	b := NewBuffer()
	b.Header().Set("X", "1")
	JSON(b, http.StatusOK, map[string]string{"access_token": "t", "token_type": "Bearer"})
	b.WriteHeader(http.StatusTeapot) // the first status counts
	if b.Status != http.StatusOK || b.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", b.Status, b.Header())
	}
	if got := string(WithTokenType(b.Body.Bytes(), "DPoP")); got != `{"access_token":"t","token_type":"DPoP"}` {
		t.Fatalf("retyped %s", got)
	}
	for _, body := range []string{`{"error":"x"}`, `not json`} {
		if got := string(WithTokenType([]byte(body), "DPoP")); got != body {
			t.Fatalf("%s changed to %s", body, got)
		}
	}
	w := NewBuffer()
	_, _ = w.Write([]byte("x"))
	if w.Status != http.StatusOK {
		t.Fatalf("write without status: %d", w.Status)
	}
}

func TestChallengeAndHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	BearerChallenge(w, "bound")
	if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w = httptest.NewRecorder()
	PageHeaders(next).ServeHTTP(w, r)
	if w.Header().Get("Content-Security-Policy") != PageCSP || w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("page headers %v", w.Header())
	}
	w = httptest.NewRecorder()
	APIHeaders(next).ServeHTTP(w, r)
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") || w.Header().Get("Pragma") != "no-cache" {
		t.Fatalf("api headers %v", w.Header())
	}
}
