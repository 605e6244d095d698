package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// viaProxy plays a reverse proxy in front of Vhod (the test's own connections
// come from 127.0.0.1): the client wrote a forged hop, the proxy appended the
// IPv6 address it received the request from; and the browser's user agent is
// long, with a character split at byte 256.
type viaProxy struct{ ua string }

func (v viaProxy) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", "198.51.100.66, 2001:db8:0:7::42")
	r.Header.Set("User-Agent", v.ua)
	return http.DefaultTransport.RoundTrip(r)
}

// Item 2 and 10 of issue 16: behind a trusted proxy every audit event (login
// pages, provider, admin API) and the session record carry the client's IPv6
// address whole, and the user agent is cut to a fixed bound on a character.
func TestClientAddressBehindProxyRecordedWholeAndUserAgentBounded(t *testing.T) {
	h := newAPIHarness(t, func(c *Config) { c.TrustedProxies = []string{"127.0.0.1/32", "::1"} })
	ta := h.ta
	ua := "a" + strings.Repeat("Я", 400) // byte 256 falls inside a "Я"
	rt := viaProxy{ua: ua}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{Transport: rt})

	b := rptest.NewBrowserWith(testRedirect, rt)
	p, err := b.Get(ta.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Submit(p, "/password", url.Values{"login": {"ivanov"}, "password": {"wrong"}}); err != nil {
		t.Fatal(err)
	}
	code, verifier := ta.code(t, b)
	if _, err := ta.oauth().Exchange(ctx, code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}
	_, _ = ta.oauth().Exchange(ctx, code, oauth2.VerifierOption(verifier)) // a code replay, audited by the provider

	key, _ := directory.IdentifierKey("ivanov")
	u, err := ta.app.store.UserByIdentifier(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	ops := h.clientToken("ops", "ops-secret-123")
	h.want(h.call(ops, "POST", "/users/"+u.ID+"/unlock", nil, "X-Forwarded-For", "2001:db8:0:7::42", "User-Agent", ua), 200, "unlock")

	const want = "2001:db8:0:7::42"
	events, err := ta.app.store.QueryAudit(t.Context(), storage.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if !strings.HasPrefix(e.UserAgent, "aЯ") { // the harness's own calls (tokens for the API)
			continue
		}
		seen[e.Type+"/"+e.Outcome] = true
		if e.IP != want {
			t.Errorf("%s/%s: address %q, want %q", e.Type, e.Outcome, e.IP, want)
		}
		if len(e.UserAgent) > directory.MaxAuditUserAgent || !utf8.ValidString(e.UserAgent) || !strings.HasPrefix(ua, e.UserAgent) ||
			len(e.UserAgent) < directory.MaxAuditUserAgent-utf8.UTFMax {
			t.Errorf("%s/%s: user agent of %d bytes, valid UTF-8 %v", e.Type, e.Outcome, len(e.UserAgent), utf8.ValidString(e.UserAgent))
		}
	}
	for _, k := range []string{directory.EventSignIn + "/failure", directory.EventSignIn + "/success",
		directory.EventCodeReplay + "/failure", directory.EventAccountUnlocked + "/success"} {
		if !seen[k] {
			t.Errorf("no %s event with the proxy's headers (seen %v)", k, seen)
		}
	}
	sessions, err := ta.app.store.ListUserSessions(t.Context(), u.ID)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("sessions: %v %v", sessions, err)
	}
	if s := sessions[0]; s.IP != want || !utf8.ValidString(s.UserAgent) || len(s.UserAgent) > 256 {
		t.Errorf("session address %q, user agent %d bytes valid %v", s.IP, len(s.UserAgent), utf8.ValidString(s.UserAgent))
	}

	// Straight from an untrusted peer, the header names nobody: the forged
	// address is not recorded.
	other := newTestApp(t)
	b = rptest.NewBrowserWith(testRedirect, rt)
	p, err = b.Get(other.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Submit(p, "/password", url.Values{"login": {"ivanov"}, "password": {"wrong"}}); err != nil {
		t.Fatal(err)
	}
	if e := auditEvents(t, other)[directory.EventSignIn+"/failure"]; e.IP != "127.0.0.1" {
		t.Errorf("without trusted_proxies the address is %q, want the peer 127.0.0.1", e.IP)
	}
}
