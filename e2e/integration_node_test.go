package e2e

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// nodeExample is the Node example's folder, from e2e/.
const nodeExample = "../examples/node-openid-client"

// nodeExampleReady makes sure node can run the Node example: its
// node_modules are installed with npm ci from its lock file when missing
// (scripts/test-deps does the same). Node and npm come with the browser
// tests' dependencies, so VHOD_SKIP_BROWSER_TESTS=1 leaves this test out too.
func nodeExampleReady(t *testing.T) {
	t.Helper()
	if os.Getenv("VHOD_SKIP_BROWSER_TESTS") == "1" {
		t.Skip("VHOD_SKIP_BROWSER_TESTS=1: node and npm are the browser tests' dependencies")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("the Node example needs node (apt-get install nodejs; scripts/test-deps does), or VHOD_SKIP_BROWSER_TESTS=1: %v", err)
	}
	if _, err := os.Stat(nodeExample + "/node_modules/openid-client"); err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	npm := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	npm.Dir = nodeExample
	if out, err := npm.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in examples/node-openid-client: %v\n%s", err, out)
	}
}

// TestNodeOpenIDClientExample runs examples/node-openid-client, the program
// docs/en/integrations/node.md shows, against Vhod configured with the
// guide's client file (examples/node-openid-client/vhod.yaml). A person signs
// in through it (password, then the company choice); the app checked the ID
// token (openid-client, with the signature against Vhod's JWKS) and shows its
// claims: the company, the roles of the app's catalogue, every company, acr
// and amr. Its role check lets an editor in and keeps a person without a
// company out; signing out through the app ends Vhod's session too and comes
// back to the app. Started again with ACR_VALUES asking for a qualified
// certificate, it sends the person straight to Vhod's certificate page and
// takes that sign-in.
func TestNodeOpenIDClientExample(t *testing.T) {
	nodeExampleReady(t)
	appURL := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	cfg, secret := exampleConfig(t, "examples/node-openid-client/vhod.yaml", appURL)
	srv := startServer(t, cfg)
	cmd := exec.Command("node", "app.mjs")
	cmd.Dir = nodeExample
	cmd.Env = append(os.Environ(), "ISSUER="+srv.Issuer, "CLIENT_ID=node-app", "CLIENT_SECRET="+secret, "APP_URL="+appURL)
	app := startProcess(t, "node-openid-client", cmd, appURL+"/")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the Node app's log:\n%s", app.log)
		}
	})

	b := rptest.NewBrowser("")
	p := signInThroughApp(t, b, appURL+"/login", "ivanov", "S3cure-pass!", "romashka")
	if p.URL.String() != appURL+"/" || !strings.Contains(p.Body, "Signed in as Иванов Иван Иванович for ООО «Ромашка»") {
		t.Fatalf("after sign-in: %s %d %.600s", p.URL, p.Status, p.Body)
	}
	checkExampleClaims(t, shownClaims(t, p), "node-app")
	t.Logf("the ID token's claims as the app got them:\n%s", html.UnescapeString(claimsPre.FindStringSubmatch(p.Body)[1]))

	if e := mustGet(t, b, appURL+"/edit"); e.Status != http.StatusOK || !strings.Contains(e.Body, "Editing for ООО «Ромашка»") {
		t.Errorf("an editor at /edit: %d %.300s", e.Status, e.Body)
	}

	p = mustSubmit(t, b, p, "/logout", nil)
	if p.URL.String() != appURL+"/" || !strings.Contains(p.Body, "Sign in with Vhod") {
		t.Fatalf("after signing out: %s %d %.600s", p.URL, p.Status, p.Body)
	}
	if again := mustGet(t, b, appURL+"/login"); !strings.Contains(again.Body, `name="password"`) {
		t.Errorf("signing in again did not ask for the password: Vhod's session survived (%s %.300s)", again.URL, again.Body)
	}

	b2 := rptest.NewBrowser("")
	p = signInThroughApp(t, b2, appURL+"/login", "petrov", "Petrov-pass-1", "")
	if claims := shownClaims(t, p); claims["org"] != nil || claims["roles"] != nil {
		t.Errorf("petrov has no company, yet org %v roles %v", claims["org"], claims["roles"])
	}
	if e := mustGet(t, b2, appURL+"/edit"); e.Status != http.StatusForbidden {
		t.Errorf("a person without the role at /edit: %d %.300s", e.Status, e.Body)
	}
	// ACR_VALUES: the app asks for a qualified certificate, Vhod shows its
	// certificate page at once, and the app accepts the token it gets.
	app.stop()
	cmd = exec.Command("node", "app.mjs")
	cmd.Dir = nodeExample
	cmd.Env = append(os.Environ(), "ISSUER="+srv.Issuer, "CLIENT_ID=node-app", "CLIENT_SECRET="+secret, "APP_URL="+appURL, "ACR_VALUES="+qualifiedAcr)
	app = startProcess(t, "node-openid-client with ACR_VALUES", cmd, appURL+"/")
	p = certificateThroughApp(t, rptest.NewBrowser(""), appURL+"/login")
	if claims := shownClaims(t, p); claims["acr"] != qualifiedAcr || claims["org"] != nil {
		t.Errorf("after the certificate sign-in the app shows acr %v, org %v", claims["acr"], claims["org"])
	}
}
