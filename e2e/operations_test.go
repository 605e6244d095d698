package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

func jwks(t *testing.T, issuer string) map[string]string {
	t.Helper()
	resp, err := http.Get(issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, Alg string } `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range set.Keys {
		out[k.Kid] = k.Alg
	}
	return out
}

func TestKeyRotationKeepsOldTokensVerifiable(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	oldID, _ := tok.Extra("id_token").(string)
	before := jwks(t, srv.Issuer)
	if len(before) != 3 {
		t.Fatalf("want one key per algorithm, got %v", before)
	}

	srv.Stop()
	out, err := runVhod(t, nil, "keys", "rotate", "--config", srv.Config, "--alg", "ES256")
	if err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	if !strings.Contains(out, "ES256: new current key") {
		t.Fatalf("keys rotate said: %s", out)
	}
	srv.Restart()

	after := jwks(t, srv.Issuer)
	if len(after) != 4 {
		t.Fatalf("after rotation JWKS should hold the old and new ES256 keys: %v", after)
	}
	// A fresh verifier (new JWKS fetch) still accepts the token signed before rotation.
	fresh := oidc.NewVerifier(srv.Issuer, oidc.NewRemoteKeySet(t.Context(), srv.Issuer+"/keys"), &oidc.Config{ClientID: "shop", SupportedSigningAlgs: []string{"ES256", "RS256", "EdDSA"}})
	if _, err := fresh.Verify(t.Context(), oldID); err != nil {
		t.Fatalf("token signed before rotation: %v", err)
	}
	if got := shop.introspect(tok.AccessToken); got["active"] != true {
		t.Fatalf("JWT access token signed before rotation: %v", got)
	}
	a, code = shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	tok, _, _ = shop.exchange(a, code)
	newID, _ := tok.Extra("id_token").(string)
	if kidOf(t, newID) == kidOf(t, oldID) || before[kidOf(t, newID)] != "" {
		t.Fatal("new tokens are not signed with the new key")
	}
}

func TestWrongMasterKeyStopsStartUp(t *testing.T) {
	srv := startServer(t, "")
	srv.Stop()
	key, err := os.ReadFile(filepath.Join(srv.DataDir, "master.key"))
	if err != nil {
		t.Fatalf("master key file: %v", err)
	}
	info, _ := os.Stat(filepath.Join(srv.DataDir, "master.key"))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("master key mode %v, want 0600", info.Mode().Perm())
	}
	otherKey := make([]byte, 32)
	_, _ = rand.Read(otherKey)
	other := base64.StdEncoding.EncodeToString(otherKey)
	if strings.TrimSpace(string(key)) == other {
		t.Fatal("generated master key is all zeros")
	}
	out, err := runVhod(t, []string{"VHOD_MASTER_KEY=" + other}, "serve", "--config", srv.Config)
	if err == nil || !strings.Contains(out, "master key does not decrypt the stored signing keys") {
		t.Fatalf("wrong master key: err %v, output:\n%s", err, out)
	}
	out, err = runVhod(t, []string{"VHOD_MASTER_KEY=" + base64.StdEncoding.EncodeToString(make([]byte, 32))}, "serve", "--config", srv.Config)
	if err == nil || !strings.Contains(out, "placeholder") {
		t.Fatalf("a placeholder master key was accepted: %v\n%s", err, out)
	}
	// The right key from the environment works.
	srv.Restart("VHOD_MASTER_KEY=" + strings.TrimSpace(string(key)))
}

func TestInvalidConfigIsRefusedNamingTheKey(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":      {"issuer: http://127.0.0.1:1\nissuerr: x\n", "field issuerr not found"},
		"public http":      {"issuer: http://id.example.com\n", "issuer: \"http://id.example.com\" uses http on a public host"},
		"no issuer":        {"listen: 127.0.0.1:1\n", "issuer: is required"},
		"bad algorithm":    {"issuer: https://id.example.com\nkeys: {algorithm: HS256}\n", "keys.algorithm"},
		"bad client":       {"issuer: https://id.example.com\nbootstrap: {clients: [{id: 'a b', grant_types: [password]}]}\n", "bootstrap.clients[0].grant_types"},
		"public w/ secret": {"issuer: https://id.example.com\nbootstrap: {clients: [{id: x, public: true, secret: s3cret-s3cret, redirect_uris: [https://a/cb]}]}\n", "bootstrap.clients[0].public"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.NewReplacer(" ", "_", "/", "_").Replace(name)+".yaml")
			_ = os.WriteFile(path, []byte(tc.yaml), 0o600)
			out, err := runVhod(t, nil, "serve", "--config", path)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Fatalf("err %v, output %q, want it to name %q", err, out, tc.want)
			}
		})
	}
	// The environment overrides the file, and is validated the same way.
	path := filepath.Join(dir, "ok.yaml")
	_ = os.WriteFile(path, []byte("issuer: https://id.example.com\n"), 0o600)
	out, err := runVhod(t, []string{"VHOD_KEYS_ALGORITHM=none"}, "serve", "--config", path)
	if err == nil || !strings.Contains(out, "keys.algorithm: \"none\"") {
		t.Fatalf("env override not applied or not validated: %v %s", err, out)
	}
}

func TestBootstrapIsIdempotentAndUpdatesClients(t *testing.T) {
	srv := startServer(t, "")
	srv.Restart()
	if n := strings.Count(srv.Log(), "bootstrap: client created"); n != 5 {
		t.Errorf("%d clients created, want 5", n)
	}
	if strings.Contains(srv.Log(), "bootstrap: client changed") {
		t.Errorf("a restart with the same file saved clients again:\n%s", srv.Log())
	}
	if n := strings.Count(srv.Log(), "bootstrap: user created"); n != 1 {
		t.Errorf("user created %d times", n)
	}
	cfg, _ := os.ReadFile(srv.Config)
	changed := strings.Replace(string(cfg), "redirect_uris: [http://127.0.0.1:8765/callback]\n      post_logout",
		"redirect_uris: [http://127.0.0.1:8799/callback]\n      post_logout", 1)
	if err := os.WriteFile(srv.Config, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	moved := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8799/callback", oauth2.AuthStyleInHeader)
	a, code := moved.signIn(rptest.NewBrowser("http://127.0.0.1:8799/"), "ivanov", "S3cure-pass!")
	moved.exchange(a, code)
	p, _ := rptest.NewBrowser("http://127.0.0.1:8765/").Get(shopRP(t, srv).authorization().URL)
	if p.Location != "" {
		t.Fatalf("the old redirect URI still works: %s", p.Location)
	}
}

func TestSIGTERMStopsCleanly(t *testing.T) {
	srv := startServer(t, "")
	srv.Stop()
	if !strings.Contains(srv.Log(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", srv.Log())
	}
	if strings.Contains(srv.Log(), "S3cure-pass!") || strings.Contains(srv.Log(), "shop-secret") {
		t.Fatal("a secret reached the log")
	}
}

func TestDevCommandServesDemo(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), binary, "dev", "--data-dir", dir, "--listen", "127.0.0.1:"+itoa(port))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	base := "http://localhost:" + itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Demo user") {
		if time.Now().After(deadline) {
			t.Fatalf("dev did not start:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	b := rptest.NewBrowser("")
	p, err := b.Get(base + "/demo/login?ui_locales=en")
	if err != nil {
		t.Fatal(err)
	}
	p, err = b.Submit(p, "/password", map[string][]string{"login": {"demo"}, "password": {"demo-password"}})
	if err != nil {
		t.Fatal(err)
	}
	// The demo user belongs to two companies: the page asks which one.
	if !strings.Contains(p.Body, "Choose a company") || !strings.Contains(strings.ReplaceAll(p.Body, "\u00a0", " "), "ИП Сидорова А. В.") {
		t.Fatalf("no company choice: %.600s", p.Body)
	}
	if p, err = b.Submit(p, "/org", map[string][]string{"org": {"romashka"}}); err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="id-token-claims"`) || !strings.Contains(p.Body, "urn:vhod:acr:password") ||
		!strings.Contains(p.Body, "7728824599") || !strings.Contains(p.Body, "buyer") {
		t.Fatalf("demo page after sign-in (status %d): %.600s", p.Status, p.Body)
	}
	// The dev certificate authority's person signs in with `vhod sign`, as printed.
	if !strings.Contains(out.String(), "sign --key "+filepath.Join(dir, "dev-pki", "person.key")) {
		t.Fatalf("no signing command printed:\n%s", out.String())
	}
	b = rptest.NewBrowser("")
	b.Lang = "en"
	p = mustGet(t, b, base+"/demo/login?ui_locales=en")
	p = follow(t, b, p, certLinkRe)
	p = mustSubmit(t, b, p, "/certificate", map[string][]string{"signature": {
		vhodSign(t, p, filepath.Join(dir, "dev-pki", "person.key"), filepath.Join(dir, "dev-pki", "person.pem"), "")}})
	p = mustSubmit(t, b, p, "/certificate/confirm", nil)
	if !strings.Contains(p.Body, "urn:vhod:acr:certificate") || !strings.Contains(p.Body, "Сидоров") {
		t.Fatalf("demo page after certificate sign-in (status %d): %.600s", p.Status, p.Body)
	}
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h struct{ Kid string }
	_ = json.Unmarshal(b, &h)
	return h.Kid
}

func itoa(n int) string { return strconv.Itoa(n) }

// SIGTERM lets a request in flight finish: a two-second CPU profile on the admin
// listener is asked for, then the process is told to stop.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	admin := "127.0.0.1:" + strconv.Itoa(freePort(t))
	srv := startServer(t, strings.Replace(testConfig, "bootstrap:\n", "metrics: {listen: \""+admin+"\"}\nbootstrap:\n", 1))
	if resp, err := http.Get(srv.Issuer + "/debug/pprof/"); err != nil || resp.StatusCode == http.StatusOK {
		t.Fatalf("the public listener serves pprof: %v", err)
	} else {
		resp.Body.Close()
	}
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + admin + "/debug/pprof/profile?seconds=2")
		if err != nil {
			done <- result{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	srv.Stop()
	r := <-done
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("in-flight request: %v, status %d", r.err, r.status)
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("stopped after %s, before the request could finish", took)
	}
	if !strings.Contains(srv.Log(), "metrics and pprof on the admin listener") {
		t.Fatal("admin listener not announced")
	}
}
