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

// proxyClient is the Vhod client oauth2-proxy signs in with: a third party, so
// the person is asked to allow it; {{RP}} is oauth2-proxy.
const proxyClient = `    - id: proxy
      secret: proxy-secret
      name: Team wiki
      redirect_uris: [{{RP}}/oauth2/callback]
      post_logout_redirect_uris: [{{RP}}/bye]
      grant_types: [authorization_code, refresh_token]
      auth_method: client_secret_basic
      id_token_userinfo_claims: true
`

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

// startOAuth2Proxy runs oauth2-proxy on port in front of app, with the options a
// deployment in front of an internal app would use.
func startOAuth2Proxy(t *testing.T, bin string, port int, issuer, app string) string {
	t.Helper()
	rpURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	issuerURL, _ := url.Parse(issuer)
	cmd := exec.Command(bin,
		"--http-address=127.0.0.1:"+fmt.Sprint(port),
		"--provider=oidc", "--provider-display-name=Vhod", "--oidc-issuer-url="+issuer,
		"--client-id=proxy", "--client-secret=proxy-secret",
		"--redirect-url="+rpURL+"/oauth2/callback",
		"--scope=openid profile email offline_access", "--code-challenge-method=S256",
		"--upstream="+app+"/",
		"--cookie-secret="+hex.EncodeToString(secret), "--cookie-secure=false",
		"--cookie-refresh="+proxyCookieRefresh.String(),
		"--email-domain=*", "--skip-provider-button",
		"--pass-access-token", "--set-xauthrequest",
		// sign_out may send the browser on to Vhod's end_session; /bye is where Vhod sends it back.
		"--whitelist-domain="+issuerURL.Host, "--skip-auth-route=^/bye$",
	)
	startProcess(t, "oauth2-proxy", cmd, rpURL+"/ping")
	return rpURL
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
	cfg := strings.Replace(testConfig, "  clients:\n", "  clients:\n"+strings.ReplaceAll(proxyClient, "{{RP}}", rpURL), 1)
	srv := startServer(t, cfg)
	app := newEchoApp(t)
	startOAuth2Proxy(t, bin, port, srv.Issuer, app.URL)
	introspect := func(token string) map[string]any {
		t.Helper()
		disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
		status, out := postForm(t, disc["introspection_endpoint"].(string), "proxy", "proxy-secret", url.Values{"token": {token}})
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
