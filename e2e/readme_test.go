package e2e

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// TestReadmeFrontDoor: the README starts with the two commands (.ci/run and
// CI rely on them), and its five-minute path works as written: the client of
// its YAML, given to `vhod dev --config`, signs the demo user in and gets an
// ID token by the code it is sent back with.
func TestReadmeFrontDoor(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	lines := strings.Split(readme, "\n")
	if len(lines) < 5 || lines[0] != "# Vhod" || lines[2] != "```sh" ||
		!strings.HasPrefix(lines[3], "go run ./cmd/vhod dev ") || !strings.HasPrefix(lines[4], "./scripts/test ") {
		t.Fatalf("the README must start with the title and the two commands, go run ./cmd/vhod dev and ./scripts/test:\n%s",
			strings.Join(lines[:min(len(lines), 6)], "\n"))
	}
	if n := len(lines); n > 160 {
		t.Errorf("the README has %d lines: it is the front door, keep it under ~150 and move detail to docs/", n)
	}
	if st, err := os.Stat(filepath.Join("..", "scripts", "test")); err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("./scripts/test, the README's test command, is missing or not executable: %v", err)
	}

	// The five-minute path's configuration, as the README shows it.
	_, after, ok := strings.Cut(readme, "## Five minutes to a first relying app")
	block := regexp.MustCompile("(?s)```yaml\n(.*?)\n *```").FindStringSubmatch(after)
	if !ok || block == nil {
		t.Fatal("the README's five-minute section with its YAML block is missing")
	}
	var cfg []string
	for _, l := range strings.Split(block[1], "\n") {
		cfg = append(cfg, strings.TrimPrefix(l, "   "))
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "myapp.yaml")
	if err := os.WriteFile(file, []byte(strings.Join(cfg, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, secret, redirect := yamlValue(t, cfg, "id"), yamlValue(t, cfg, "secret"), strings.Trim(yamlValue(t, cfg, "redirect_uris"), "[]")

	port := freePort(t)
	cmd := exec.CommandContext(t.Context(), binary, "dev", "--data-dir", filepath.Join(dir, "data"), "--listen", "127.0.0.1:"+itoa(port), "--config", file)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	issuer := "http://localhost:" + itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "vhod is serving") {
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("vhod dev --config with the README's file did not start:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	b := rptest.NewBrowser(redirect)
	b.Lang = "en"
	auth := issuer + "/authorize?" + url.Values{"client_id": {id}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"readme"}, "nonce": {"n-readme"}}.Encode()
	cb, err := b.SignIn(auth, "demo", "demo-password")
	if err != nil {
		t.Fatalf("signing in as the README says: %v", err)
	}
	if !strings.HasPrefix(cb.String(), redirect) || cb.Query().Get("code") == "" || cb.Query().Get("state") != "readme" {
		t.Fatalf("the sign-in came back to %s", cb)
	}
	status, tok := postForm(t, issuer+"/oauth/token", id, secret, url.Values{"grant_type": {"authorization_code"},
		"code": {cb.Query().Get("code")}, "redirect_uri": {redirect}})
	if status != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("token answer %d: %v", status, tok)
	}
	claims, _ := decodeSegment(strings.Split(tok["id_token"].(string), ".")[1])
	if claims["sub"] == nil || claims["amr"] == nil || claims["acr"] != "urn:vhod:acr:password" || claims["aud"] == nil {
		t.Fatalf("the ID token lacks what the README promises (sub, amr, acr): %v", claims)
	}
}

// yamlValue is the value of the first "key: value" line among lines.
func yamlValue(t *testing.T, lines []string, key string) string {
	t.Helper()
	for _, l := range lines {
		l = strings.TrimPrefix(strings.TrimSpace(l), "- ")
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			v, _, _ = strings.Cut(v, " #")
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("the README's YAML has no %s", key)
	return ""
}
