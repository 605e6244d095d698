package e2e

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// TestGoOIDCExample builds examples/go-oidc, the program
// docs/en/integrations/go.md shows, and runs it against Vhod configured with
// the guide's client file (examples/go-oidc/vhod.yaml). A person signs in
// through it (password, then the company choice); the app verified the ID
// token and shows its claims: the company, the roles of the app's catalogue,
// every company, acr and amr. Its role check lets an editor in and keeps a
// person without a company out; signing out through the app ends Vhod's
// session too (id_token_hint: no question asked) and comes back to the app.
// Started again with ACR_VALUES asking for a qualified certificate, it sends
// the person straight to Vhod's certificate page and takes that sign-in.
func TestGoOIDCExample(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "go-oidc")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "../examples/go-oidc")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build examples/go-oidc: %v\n%s", err, out)
	}
	appURL := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	cfg, secret := exampleConfig(t, "examples/go-oidc/vhod.yaml", appURL)
	srv := startServer(t, cfg)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ISSUER="+srv.Issuer, "CLIENT_ID=go-app", "CLIENT_SECRET="+secret, "APP_URL="+appURL)
	app := startProcess(t, "go-oidc", cmd, appURL+"/")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("go-oidc's log:\n%s", app.log)
		}
	})

	b := rptest.NewBrowser("")
	p := signInThroughApp(t, b, appURL+"/login", "ivanov", "S3cure-pass!", "romashka")
	if p.URL.String() != appURL+"/" || !strings.Contains(p.Body, "Signed in as Иванов Иван Иванович for ООО «Ромашка»") {
		t.Fatalf("after sign-in: %s %d %.600s", p.URL, p.Status, p.Body)
	}
	claims := shownClaims(t, p)
	checkExampleClaims(t, claims, "go-app")
	t.Logf("the ID token's claims as the app got them:\n%s", html.UnescapeString(claimsPre.FindStringSubmatch(p.Body)[1]))

	if e := mustGet(t, b, appURL+"/edit"); e.Status != http.StatusOK || !strings.Contains(e.Body, "Editing for ООО «Ромашка»") {
		t.Errorf("an editor at /edit: %d %.300s", e.Status, e.Body)
	}

	// Signing out: the app's session and Vhod's end, and the browser is back.
	p = mustSubmit(t, b, p, "/logout", nil)
	if p.URL.String() != appURL+"/" || !strings.Contains(p.Body, "Sign in with Vhod") {
		t.Fatalf("after signing out: %s %d %.600s", p.URL, p.Status, p.Body)
	}
	if again := mustGet(t, b, appURL+"/login"); !strings.Contains(again.Body, `name="password"`) {
		t.Errorf("signing in again did not ask for the password: Vhod's session survived (%s %.300s)", again.URL, again.Body)
	}

	// Someone in no company: no org claim, and the role check refuses.
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
	cmd = exec.Command(bin)
	cmd.Env = append(os.Environ(), "ISSUER="+srv.Issuer, "CLIENT_ID=go-app", "CLIENT_SECRET="+secret, "APP_URL="+appURL, "ACR_VALUES="+qualifiedAcr)
	app = startProcess(t, "go-oidc with ACR_VALUES", cmd, appURL+"/")
	p = certificateThroughApp(t, rptest.NewBrowser(""), appURL+"/login")
	if claims := shownClaims(t, p); claims["acr"] != qualifiedAcr || claims["org"] != nil {
		t.Errorf("after the certificate sign-in the app shows acr %v, org %v", claims["acr"], claims["org"])
	}
}
