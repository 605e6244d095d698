package e2e

import (
	"crypto/rand"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// proxyCookieRefresh is how old an oauth2-proxy session gets before it refreshes
// its tokens.
const proxyCookieRefresh = 3 * time.Second

// The Vhod client and oauth2-proxy's configuration are the files the guide
// docs/en/integrations/oauth2-proxy.md shows:
// testdata/integrations/oauth2-proxy/client.yaml, a third party, so the person
// is asked to allow it ({{RP}} is oauth2-proxy), and oauth2-proxy.cfg.

// oauth2ProxyBinary finds the oauth2-proxy of the pinned version: $OAUTH2_PROXY,
// else $(go env GOPATH)/bin/oauth2-proxy, where scripts/test-deps builds it.
func oauth2ProxyBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OAUTH2_PROXY")
	if bin == "" {
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			t.Fatalf("go env GOPATH: %v", err)
		}
		bin = filepath.Join(filepath.SplitList(strings.TrimSpace(string(out)))[0], "bin", "oauth2-proxy")
	}
	install := fmt.Sprintf("GOBIN=$(go env GOPATH)/bin go install github.com/oauth2-proxy/oauth2-proxy/v7@%s (scripts/test-deps does), "+
		"or set OAUTH2_PROXY to that binary, or VHOD_SKIP_RP_TESTS=1", oauth2ProxyVersion)
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("the oauth2-proxy tests need oauth2-proxy %s: %s: %v", oauth2ProxyVersion, install, err)
	}
	if info.Main.Version != oauth2ProxyVersion {
		t.Fatalf("%s is oauth2-proxy %s, the tests need %s: %s", bin, info.Main.Version, oauth2ProxyVersion, install)
	}
	return bin
}

// startOAuth2Proxy runs oauth2-proxy on port in front of app with the
// configuration of the guide and the secrets in its environment, as a
// deployment would have them. The one flag the guide does not have: the test
// serves plain HTTP on 127.0.0.1, so the cookie cannot be Secure.
func startOAuth2Proxy(t *testing.T, bin string, port int, issuer, app, clientSecret string) string {
	t.Helper()
	rpURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	issuerURL, _ := url.Parse(issuer)
	conf := integrationFile(t, "oauth2-proxy/oauth2-proxy.cfg", map[string]string{"PORT": fmt.Sprint(port), "APP": app,
		"ISSUER": issuer, "RP": rpURL, "COOKIE_REFRESH": proxyCookieRefresh.String(), "VHOD_HOST": issuerURL.Host})
	path := filepath.Join(t.TempDir(), "oauth2-proxy.cfg")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config="+path, "--cookie-secure=false")
	cmd.Env = append(os.Environ(), "OAUTH2_PROXY_CLIENT_SECRET="+clientSecret, "OAUTH2_PROXY_COOKIE_SECRET="+cookieSecret())
	startProcess(t, "oauth2-proxy", cmd, rpURL+"/ping")
	return rpURL
}

// cookieSecret is a fresh secret for oauth2-proxy's cookies: 32 characters,
// which it takes as 32 bytes.
func cookieSecret() string {
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	return hex.EncodeToString(secret)
}

// TestOAuth2Proxy puts oauth2-proxy, configured only with Vhod's issuer, in
// front of an application. In chromium a person signs in through it, allowing
// the app on the consent page, and the application gets who it is as headers
// with a live access token; signing out through oauth2-proxy and on at Vhod's
// end_session (no id_token_hint: Vhod may ask first) ends both sessions;
// oauth2-proxy answers its auth endpoint with X-Auth-Request-* headers and
// refreshes the tokens when the session is old enough.
func TestOAuth2Proxy(t *testing.T) {
	skipRealRPs(t)
	// Each has its own Vhod and relying party; together they overlap their waits.
	t.Parallel()
	bin := oauth2ProxyBinary(t)
	bob := newPerson(t)
	port := freePort(t)
	rpURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	secret := rand.Text()
	cfg := withClient(t, testConfig, "oauth2-proxy/client.yaml", map[string]string{"RP": rpURL, "CLIENT_SECRET": secret})
	srv := startServer(t, cfg)
	app := newEchoApp(t)
	startOAuth2Proxy(t, bin, port, srv.Issuer, app.URL, secret)
	introspect := func(token string) map[string]any {
		t.Helper()
		disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
		status, out := postForm(t, disc["introspection_endpoint"].(string), "proxy", secret, url.Values{"token": {token}})
		if status != http.StatusOK {
			t.Fatalf("introspection: %d %v", status, out)
		}
		return out
	}

	var first string
	t.Run("sign-in and headers", func(t *testing.T) {
		pages := bob.do(signIn(rpURL + "/app/"))[0]
		if !slices.Equal(pages, []string{"password", "consent"}) {
			t.Errorf("pages %v, want the password form, then consent (third-party client)", pages)
		}
		h := app.last(t, "/app/").Header
		want := map[string]string{"X-Forwarded-Email": "ivanov@example.com", "X-Forwarded-Preferred-Username": "ivanov"}
		for k, v := range want {
			if got := h.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		first = h.Get("X-Forwarded-Access-Token")
		ti := introspect(first)
		// oauth2-proxy names the user by the ID token's sub.
		if ti["active"] != true || ti["client_id"] != "proxy" || ti["sub"] == nil || h.Get("X-Forwarded-User") != ti["sub"] {
			t.Errorf("access token %v; X-Forwarded-User %q", ti, h.Get("X-Forwarded-User"))
		}
	})

	t.Run("RP-initiated logout", func(t *testing.T) {
		endSession := srv.Issuer + "/end_session?" + url.Values{"client_id": {"proxy"}, "post_logout_redirect_uri": {rpURL + "/bye"}}.Encode()
		// Signing out, then in again: Vhod's session ended too, so it asks for
		// the password (and not for consent, which it remembers).
		pages := bob.do(signOut(rpURL+"/oauth2/sign_out?rd="+url.QueryEscape(endSession), rpURL+"/bye"), signIn(rpURL+"/app/"))
		if !slices.Equal(pages[1], []string{"password"}) {
			t.Errorf("signing in again showed %v, want the password form only: Vhod's session survived the logout", pages[1])
		}
		t.Logf("signing out at Vhod without id_token_hint showed %v", pages[0])
		if ti := introspect(first); ti["active"] != false {
			t.Errorf("access token after logout: %v", ti)
		}
	})

	t.Run("auth endpoint and refresh", func(t *testing.T) {
		// From here on the Go client is the browser (chromium is not used again).
		c := bob.client()
		before := app.last(t, "/app/").Header.Get("X-Forwarded-Access-Token")
		resp, err := c.Get(rpURL + "/oauth2/auth")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != http.StatusAccepted || h.Get("X-Auth-Request-Email") != "ivanov@example.com" ||
			h.Get("X-Auth-Request-Preferred-Username") != "ivanov" || h.Get("X-Auth-Request-User") == "" ||
			h.Get("X-Auth-Request-Access-Token") == "" {
			t.Errorf("/oauth2/auth: %d %v", resp.StatusCode, h)
		}
		time.Sleep(proxyCookieRefresh + time.Second)
		status, loc, err := get(c, rpURL+"/app/later")
		if err != nil || status != http.StatusOK {
			t.Fatalf("after the session was due for refresh: %d %s %v", status, loc, err)
		}
		later := app.last(t, "/app/later").Header
		at := later.Get("X-Forwarded-Access-Token")
		if at == before || introspect(at)["active"] != true || later.Get("X-Forwarded-Email") != "ivanov@example.com" {
			t.Errorf("after refresh: same token %v, introspection %v, email %q", at == before, introspect(at), later.Get("X-Forwarded-Email"))
		}
	})
}
