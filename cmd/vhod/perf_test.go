package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// BenchmarkServeClientCredentials is the server's own work for one
// client_credentials token (ES256 JWT access token), without a network or a
// client: its allocations per request are the server's (-benchmem).
func BenchmarkServeClientCredentials(b *testing.B) {
	ta := newTestApp(b)
	h := ta.Config.Handler
	body := url.Values{"grant_type": {"client_credentials"}}.Encode()
	serve := func() {
		r := httptest.NewRequest(http.MethodPost, ta.URL+"/oauth/token", strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("shop", "shop-secret")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	serve() // warm the client cache and the key
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve()
	}
}

// BenchmarkSignInBrowserPart is the browser part of a password sign-in (the
// form, the password, the callback), in process: allocations per sign-in are
// the server's and the test browser's together (argon2id at the tests' cost).
func BenchmarkSignInBrowserPart(b *testing.B) {
	ta := newTestApp(b)
	ta.code(b, rptest.NewBrowser(testRedirect)) // warm the caches
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ta.code(b, rptest.NewBrowser(testRedirect))
	}
}

// BenchmarkSSOCodeFlow is sso-code-flow in process: authorize with a session,
// the code, the token, userinfo.
func BenchmarkSSOCodeFlow(b *testing.B) {
	ta := newTestApp(b)
	br := rptest.NewBrowser(testRedirect)
	ta.code(b, br)
	oc := ta.oauth()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		code, verifier := ta.code(b, br)
		tok, err := oc.Exchange(b.Context(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			b.Fatal(err)
		}
		ta.userinfo(b, tok)
	}
}
