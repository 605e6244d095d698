package e2e

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vhod-id/vhod/internal/rptest"
)

// logoutReceiver is a relying party's back-channel logout endpoint: it verifies
// every logout token as Back-Channel Logout 1.0 section 2.6 says and keeps the
// valid ones. Its first answer is a 500, so that the retry shows.
type logoutReceiver struct {
	t        *testing.T
	verifier *oidc.IDTokenVerifier
	mu       sync.Mutex
	calls    int
	tokens   []map[string]any
	got      chan struct{}
}

func (l *logoutReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.calls++
	first := l.calls == 1
	l.mu.Unlock()
	if first {
		http.Error(w, "restarting", http.StatusInternalServerError)
		return
	}
	raw := r.PostFormValue("logout_token")
	claims, err := l.verify(r.Context(), raw)
	if err != nil {
		l.t.Errorf("logout token refused: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	l.tokens = append(l.tokens, claims)
	l.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	l.got <- struct{}{}
}

// verify checks signature, iss, aud and exp (as for an ID token), then the
// logout token's own rules: the event, a sid, no nonce, a jti, iat, typ.
func (l *logoutReceiver) verify(ctx context.Context, raw string) (map[string]any, error) {
	tok, err := l.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, err
	}
	events, _ := claims["events"].(map[string]any)
	if _, ok := events["http://schemas.openid.net/event/backchannel-logout"]; !ok {
		return nil, errorf("no back-channel logout event: %v", claims)
	}
	if _, ok := claims["nonce"]; ok {
		return nil, errorf("a nonce in a logout token")
	}
	if claims["sid"] == nil || claims["jti"] == nil || claims["iat"] == nil || claims["sub"] == nil {
		return nil, errorf("sid, jti, iat or sub missing: %v", claims)
	}
	header, _ := decodeSegment(strings.Split(raw, ".")[0])
	if header["typ"] != "logout+jwt" {
		return nil, errorf("typ %v", header["typ"])
	}
	return claims, nil
}

// TestLogoutEverywhere: a person signed in to the shop and (by SSO) to the
// portal signs out at the shop. The shop's back-channel endpoint gets a signed
// logout token with the session's sid (after one failed attempt: retried); the
// end-session page names both apps, frames the portal's front-channel URL with
// iss and sid, and continues to the shop's post-logout URI with its state. The
// delivery is audited with its attempts.
func TestLogoutEverywhere(t *testing.T) {
	recv := &logoutReceiver{t: t, got: make(chan struct{}, 4)}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	cfg := strings.Replace(testConfig, "      name: Shop\n", "      name: Shop\n      backchannel_logout_uri: "+hook.URL+"/logout\n", 1)
	cfg = strings.Replace(cfg, "      name: Portal\n", "      name: Portal\n      frontchannel_logout_uri: http://127.0.0.1:8766/frontchannel?app=portal\n", 1)
	srv := startServer(t, cfg)

	disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
	for _, k := range []string{"backchannel_logout_supported", "backchannel_logout_session_supported",
		"frontchannel_logout_supported", "frontchannel_logout_session_supported"} {
		if disc[k] != true {
			t.Errorf("discovery %s = %v", k, disc[k])
		}
	}

	shop := shopRP(t, srv)
	recv.verifier = shop.verifier
	b := rptest.NewBrowser("http://127.0.0.1:876")
	a, code := shop.signIn(b, "ivanov", "S3cure-pass!")
	shopTok, _, shopClaims := shop.exchange(a, code)
	portal := newRP(t, srv, "portal", "portal-secret", "http://127.0.0.1:8766/callback", 0)
	pa := portal.authorization()
	p, err := b.Get(pa.URL)
	if err != nil || p.Location == "" {
		t.Fatalf("SSO to the portal: %v %.300s", err, p.Body)
	}
	cb, _ := url.Parse(p.Location)
	portal.exchange(pa, portal.code(pa, cb))

	raw, _ := shopTok.Extra("id_token").(string)
	q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {"http://127.0.0.1:8765/"}, "state": {"bye"}}
	p, err = b.Get(srv.Issuer + "/end_session?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "<li>Shop</li>") || !strings.Contains(p.Body, "<li>Portal</li>") {
		t.Fatalf("end-session page (status %d): %.1500s", p.Status, p.Body)
	}
	sid, _ := shopClaims["sid"].(string)
	frame := regexp.MustCompile(`<iframe class="frontchannel" src="([^"]+)"`).FindStringSubmatch(p.Body)
	if frame == nil {
		t.Fatalf("no front-channel frame: %.1500s", p.Body)
	}
	fu, _ := url.Parse(html.UnescapeString(frame[1]))
	if fu.Host != "127.0.0.1:8766" || fu.Query().Get("app") != "portal" || fu.Query().Get("iss") != srv.Issuer || fu.Query().Get("sid") != sid {
		t.Errorf("front-channel URL %s (sid %s)", fu, sid)
	}
	next := regexp.MustCompile(`id="logout-continue" class="button" href="([^"]+)"`).FindStringSubmatch(p.Body)
	if next == nil || html.UnescapeString(next[1]) != "http://127.0.0.1:8765/?state=bye" {
		t.Errorf("continue link %v", next)
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src http://127.0.0.1:8766") {
		t.Errorf("CSP does not allow the frame: %s", csp)
	}

	select {
	case <-recv.got:
	case <-time.After(20 * time.Second):
		t.Fatal("no logout token arrived")
	}
	recv.mu.Lock()
	tok, calls := recv.tokens[0], recv.calls
	recv.mu.Unlock()
	if tok["sid"] != sid || tok["aud"] != "shop" || tok["iss"] != srv.Issuer || tok["sub"] != shopClaims["sub"] || calls != 2 {
		t.Fatalf("logout token %v after %d calls (sid %s)", tok, calls, sid)
	}
	if got := shop.introspect(shopTok.AccessToken); got["active"] != false {
		t.Errorf("token still active after logout: %v", got)
	}

	// A stale or forged page state shows the plain page, no frames.
	p = mustGet(t, b, srv.Issuer+"/logged-out?t=forged")
	if p.Status != http.StatusOK || strings.Contains(p.Body, "iframe") {
		t.Errorf("forged page state: %d %.300s", p.Status, p.Body)
	}

	srv.Stop()
	out, err := runVhod(t, nil, "admin", "audit", "export", "--config", srv.Config)
	if err != nil {
		t.Fatalf("export: %v %s", err, out)
	}
	found := false
	for _, line := range strings.Split(out, "\n") {
		var e struct {
			Type, Outcome string
			Details       map[string]string
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Type == "logout.backchannel" {
			found = e.Outcome == "success" && e.Details["attempts"] == "2" && e.Details["sid"] == sid
		}
	}
	if !found {
		t.Errorf("no audited delivery with 2 attempts in:\n%s", out)
	}
}
