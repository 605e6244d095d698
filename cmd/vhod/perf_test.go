package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
