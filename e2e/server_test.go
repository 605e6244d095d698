// Package e2e drives the real vhod binary over HTTP, as relying parties and browsers do.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vhod-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "vhod")
	build := exec.Command("go", "build", "-o", binary, "../cmd/vhod")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build vhod:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running vhod process.
type server struct {
	t      *testing.T
	Issuer string
	// addr is where this process listens, when the issuer is a balancer in front.
	addr    string
	DataDir string
	Config  string
	cmd     *exec.Cmd
	log     *syncBuffer
	done    chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testConfig is the base config; {{PORT}} and {{DATA}} are filled in.
const testConfig = `
issuer: http://127.0.0.1:{{PORT}}
listen: 127.0.0.1:{{PORT}}
data_dir: {{DATA}}
database: {uri: "", name: vhod}
log: {format: json, level: debug}
passwords: {memory_kib: 8192, iterations: 1, parallelism: 1}
bootstrap:
  clients:
    - id: shop
      secret: shop-secret
      name: Shop
      redirect_uris: [http://127.0.0.1:8765/callback]
      post_logout_redirect_uris: [http://127.0.0.1:8765/]
      grant_types: [authorization_code, refresh_token, client_credentials]
      auth_method: client_secret_basic
      access_token_format: jwt
      first_party: true
    - id: portal
      secret: portal-secret
      name: Portal
      redirect_uris: [http://127.0.0.1:8766/callback]
      auth_method: client_secret_post
      signing_alg: RS256
      first_party: true
      id_token_userinfo_claims: true
    - id: partner
      secret: partner-secret
      name: Partner App
      redirect_uris: [http://127.0.0.1:8767/callback]
      signing_alg: EdDSA
    - id: spa
      public: true
      redirect_uris: [http://127.0.0.1:8765/callback]
  users:
    - login: ivanov
      password: "S3cure-pass!"
      email: ivanov@example.com
      phone: "+79090000000"
      family_name: Иванов
      given_name: Иван
      middle_name: Иванович
`

// startServer runs vhod serve with cfg (testConfig when empty) in a new data dir.
func startServer(t *testing.T, cfg string, env ...string) *server {
	t.Helper()
	return startServerIn(t, t.TempDir(), cfg, env...)
}

func startServerIn(t *testing.T, dataDir, cfg string, env ...string) *server {
	t.Helper()
	s := prepare(t, dataDir, cfg, env...)
	s.start()
	return s
}

// Restart stops the process and starts it again with the same config and data.
func (s *server) Restart(env ...string) {
	s.t.Helper()
	s.Stop()
	s.cmd = exec.Command(binary, "serve", "--config", s.Config)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.done = make(chan error, 1)
	s.start()
}

func (s *server) start() {
	t := s.t
	t.Helper()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			t.Fatalf("vhod exited during start-up: %v\n%s", err, s.log)
		default:
		}
		resp, err := http.Get(s.local() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("vhod did not become ready\n%s", s.log)
}

// prepare writes the config and builds the command without starting it.
func prepare(t *testing.T, dataDir, cfg string, env ...string) *server {
	t.Helper()
	if cfg == "" {
		cfg = testConfig
	}
	port := freePort(t)
	cfg = strings.ReplaceAll(cfg, "{{PORT}}", fmt.Sprint(port))
	cfg = strings.ReplaceAll(cfg, "{{DATA}}", dataDir)
	path := filepath.Join(t.TempDir(), "vhod.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, Issuer: fmt.Sprintf("http://127.0.0.1:%d", port), DataDir: dataDir, Config: path,
		log: &syncBuffer{}, done: make(chan error, 1)}
	// An issuer on localhost (passkeys need a domain as their RP ID; Chromium
	// counts http://localhost as a secure context) is this process too.
	if local := fmt.Sprintf("http://localhost:%d", port); strings.Contains(cfg, "issuer: "+local+"\n") {
		s.Issuer = local
	} else if !strings.Contains(cfg, "issuer: "+s.Issuer+"\n") {
		s.addr = s.Issuer
	}
	s.cmd = exec.Command(binary, "serve", "--config", path)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	return s
}

// Stop sends SIGTERM and waits for a clean exit.
func (s *server) Stop() {
	if s.cmd.ProcessState != nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("vhod exited with %v\n%s", err, s.log)
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Errorf("vhod did not stop on SIGTERM\n%s", s.log)
	}
}

// Kill ends the process at once, as a crash would.
func (s *server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Log is what the process printed so far.
func (s *server) Log() string { return s.log.String() }

// runVhod runs a one-shot vhod command and returns its combined output.
func runVhod(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
