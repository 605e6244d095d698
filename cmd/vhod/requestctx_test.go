package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/internal/clientaddr"
)

// TestProtocolFirst: the provider's API paths skip the page router, unless a
// page route has the path (for any method): then the pages keep it. In the
// app every API path goes straight to the provider.
func TestProtocolFirst(t *testing.T) {
	pages := mux.NewRouter()
	pages.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(299) }).Methods(http.MethodPut)
	// A subrouter whose own not-found answer covers a path keeps it too.
	sub := pages.PathPrefix("/oauth/introspect").Subrouter()
	sub.HandleFunc("/x", func(http.ResponseWriter, *http.Request) {})
	sub.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(296) })
	pages.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(298) })
	h, direct := protocolFirst(pages, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(297) }))
	if direct["/keys"] || direct["/oauth/introspect"] || !direct["/oauth/token"] || len(direct) != len(protocolAPI)-2 {
		t.Fatalf("direct %v", direct)
	}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/oauth/token", 297},
		{http.MethodGet, "/keys", http.StatusMethodNotAllowed}, // the page router's answer, as before
		{http.MethodPut, "/keys", 299},
		{http.MethodGet, "/elsewhere", 298},
		{http.MethodPost, "/oauth/token/", 298},
		{http.MethodPost, "/oauth/introspect", 296},
		{http.MethodGet, "/userinfo", 297},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.status)
		}
	}

	ta := newTestApp(t)
	for _, path := range protocolAPI {
		if !ta.app.directProtocol[path] {
			t.Errorf("%s is not served ahead of the pages", path)
		}
	}
}

// TestRequestFacts: the layers below see the client address from
// trusted_proxies (the message hold is the outbox tests').
func TestRequestFacts(t *testing.T) {
	trusted, err := clientaddr.ParsePrefixes([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	var addr string
	h := requestFacts(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { addr = clientaddr.Of(r) }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.1.2.3:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if addr != "203.0.113.7" {
		t.Fatalf("address %q", addr)
	}
}
