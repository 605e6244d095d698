package e2e

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

const (
	apacheBinary = "/usr/sbin/apache2"
	apacheMods   = "/usr/lib/apache2/modules"
	// apacheTokenLifetime is Vhod's access token lifetime in this test, and
	// apacheRefreshBefore how long before its expiry mod_auth_openidc refreshes
	// it under /refreshing/: an access token older than 4 s is due.
	apacheTokenLifetime = 20 * time.Second
	apacheRefreshBefore = 16 * time.Second
)

// The Vhod client and the Apache configuration are the files the guide
// docs/en/integrations/apache.md shows: testdata/integrations/apache/client.yaml
// ({{RP}} is Apache) and vhod.conf, a whole Apache configuration of its own
// (nothing of /etc/apache2) with mod_auth_openidc in front of the echo
// application. /protected/ and /plain/ need a session; /refreshing/ also
// refreshes the access token when it is due, and ends the session when that
// fails; /loggedout is open.

// apache is a running Apache with mod_auth_openidc.
type apache struct {
	URL string
	dir string
	*rpProcess
}

// errorLog is what Apache and mod_auth_openidc logged.
func (a *apache) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(a.dir, "error.log"))
	return string(b)
}

// requireApache fails (as TestBrowser does for chromium) when Apache or
// mod_auth_openidc is missing, saying what to install.
func requireApache(t *testing.T) {
	t.Helper()
	for _, f := range []string{apacheBinary, apacheMods + "/mod_auth_openidc.so", apacheMods + "/mod_proxy_http.so"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("the mod_auth_openidc tests need Apache with mod_auth_openidc: apt-get install apache2 libapache2-mod-auth-openidc "+
				"(scripts/test-deps does), or VHOD_SKIP_RP_TESTS=1: %v", err)
		}
	}
}

// startApache runs apache2 in the foreground on port with a configuration
// written to a temporary directory. As root it must drop to another user
// (Debian's apache2 refuses to serve as root): www-data, which needs nothing of
// the directory since the parent opens the logs before it drops.
func startApache(t *testing.T, port int, issuer, app, clientSecret string) *apache {
	t.Helper()
	a := &apache{URL: fmt.Sprintf("http://127.0.0.1:%d", port), dir: t.TempDir()}
	user := ""
	if os.Geteuid() == 0 {
		user = "User www-data\nGroup www-data"
	}
	conf := integrationFile(t, "apache/vhod.conf", map[string]string{"DIR": a.dir, "PORT": fmt.Sprint(port), "USER": user,
		"MODS": apacheMods, "ISSUER": issuer, "RP": a.URL, "APP": app, "CLIENT_SECRET": clientSecret, "SECRET": rand.Text(),
		"BEFORE": fmt.Sprint(int(apacheRefreshBefore.Seconds()))})
	path := filepath.Join(a.dir, "httpd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(apacheBinary, "-f", path, "-DFOREGROUND")
	// apache2 reads its run-time directories from these (Debian's apache2ctl sets them).
	cmd.Env = append(os.Environ(), "APACHE_RUN_DIR="+a.dir, "APACHE_LOG_DIR="+a.dir, "APACHE_LOCK_DIR="+a.dir)
	a.rpProcess = startProcess(t, "apache2", cmd, a.URL+"/loggedout")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("apache error.log:\n%s", a.errorLog())
		}
	})
	return a
}

// TestApacheModAuthOpenIDC puts Apache with mod_auth_openidc, configured only
// from Vhod's discovery document, in front of an application. In chromium a
// person signs in through it and the application gets the claims as headers;
// signing out through mod_auth_openidc ends both Apache's and Vhod's sessions;
// signing out at Vhod ends Apache's session by back-channel logout; and
// mod_auth_openidc refreshes the access token, also when several requests find
// it due at once.
func TestApacheModAuthOpenIDC(t *testing.T) {
	skipRealRPs(t)
	// Each has its own Vhod and relying party; together they overlap their waits.
	t.Parallel()
	requireApache(t)
	alice := newPerson(t)
	port := freePort(t)
	rpURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	secret := rand.Text()
	cfg := withClient(t, testConfig, "apache/client.yaml", map[string]string{"RP": rpURL, "CLIENT_SECRET": secret})
	cfg = strings.Replace(cfg, "bootstrap:\n", fmt.Sprintf("tokens: {access_token_lifetime: %s}\nbootstrap:\n", apacheTokenLifetime), 1)
	srv := startServer(t, cfg)
	app := newEchoApp(t)
	web := startApache(t, port, srv.Issuer, app.URL, secret)
	introspect := func(token string) map[string]any {
		t.Helper()
		disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
		status, out := postForm(t, disc["introspection_endpoint"].(string), "apache", secret, url.Values{"token": {token}})
		if status != http.StatusOK {
			t.Fatalf("introspection: %d %v", status, out)
		}
		return out
	}
	// signedOut: Apache answers the session cookie with a redirect to Vhod.
	signedOut := func(c *http.Client, path string) error {
		status, loc, err := get(c, web.URL+path)
		if err != nil {
			return err
		}
		if status != http.StatusFound || !strings.HasPrefix(loc, srv.Issuer+"/authorize?") {
			return fmt.Errorf("Apache answers %d (Location %q), want a redirect to Vhod", status, loc)
		}
		return nil
	}

	var backchannelSID string
	t.Run("sign-in and claims", func(t *testing.T) {
		pages := alice.do(signIn(web.URL + "/protected/"))[0]
		if !slices.Equal(pages, []string{"password"}) {
			t.Errorf("pages %v, want the password form only (first-party client)", pages)
		}
		h := app.last(t, "/protected/").Header
		want := map[string]string{"OIDC_CLAIM_iss": srv.Issuer, "OIDC_CLAIM_aud": "apache", "OIDC_CLAIM_email": "ivanov@example.com",
			"OIDC_CLAIM_email_verified": "1", "OIDC_CLAIM_preferred_username": "ivanov", "OIDC_CLAIM_family_name": "Иванов",
			"OIDC_CLAIM_acr": "urn:vhod:acr:password"}
		for k, v := range want {
			if got := h.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		at := h.Get("OIDC_access_token")
		ti := introspect(at)
		if ti["active"] != true || ti["sub"] != h.Get("OIDC_CLAIM_sub") || h.Get("OIDC_CLAIM_sub") == "" || h.Get("OIDC_CLAIM_sid") == "" {
			t.Errorf("access token %v, sub %q, sid %q", ti, h.Get("OIDC_CLAIM_sub"), h.Get("OIDC_CLAIM_sid"))
		}
	})

	t.Run("RP-initiated logout", func(t *testing.T) {
		before := alice.client()
		at := app.last(t, "/protected/").Header.Get("OIDC_access_token")
		// Signing out, then in again: Vhod's session ended too, so it asks for
		// the password. mod_auth_openidc sends the ID token as id_token_hint, so
		// Vhod signs out without asking.
		pages := alice.do(signOut(web.URL+"/protected/redirect_uri?logout="+url.QueryEscape(web.URL+"/loggedout"), web.URL+"/loggedout"),
			signIn(web.URL+"/plain/"))
		if len(pages[0]) != 0 {
			t.Errorf("signing out through mod_auth_openidc (with id_token_hint) showed %v", pages[0])
		}
		if !slices.Contains(pages[1], "password") {
			t.Errorf("signed in again without the password form (%v): Vhod's session survived the logout", pages[1])
		}
		if err := signedOut(before, "/protected/"); err != nil {
			t.Error("Apache session after logout:", err)
		}
		if ti := introspect(at); ti["active"] != false {
			t.Errorf("access token after logout: %v", ti)
		}
	})

	t.Run("back-channel logout", func(t *testing.T) {
		c := alice.client()
		if status, loc, err := get(c, web.URL+"/plain/"); err != nil || status != http.StatusOK {
			t.Fatalf("Apache session: %d %s %v", status, loc, err)
		}
		backchannelSID = app.last(t, "/plain/").Header.Get("OIDC_CLAIM_sid")
		// Signing out at Vhod itself, without id_token_hint: Vhod may ask first
		// (then "Sign out" is pressed) and tells Apache on the back channel.
		alice.do(signOut(srv.Issuer+"/end_session", srv.Issuer+"/logged-out"))
		// /plain/ never refreshes, so only the logout token can end the session.
		eventually(t, 15*time.Second, "Apache's session ends by back-channel logout", func() error { return signedOut(c, "/plain/") })
	})

	t.Run("refresh", func(t *testing.T) {
		// The protocol steps with Vhod's forms filled over HTTP; the cookies stay in b.
		b := rptest.NewBrowserWith(web.URL+"/protected/redirect_uri", acceptHTML{})
		cb, err := b.SignIn(web.URL+"/refreshing/", "ivanov", "S3cure-pass!")
		if err != nil {
			t.Fatal(err)
		}
		if p, err := b.Get(cb.String()); err != nil || p.Status != http.StatusOK {
			t.Fatalf("callback: %v %+v", err, p)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("vhod's log of the refreshes and errors:\n%s", grepLines(srv.Log(), "refresh", `"level":"ERROR"`))
				t.Log("the concurrent refreshes pass only with Vhod's refresh-token grace period: " +
					"a refresh token its client presents again within 10 s gets a valid answer, the family is not revoked")
			}
		})
		c := &http.Client{Jar: b.Client.Jar, Timeout: 30 * time.Second, CheckRedirect: noRedirects}
		token := func(path string) string {
			t.Helper()
			status, loc, err := get(c, web.URL+path)
			if err != nil || status != http.StatusOK {
				t.Fatalf("GET %s: %d %s %v\n%s", path, status, loc, err, web.errorLog())
			}
			return app.last(t, path).Header.Get("OIDC_access_token")
		}
		due := apacheTokenLifetime - apacheRefreshBefore + time.Second
		first := token("/refreshing/first")

		// One refresh: a new access token, the session goes on.
		time.Sleep(due)
		second := token("/refreshing/second")
		if second == first || introspect(second)["active"] != true {
			t.Fatalf("after the token was due: same token %v, introspection %v", second == first, introspect(second))
		}

		// Several requests find the token due at once: mod_auth_openidc may send
		// the same refresh token several times within a second. Every request
		// must be served and the session must live on: Vhod answers a refresh
		// token presented again by its client within the grace period instead of
		// revoking the family.
		time.Sleep(due)
		const n = 8
		var wg sync.WaitGroup
		statuses := make([]string, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				path := fmt.Sprintf("/refreshing/burst-%d", i)
				status, loc, err := get(c, web.URL+path)
				statuses[i] = fmt.Sprintf("%d %s %v", status, loc, err)
				// mod_auth_openidc answers a failed refresh with its own
				// "Logged Out" page, also a 200: it must be the application's.
				if err == nil && status == http.StatusOK && app.saw(path) {
					statuses[i] = "served"
				}
			}()
		}
		close(start)
		wg.Wait()
		for i, s := range statuses {
			if s != "served" {
				t.Errorf("concurrent request %d with the token due: %s", i, s)
			}
		}
		third := token("/refreshing/after-burst")
		if third == second || introspect(third)["active"] != true {
			t.Errorf("after the concurrent refreshes: same token %v, introspection %v", third == second, introspect(third))
		}
		// The family was not revoked: the next refresh works as well.
		time.Sleep(due)
		fourth := token("/refreshing/later")
		if fourth == third || introspect(fourth)["active"] != true {
			t.Errorf("the refresh after the concurrent ones: same token %v, introspection %v", fourth == third, introspect(fourth))
		}
	})

	// Last, as it stops Vhod to read its audit log.
	t.Run("back-channel logout audited", func(t *testing.T) { checkBackchannelAudit(t, srv, "apache", backchannelSID) })
}

// checkBackchannelAudit stops Vhod and finds in its audit log that the logout
// token for sid reached client and was accepted (a 2xx on the first attempt).
func checkBackchannelAudit(t *testing.T, srv *server, client, sid string) {
	t.Helper()
	srv.Stop()
	out, err := runVhod(t, nil, "admin", "audit", "export", "--config", srv.Config)
	if err != nil {
		t.Fatalf("audit export: %v %s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		var e struct {
			Type, Outcome string
			ClientID      string `json:"client_id"`
			Details       map[string]string
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Type == "logout.backchannel" && e.ClientID == client && e.Details["sid"] == sid {
			if e.Outcome != "success" || e.Details["attempts"] != "1" {
				t.Errorf("back-channel logout to %s: %s", client, line)
			}
			return
		}
	}
	t.Errorf("no back-channel logout of sid %s audited:\n%s", sid, out)
}

// grepLines keeps the lines of s that contain any of subs.
func grepLines(s string, subs ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(l, sub) }) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
