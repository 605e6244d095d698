package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// A hosted captcha (here Turnstile) shows its widget, opens the CSP to its origin
// only, and its token is checked with the service (a local stand-in).
func TestHostedCaptchaOnRecovery(t *testing.T) {
	var tokens []string
	verify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		tokens = append(tokens, r.PostForm.Get("response"))
		if r.PostForm.Get("secret") == "ts-secret" && r.PostForm.Get("response") == "human" {
			_, _ = w.Write([]byte(`{"success":true}`))
			return
		}
		_, _ = w.Write([]byte(`{"success":false}`))
	}))
	defer verify.Close()
	gw, gwURL := newSMSGateway(t)
	_, port := newMailbox(t)
	cfg := strings.Replace(recoveryConfig(gwURL, port), "captcha: {work: 5000}\n",
		"captcha: {provider: turnstile, site_key: ts-site, secret: ts-secret, verify_url: \""+verify.URL+"\"}\n", 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	p := mustGet(t, b, shop.authorization().URL)
	p = mustGet(t, b, srv.Issuer+"/recover?authRequestID="+url.QueryEscape(p.URL.Query().Get("authRequestID")))
	if !strings.Contains(p.Body, `class="cf-turnstile" data-sitekey="ts-site"`) ||
		!strings.Contains(p.Body, "challenges.cloudflare.com/turnstile/v0/api.js") {
		t.Fatalf("no Turnstile widget: %.500s", p.Body)
	}
	q := mustSubmit(t, b, p, "/send", url.Values{"identifier": {"+79090000000"}, "cf-turnstile-response": {"robot"}})
	if q.Status != http.StatusBadRequest || gw.count("+79090000000") != 0 {
		t.Fatalf("a refused token passed: %d", q.Status)
	}
	q = mustSubmit(t, b, q, "/send", url.Values{"identifier": {"+79090000000"}, "cf-turnstile-response": {"human"}})
	if q.Status != http.StatusOK || gw.count("+79090000000") != 1 {
		t.Fatalf("an accepted token did not pass: %d, %d SMS", q.Status, gw.count("+79090000000"))
	}
	if len(tokens) != 2 {
		t.Fatalf("the service was asked %d times", len(tokens))
	}
}

func TestHostedCaptchaCSP(t *testing.T) {
	srv := startServer(t, strings.Replace(testConfig, "bootstrap:\n",
		"captcha: {provider: hcaptcha, site_key: k, secret: s, verify_url: \"http://127.0.0.1:1/\"}\nbootstrap:\n", 1))
	resp, err := rptest.NewBrowser("http://127.0.0.1:8765/").Client.Get(shopRP(t, srv).authorization().URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self' https://hcaptcha.com https://*.hcaptcha.com") || !strings.Contains(csp, "frame-src https://hcaptcha.com") {
		t.Fatalf("CSP %q", csp)
	}
}
