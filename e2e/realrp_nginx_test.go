package e2e

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// nginxBinary is Debian's nginx (scripts/test-deps installs it).
const nginxBinary = "/usr/sbin/nginx"

// The guide docs/en/integrations/nginx-oauth2-proxy.md shows the three files
// of testdata/integrations/nginx: the Vhod client (client.yaml), oauth2-proxy
// answering nginx's auth_request (oauth2-proxy.cfg) and nginx in front of the
// application (nginx.conf).

// requireNginx fails, as requireApache does, when nginx is missing.
func requireNginx(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(nginxBinary); err != nil {
		t.Fatalf("the nginx test needs nginx: apt-get install nginx (scripts/test-deps does), or VHOD_SKIP_RP_TESTS=1: %v", err)
	}
}

// startNginx runs nginx in the foreground on port with the guide's nginx.conf
// in a temporary directory: everything it writes (pid, log, temporary files)
// is there, so it needs no root. As root it must name the user its workers
// run as (nginx's default, nobody, has no group of that name on Debian).
func startNginx(t *testing.T, port int, oauth2Proxy, app string) (rpURL string) {
	t.Helper()
	dir := t.TempDir()
	rpURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	user := ""
	if os.Geteuid() == 0 {
		user = "user www-data;"
	}
	conf := integrationFile(t, "nginx/nginx.conf", map[string]string{"DIR": dir, "USER": user, "PORT": fmt.Sprint(port),
		"OAUTH2_PROXY": oauth2Proxy, "APP": app})
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// -e: the log of the start-up, before nginx has read error_log, goes to
	// stderr rather than /var/log/nginx.
	cmd := exec.Command(nginxBinary, "-p", dir, "-c", path, "-e", "stderr", "-g", "daemon off;")
	startProcess(t, "nginx", cmd, rpURL+"/ping")
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx error.log:\n%s", b)
		}
	})
	return rpURL
}

// TestNginxOAuth2Proxy puts nginx in front of an application, asking
// oauth2-proxy (reverse-proxy mode, configured only with Vhod's issuer) with
// auth_request whether each request may pass. A person signs in through it,
// and the application gets who signed in as headers nginx sets, whatever the
// browser sent under those names; a browser without the session is sent to
// Vhod; the session refreshes its tokens through nginx.
func TestNginxOAuth2Proxy(t *testing.T) {
	skipRealRPs(t)
	// Each has its own Vhod and relying party; together they overlap their waits.
	t.Parallel()
	requireNginx(t)
	bin := oauth2ProxyBinary(t)
	port, proxyPort := freePort(t), freePort(t)
	rpURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	proxyURL := fmt.Sprintf("http://127.0.0.1:%d", proxyPort)
	secret := rand.Text()
	srv := startServer(t, withClient(t, testConfig, "nginx/client.yaml", map[string]string{"RP": rpURL, "CLIENT_SECRET": secret}))
	app := newEchoApp(t)

	conf := integrationFile(t, "nginx/oauth2-proxy.cfg", map[string]string{"PROXY_PORT": fmt.Sprint(proxyPort),
		"ISSUER": srv.Issuer, "RP": rpURL, "COOKIE_REFRESH": proxyCookieRefresh.String()})
	path := filepath.Join(t.TempDir(), "oauth2-proxy.cfg")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// As in TestOAuth2Proxy, plain HTTP on 127.0.0.1 cannot keep a Secure cookie.
	cmd := exec.Command(bin, "--config="+path, "--cookie-secure=false")
	cmd.Env = append(os.Environ(), "OAUTH2_PROXY_CLIENT_SECRET="+secret, "OAUTH2_PROXY_COOKIE_SECRET="+cookieSecret())
	startProcess(t, "oauth2-proxy", cmd, proxyURL+"/ping")
	startNginx(t, port, proxyURL, app.URL)

	introspect := func(token string) map[string]any {
		t.Helper()
		disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
		status, out := postForm(t, disc["introspection_endpoint"].(string), "intranet", secret, url.Values{"token": {token}})
		if status != http.StatusOK {
			t.Fatalf("introspection: %d %v", status, out)
		}
		return out
	}
	// fetch requests path through nginx with c, with extra headers, as a browser would.
	fetch := func(c *http.Client, path string, header http.Header) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, rpURL+path, nil)
		req.Header = header.Clone()
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp
	}

	// The Go client is the browser: it follows redirects up to oauth2-proxy's callback.
	b := rptest.NewBrowserWith(rpURL+"/oauth2/callback", acceptHTML{})
	c := &http.Client{Jar: b.Client.Jar, Timeout: 30 * time.Second, CheckRedirect: noRedirects}
	var first string

	t.Run("not signed in: sent to Vhod", func(t *testing.T) {
		resp := fetch(&http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirects}, "/app/", nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, srv.Issuer+"/authorize?") || !strings.Contains(loc, "client_id=intranet") {
			t.Fatalf("nginx answers %d, Location %q: want a redirect to Vhod's authorize for intranet", resp.StatusCode, loc)
		}
		if app.saw("/app/") {
			t.Error("the request reached the application before anyone signed in")
		}
	})

	t.Run("sign-in and headers", func(t *testing.T) {
		cb, err := b.SignIn(rpURL+"/app/welcome", "ivanov", "S3cure-pass!")
		if err != nil {
			t.Fatal(err)
		}
		// oauth2-proxy's callback sets its cookie and returns the person to
		// the page they asked for, which nginx now lets through.
		p, err := b.Get(cb.String())
		if err != nil || p.Status != http.StatusOK || p.URL.String() != rpURL+"/app/welcome" {
			t.Fatalf("after the callback: %v %+v", err, p)
		}
		h := app.last(t, "/app/welcome").Header
		want := map[string]string{"X-Email": "ivanov@example.com", "X-Preferred-Username": "ivanov"}
		for k, v := range want {
			if got := h.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		first = h.Get("X-Access-Token")
		ti := introspect(first)
		// oauth2-proxy names the user by the ID token's sub.
		if ti["active"] != true || ti["client_id"] != "intranet" || ti["sub"] == nil || h.Get("X-User") != ti["sub"] {
			t.Errorf("access token %v; X-User %q", ti, h.Get("X-User"))
		}
	})

	t.Run("headers from the browser are replaced", func(t *testing.T) {
		forged := http.Header{"X-User": {"mallory"}, "X-Email": {"mallory@example.com"},
			"X-Preferred-Username": {"mallory"}, "X-Access-Token": {"forged"}}
		if resp := fetch(c, "/app/forged", forged); resp.StatusCode != http.StatusOK {
			t.Fatalf("signed-in request: %d", resp.StatusCode)
		}
		h := app.last(t, "/app/forged").Header
		for k := range forged {
			if got := h.Values(k); len(got) != 1 || strings.Contains(got[0], "mallory") || got[0] == "forged" {
				t.Errorf("the application got %s: %q", k, got)
			}
		}
		// oauth2-proxy's own names (an application written for oauth2-proxy
		// alone reads X-Forwarded-User) never pass from the browser.
		theirs := http.Header{"X-Forwarded-User": {"mallory"}, "X-Forwarded-Email": {"mallory@example.com"},
			"X-Forwarded-Groups": {"admin"}, "X-Auth-Request-User": {"mallory"}, "X-Auth-Request-Email": {"mallory@example.com"}}
		if resp := fetch(c, "/app/forged-theirs", theirs); resp.StatusCode != http.StatusOK {
			t.Fatalf("signed-in request: %d", resp.StatusCode)
		}
		h = app.last(t, "/app/forged-theirs").Header
		for k := range theirs {
			if got := h.Values(k); len(got) != 0 {
				t.Errorf("the application got %s from the browser: %q", k, got)
			}
		}
		// And with the forged headers alone, no session: nginx asks Vhod.
		resp := fetch(&http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirects}, "/app/forged-alone", forged)
		if resp.StatusCode != http.StatusFound || app.saw("/app/forged-alone") {
			t.Errorf("forged headers without a session: %d, reached the application %v", resp.StatusCode, app.saw("/app/forged-alone"))
		}
	})

	t.Run("refresh through auth_request", func(t *testing.T) {
		// Once the session is older than cookie_refresh, oauth2-proxy refreshes
		// the tokens while answering auth_request; nginx hands its new cookie
		// to the browser with the application's answer.
		time.Sleep(proxyCookieRefresh + time.Second)
		resp := fetch(c, "/app/later", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("after the session was due for refresh: %d", resp.StatusCode)
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), "\n"), "_oauth2_proxy=") {
			t.Errorf("the refreshed session's cookie did not reach the browser: %v", resp.Header)
		}
		later := app.last(t, "/app/later").Header
		at := later.Get("X-Access-Token")
		if at == first || introspect(at)["active"] != true || later.Get("X-Email") != "ivanov@example.com" {
			t.Errorf("after refresh: same token %v, introspection %v, email %q", at == first, introspect(at), later.Get("X-Email"))
		}
	})
}
