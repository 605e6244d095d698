package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
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

// BenchmarkServeUserinfo is the server's own work for one userinfo answer
// to an ES256 JWT access token (its check, the revocation check, the account,
// the claims), without a network or a client.
func BenchmarkServeUserinfo(b *testing.B) {
	ta := newTestApp(b)
	br := rptest.NewBrowser(testRedirect)
	code, verifier := ta.code(b, br)
	tok, err := ta.oauth().Exchange(b.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		b.Fatal(err)
	}
	h := ta.Config.Handler
	serve := func() {
		r := httptest.NewRequest(http.MethodGet, ta.URL+"/userinfo", nil)
		r.RemoteAddr = "127.0.0.1:40000"
		tok.SetAuthHeader(r)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	serve()
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

// BenchmarkSSOCodeFlowParallel is sso-code-flow from 64 browsers at once (as
// `vhod bench` runs it), each signed in already: the database commands and the
// insert commands — SQLite transactions, fsyncs, on the embedded store — per
// flow show how far concurrent writes share commits (storage/mongo/groupcommit.go).
func BenchmarkSSOCodeFlowParallel(b *testing.B) {
	ta := newTestApp(b)
	oc := ta.oauth()
	flow := func(br *rptest.Browser) error {
		verifier := oauth2.GenerateVerifier()
		cb, err := br.SignIn(oc.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "ivanov", "S3cure-pass!")
		if err != nil {
			return err
		}
		tok, err := oc.Exchange(context.Background(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			return err
		}
		req, _ := http.NewRequest(http.MethodGet, ta.URL+"/userinfo", nil)
		tok.SetAuthHeader(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("userinfo: status %d", resp.StatusCode)
		}
		return nil
	}
	// 32 goroutines per CPU: 64 on the 2-core machine of the budget, each
	// with a browser signed in before the clock starts.
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	n := max(1, 64/runtime.GOMAXPROCS(0)) * runtime.GOMAXPROCS(0)
	browsers := make(chan *rptest.Browser, n)
	for range n {
		br := rptest.NewBrowser(testRedirect)
		ta.code(b, br)
		browsers <- br
	}
	b.ReportAllocs()
	commands, inserts := ta.commands.Load(), ta.inserts.Load()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		br := <-browsers
		defer func() { browsers <- br }()
		for pb.Next() {
			if err := flow(br); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(ta.commands.Load()-commands)/float64(b.N), "db-commands/op")
	b.ReportMetric(float64(ta.inserts.Load()-inserts)/float64(b.N), "db-inserts/op")
}
