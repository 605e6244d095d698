package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/directory/registry/registrytest"
	"github.com/vhod-id/vhod/internal/fixtures"
)

// TestBrowser runs the sign-in, consent, account and company pages
// (e2e/browser/signin.test.mjs) in Debian's chromium through playwright-core
// against a real Vhod and a relying party served by this test.
func TestBrowser(t *testing.T) {
	runBrowser(t, browserSetup{}, "browser/signin.test.mjs")
}

// browserSetup is what one browser suite adds to the common setup: Config
// edits the configuration before Vhod starts, Env adds to node's environment.
type browserSetup struct {
	Config func(cfg, rpURL string) string
	Env    []string
}

// runBrowser starts Vhod (with the browser tests' users, companies, mail and
// SMS stand-ins, edited by setup.Config) and the relying party, then runs the
// node test files in chromium through playwright-core. Each suite gets its own
// server, so suites that need other settings do not disturb each other.
func runBrowser(t *testing.T, setup browserSetup, files ...string) {
	if os.Getenv("VHOD_SKIP_BROWSER_TESTS") == "1" {
		t.Skip("VHOD_SKIP_BROWSER_TESTS=1")
	}
	// Each suite has its own Vhod, relying party, mailbox and browser, and
	// spends much of its time waiting on pages: suites run side by side (go
	// test's -parallel, GOMAXPROCS by default) to keep the whole run short.
	t.Parallel()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("browser tests need chromium at %s (apt-get install chromium), or VHOD_SKIP_BROWSER_TESTS=1: %v", chromium, err)
	}
	if _, err := os.Stat("browser/node_modules/playwright-core"); err != nil {
		t.Fatalf("browser tests need playwright-core: run `npm ci --prefix e2e/browser` (scripts/test does): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rpURL := "http://" + ln.Addr().String()
	box, mailPort := newMailbox(t)
	cfg := strings.NewReplacer(
		"redirect_uris: [http://127.0.0.1:8765/callback]\n      first_party: true\n      scopes: [ru_ids, cert]",
		"redirect_uris: ["+rpURL+"/callback/esign]\n      first_party: true\n      scopes: [ru_ids, cert]",
		"post_logout_redirect_uris: [http://127.0.0.1:8765/]", "post_logout_redirect_uris: ["+rpURL+"/bye]\n      frontchannel_logout_uri: "+rpURL+"/frontchannel?app=shop",
		"http://127.0.0.1:8765/callback", rpURL+"/callback/shop",
		"http://127.0.0.1:8767/callback", rpURL+"/callback/partner",
		"bootstrap:\n", "sms: {provider: webhook, webhook: {url: \""+rpURL+"/sms-gateway\"}}\n"+
			"email: {provider: smtp, smtp: {host: 127.0.0.1, port: "+strconv.Itoa(mailPort)+", from: noreply@example.com, tls: none}}\n"+
			"limits: {lock_after_failures: 5, delay_after_failures: 100}\nbootstrap:\n",
	).Replace(certConfig(t, newCorpPKI(t), "")) + `    - {login: petrova, password: "Petrova-pass-1", phone: "+79093333333"}
    - {login: kuznetsov, password: "Kuznetsov-pass-1", email: kuz@example.com}
    - {login: sergeev, password: "Sergeev-pass-1"}
    - {login: sidorova, password: "Sidorova-pass-1", email: sidorova@ip.example}
    - {login: modr, password: "Moderator-pass-1"}
    - {login: orlova, password: "Orlova-pass-1", email: orlova@example.com}
    - {login: root, password: "Root-pass-123"}
    - {login: frolov, password: "Frolov-pass-1"}
    - {login: gromova, password: "Gromova-pass-1"}
`
	cfg = strings.Replace(cfg, "  users:\n", browserOrgs+"  users:\n", 1)
	registryData, err := registry.LoadOffline("../directory/registry/testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	dadata := registrytest.StandIn(t, registryData, 0, http.StatusOK)
	cfg = strings.Replace(cfg, "bootstrap:\n", "organisations: {registry: {provider: dadata, url: \""+dadata.URL+"\", token: test-token}}\nbootstrap:\n", 1)
	cfg = strings.Replace(cfg, "  clients:\n", "  clients:\n    - {id: b2b, secret: b2b-secret, name: B2B shop, redirect_uris: ["+rpURL+"/callback/b2b], first_party: true, scopes: [org, orgs]}\n", 1)
	cfg = strings.Replace(cfg, "  clients:\n", "  clients:\n    - {id: tv, name: Smart TV, public: true, grant_types: [urn:ietf:params:oauth:grant-type:device_code]}\n", 1)
	if setup.Config != nil {
		cfg = setup.Config(cfg, rpURL)
	}
	srv := startServer(t, cfg)
	relying := newTestRP(t, srv, rpURL)
	relying.mail = box
	hs := &http.Server{Handler: relying, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	// Every page is also checked by axe-core at two widths (browser/checks.mjs).
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	args := append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), "RP_URL="+rpURL, "CHROMIUM="+chromium, "VHOD_BIN="+binary, "FIXTURES="+fixtures.Dir(t), "ISSUER="+srv.Issuer)
	cmd.Env = append(cmd.Env, setup.Env...)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("browser tests failed: %v\nvhod log:\n%s", err, srv.Log())
	}
}

// testRP is a minimal relying party: /start?client=… redirects to Vhod, /callback/…
// exchanges the code, verifies the ID token and shows its claims in #claims.
type testRP struct {
	t       *testing.T
	srv     *server
	url     string
	clients map[string]*rp
	mu      sync.Mutex
	pending map[string]authorization
	// sms is the last text per number, from the SMS webhook this server stands in for.
	sms map[string]string
	// mail is the SMTP relay the provider sends email to.
	mail *mailbox
	// frontchannel are the queries the front-channel logout frames brought.
	frontchannel []string
}

func newTestRP(t *testing.T, srv *server, rpURL string) *testRP {
	return &testRP{t: t, srv: srv, url: rpURL, pending: map[string]authorization{}, sms: map[string]string{}, clients: map[string]*rp{
		"shop":    newRP(t, srv, "shop", "shop-secret", rpURL+"/callback/shop", oauth2.AuthStyleInHeader),
		"partner": newRP(t, srv, "partner", "partner-secret", rpURL+"/callback/partner", oauth2.AuthStyleInHeader),
		"esign": newRP(t, srv, "esign", "esign-secret", rpURL+"/callback/esign", oauth2.AuthStyleInHeader,
			"openid", "profile", "ru_ids", "cert"),
		"b2b": newRP(t, srv, "b2b", "b2b-secret", rpURL+"/callback/b2b", oauth2.AuthStyleInHeader, "openid", "org", "orgs"),
	}}
}

func (x *testRP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/sms-gateway":
		var m struct{ To, Text string }
		_ = json.NewDecoder(r.Body).Decode(&m)
		x.mu.Lock()
		x.sms[m.To] = m.Text
		x.mu.Unlock()
	case r.URL.Path == "/last-sms":
		x.mu.Lock()
		text := x.sms[r.URL.Query().Get("to")]
		x.mu.Unlock()
		fmt.Fprint(w, text)
	case r.URL.Path == "/last-mail":
		to := r.URL.Query().Get("to")
		if x.mail.count(to) == 0 {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, decodeMail(x.mail.last(x.t, to)))
	case r.URL.Path == "/frontchannel":
		x.mu.Lock()
		x.frontchannel = append(x.frontchannel, r.URL.RawQuery)
		x.mu.Unlock()
		fmt.Fprint(w, "<!doctype html><title>signed out</title>")
	case r.URL.Path == "/frontchannel-hits":
		x.mu.Lock()
		_ = json.NewEncoder(w).Encode(x.frontchannel)
		x.mu.Unlock()
	case r.URL.Path == "/bye":
		fmt.Fprintf(w, "<!doctype html><title>RP</title><p id=bye>%s</p>", html.EscapeString(r.URL.Query().Get("state")))
	case r.URL.Path == "/register-client":
		// A client an operator made in the console: this RP now signs in with it.
		id, secret := r.URL.Query().Get("id"), r.URL.Query().Get("secret")
		c := newRP(x.t, x.srv, id, secret, x.url+"/callback/"+id, oauth2.AuthStyleInHeader)
		x.mu.Lock()
		x.clients[id] = c
		x.mu.Unlock()
	case r.URL.Path == "/start":
		x.mu.Lock()
		c := x.clients[r.URL.Query().Get("client")]
		x.mu.Unlock()
		if c == nil {
			http.NotFound(w, r)
			return
		}
		var opts []oauth2.AuthCodeOption
		for _, name := range []string{"ui_locales", "prompt", "response_mode"} {
			if v := r.URL.Query().Get(name); v != "" {
				opts = append(opts, oauth2.SetAuthURLParam(name, v))
			}
		}
		a := c.authorization(opts...)
		x.mu.Lock()
		x.pending[a.State] = a
		x.mu.Unlock()
		http.Redirect(w, r, a.URL, http.StatusFound)
	case strings.HasPrefix(r.URL.Path, "/callback/"):
		x.mu.Lock()
		c := x.clients[strings.TrimPrefix(r.URL.Path, "/callback/")]
		// By query, or by form post (response_mode=form_post).
		a, ok := x.pending[r.FormValue("state")]
		delete(x.pending, a.State)
		x.mu.Unlock()
		if c == nil || !ok {
			http.Error(w, "unknown state", http.StatusBadRequest)
			return
		}
		if e := r.FormValue("error"); e != "" {
			fmt.Fprintf(w, "<p id=error>%s</p>", html.EscapeString(e))
			return
		}
		tok, err := c.oauth.Exchange(r.Context(), r.FormValue("code"), oauth2.VerifierOption(a.Verifier))
		if err != nil {
			http.Error(w, "exchange: "+err.Error(), http.StatusBadGateway)
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		v := c.provider.Verifier(&oidc.Config{ClientID: c.oauth.ClientID, SupportedSigningAlgs: []string{"ES256", "RS256", "EdDSA"}})
		idt, err := v.Verify(r.Context(), raw)
		if err != nil {
			http.Error(w, "id token: "+err.Error(), http.StatusBadGateway)
			return
		}
		var claims, userinfo map[string]any
		_ = idt.Claims(&claims)
		if ui, err := c.provider.UserInfo(r.Context(), oauth2.StaticTokenSource(tok)); err == nil {
			_ = ui.Claims(&userinfo)
		}
		b, _ := json.MarshalIndent(claims, "", "  ")
		u, _ := json.MarshalIndent(userinfo, "", "  ")
		fmt.Fprintf(w, "<!doctype html><title>RP</title><pre id=claims>%s</pre><pre id=userinfo>%s</pre><p id=method>%s</p>",
			html.EscapeString(string(b)), html.EscapeString(string(u)), r.Method)
	default:
		http.NotFound(w, r)
	}
}

// browserOrgs: sergeev works for two companies, with roles of the b2b app.
const browserOrgs = `  role_catalogues:
    - id: b2b
      clients: [b2b]
      roles:
        - {key: buyer, name: {ru: Закупщик, en: Buyer}}
        - {key: accountant, name: {ru: Бухгалтер, en: Accountant}}
  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021", contracts: [Д-15]}
    - {id: vasilek, name: ООО «Василёк», inn: "7707083893", kpp: "773601001", ogrn: "1027700132195"}
  memberships:
    - {user: sergeev, org: romashka, roles: [buyer]}
    - {user: sergeev, org: vasilek, roles: [org_admin, accountant]}
  moderators: [modr]
  operators: [root]
`
