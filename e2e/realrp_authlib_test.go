package e2e

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// debianPython is the interpreter the Authlib example runs on, with Debian's
// python3-authlib, python3-flask and python3-requests (scripts/test-deps
// installs them): not whatever python3 comes first in PATH (pyenv, a venv).
const debianPython = "/usr/bin/python3"

// The guide docs/en/integrations/python-authlib.md shows the application,
// examples/python-authlib/app.py, and its Vhod client,
// testdata/integrations/python-authlib/client.yaml ({{APP}} is the app).

// requireAuthlib fails, as requireApache does, when Debian's python3 or its
// modules are missing.
func requireAuthlib(t *testing.T) {
	t.Helper()
	out, err := exec.Command(debianPython, "-c", "import authlib, flask, requests").CombinedOutput()
	if err != nil {
		t.Fatalf("the Authlib test needs %s with Authlib, Flask and requests: apt-get install python3-authlib python3-flask python3-requests "+
			"(scripts/test-deps does), or VHOD_SKIP_RP_TESTS=1: %v %s", debianPython, err, out)
	}
}

// preBlock is the text of <pre id="id"> on a page of the example.
func preBlock(t *testing.T, body, id string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<pre id="` + id + `">(.*?)</pre>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no <pre id=%q> on the page: %.600s", id, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &out); err != nil {
		t.Fatalf("<pre id=%q>: %v in %s", id, err, m[1])
	}
	return out
}

// TestAuthlib runs the Flask application of examples/python-authlib, which
// signs in with Authlib's OpenID Connect client, on Debian's python3 against
// Vhod: it asks with PKCE (S256), state and nonce; a person signs in and
// allows it; the page shows the verified ID token's claims and the userinfo the
// access token fetched; signing out ends Vhod's session too.
func TestAuthlib(t *testing.T) {
	skipRealRPs(t)
	// Each has its own Vhod and relying party; together they overlap their waits.
	t.Parallel()
	requireAuthlib(t)
	port := freePort(t)
	appURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	secret := rand.Text()
	srv := startServer(t, withClient(t, testConfig, "python-authlib/client.yaml", map[string]string{"APP": appURL, "CLIENT_SECRET": secret}))

	cmd := exec.Command(debianPython, "../examples/python-authlib/app.py")
	cmd.Env = append(os.Environ(), "VHOD_ISSUER="+srv.Issuer, "VHOD_CLIENT_ID=flask", "VHOD_CLIENT_SECRET="+secret,
		"APP_URL="+appURL, "APP_SECRET_KEY="+rand.Text(), fmt.Sprintf("APP_LISTEN=127.0.0.1:%d", port))
	p := startProcess(t, "python3 app.py", cmd, appURL+"/")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("app.py's log:\n%s", p.log)
		}
	})

	t.Run("authorization request", func(t *testing.T) {
		c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirects}
		resp, err := c.Get(appURL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), srv.Issuer+"/authorize?") {
			t.Fatalf("/login: %d %v %v", resp.StatusCode, loc, err)
		}
		q := loc.Query()
		for k, want := range map[string]string{"client_id": "flask", "response_type": "code", "redirect_uri": appURL + "/callback",
			"code_challenge_method": "S256", "scope": "openid profile email org"} {
			if q.Get(k) != want {
				t.Errorf("%s = %q, want %q", k, q.Get(k), want)
			}
		}
		for _, k := range []string{"code_challenge", "state", "nonce"} {
			if q.Get(k) == "" {
				t.Errorf("the authorization request has no %s: %s", k, loc)
			}
		}
	})

	b := rptest.NewBrowserWith(appURL+"/callback", nil)
	t.Run("sign-in and claims", func(t *testing.T) {
		cb, err := b.SignIn(appURL+"/login", "ivanov", "S3cure-pass!")
		if err != nil {
			t.Fatal(err)
		}
		page, err := b.Get(cb.String())
		if err != nil || page.Status != http.StatusOK || page.URL.String() != appURL+"/" {
			t.Fatalf("after the callback: %v %+v", err, page)
		}
		claims := preBlock(t, page.Body, "claims")
		// The ID token says who and how; the profile is the userinfo's (the
		// client has no id_token_userinfo_claims).
		aud, _ := claims["aud"].([]any)
		amr, _ := claims["amr"].([]any)
		if claims["iss"] != srv.Issuer || !slices.Equal(aud, []any{"flask"}) || claims["acr"] != "urn:vhod:acr:password" ||
			!slices.Contains(amr, any("pwd")) || claims["nonce"] == nil || claims["sub"] == nil || claims["auth_time"] == nil {
			t.Errorf("ID token claims: %v", claims)
		}
		info := preBlock(t, page.Body, "userinfo")
		for k, want := range map[string]any{"sub": claims["sub"], "email": "ivanov@example.com", "preferred_username": "ivanov",
			"family_name": "Иванов", "middle_name": "Иванович"} {
			if info[k] != want {
				t.Errorf("userinfo %s = %v, want %v", k, info[k], want)
			}
		}
		if !strings.Contains(page.Body, "Signed in as Иванов Иван Иванович") {
			t.Errorf("the page does not name the person: %.300s", page.Body)
		}
	})

	t.Run("sign-out", func(t *testing.T) {
		home, err := b.Get(appURL + "/")
		if err != nil {
			t.Fatal(err)
		}
		// The form posts to the app, which sends the browser to Vhod's
		// end_session with the ID token as hint; Vhod signs out without
		// asking and sends it back to the app's start page.
		page, err := b.Submit(home, "/logout", nil)
		if err != nil || page.Status != http.StatusOK || page.URL.String() != appURL+"/" || !strings.Contains(page.Body, `id="signin"`) {
			t.Fatalf("after signing out: %v %+v", err, page)
		}
		// Vhod's session ended too: signing in again asks for the password.
		again, err := b.Get(appURL + "/login")
		if err != nil || !strings.Contains(again.Body, `name="password"`) {
			t.Errorf("signing in again: %v, status %d at %v, want the password form", err, again.Status, again.URL)
		}
		// A sign-out form without the app's token is refused.
		c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirects}
		resp, err := c.PostForm(appURL+"/logout", url.Values{"csrf": {"forged"}})
		if err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out without the form's token: %v %v", resp, err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	})
}
