package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// dbServer is a `vhod db` process.
type dbServer struct {
	t      *testing.T
	dir    string
	listen string
	cmd    *exec.Cmd
	done   chan error
}

func startDB(t *testing.T, dir, listen string) *dbServer {
	t.Helper()
	if listen == "" {
		listen = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	}
	d := &dbServer{t: t, dir: dir, listen: listen, done: make(chan error, 1)}
	d.cmd = exec.Command(binary, "db", "--data-dir", dir, "--listen", listen)
	var out syncBuffer
	d.cmd.Stdout, d.cmd.Stderr = &out, &out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(d.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "embedded store serving") {
		if time.Now().After(deadline) {
			t.Fatalf("vhod db did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return d
}

func (d *dbServer) URI() string { return "mongodb://" + d.listen + "/" }

// Stop ends the database process (SIGKILL: an outage, not a shutdown).
func (d *dbServer) Stop() {
	if d.cmd.ProcessState != nil {
		return
	}
	_ = d.cmd.Process.Kill()
	<-d.done
}

// sharedConfig is testConfig on a shared database with a fixed issuer (the balancer).
func sharedConfig(issuer, dbURI, extra string) string {
	cfg := strings.Replace(testConfig, "issuer: http://127.0.0.1:{{PORT}}", "issuer: "+issuer, 1)
	cfg = strings.Replace(cfg, `database: {uri: "", name: vhod}`, `database: {uri: "`+dbURI+`", name: vhod, timeout: 1s}`, 1)
	return strings.Replace(cfg, "bootstrap:\n", extra+"bootstrap:\n", 1)
}

// balancer sends requests to its backends in turn, like a round-robin load balancer.
type balancer struct {
	backends []*url.URL
	next     atomic.Int64
	served   []atomic.Int64
}

func newBalancer(t *testing.T, ln net.Listener, backends ...string) *balancer {
	b := &balancer{served: make([]atomic.Int64, len(backends))}
	for _, s := range backends {
		u, _ := url.Parse(s)
		b.backends = append(b.backends, u)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		i := int(b.next.Add(1)) % len(b.backends)
		b.served[i].Add(1)
		pr.SetURL(b.backends[i])
		pr.Out.Host = pr.In.Host
	}}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return b
}

func randomMasterKey() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

func TestTwoInstancesOnOneDatabaseBehaveAsOne(t *testing.T) {
	db := startDB(t, t.TempDir(), "")
	lb, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + lb.Addr().String()
	extra := "maintenance: {interval: 1s}\nlimits: {window: 10m, signin_failures_per_account: 3}\n"
	cfg := sharedConfig(issuer, db.URI(), extra)
	env := []string{"VHOD_MASTER_KEY=" + randomMasterKey()}
	a := startServer(t, cfg, env...)
	b := startServer(t, cfg, env...)
	bal := newBalancer(t, lb, a.local(), b.local())

	// A whole relying-party sign-in through the balancer: every step alternates.
	srv := &server{t: t, Issuer: issuer}
	shop := shopRP(t, srv)
	br := rptest.NewBrowser("http://127.0.0.1:8765/")
	auth, code := shop.signIn(br, "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(auth, code)
	if _, err := shop.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if bal.served[0].Load() < 3 || bal.served[1].Load() < 3 {
		t.Fatalf("the balancer did not spread the flow: %d / %d requests", bal.served[0].Load(), bal.served[1].Load())
	}

	// A code issued by one instance is redeemed at the other, explicitly.
	auth = shop.authorization()
	p, err := br.Get(strings.Replace(auth.URL, issuer, a.local(), 1))
	if err != nil || p.Location == "" {
		t.Fatalf("SSO at instance A: %v %q", err, p.Location)
	}
	cb, _ := url.Parse(p.Location)
	code = shop.code(auth, cb)
	status, out := postForm(t, b.local()+"/oauth/token", "shop", "shop-secret", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:8765/callback"},
		"code_verifier": {auth.Verifier}})
	if status != http.StatusOK || out["id_token"] == nil {
		t.Fatalf("code from A redeemed at B: %d %v", status, out)
	}

	// DPoP: a nonce from A is good at B, and a proof spent at A is refused at B.
	key := newDPoPKey(t)
	auth = shop.authorization()
	p = mustGet(t, br, strings.Replace(auth.URL, issuer, a.local(), 1))
	cb, _ = url.Parse(p.Location)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {shop.code(auth, cb)}, "redirect_uri": {"http://127.0.0.1:8765/callback"},
		"code_verifier": {auth.Verifier}, "client_id": {"shop"}, "client_secret": {"shop-secret"}}
	resp, _ := call(t, "POST", a.local()+"/oauth/token", form, map[string]string{"DPoP": key.proof("POST", issuer+"/oauth/token", "", "")})
	resp, out = call(t, "POST", b.local()+"/oauth/token", form,
		map[string]string{"DPoP": key.proof("POST", issuer+"/oauth/token", resp.Header.Get("DPoP-Nonce"), "")})
	access, _ := out["access_token"].(string)
	if resp.StatusCode != http.StatusOK || out["token_type"] != "DPoP" {
		t.Fatalf("DPoP exchange at B with A's nonce: %d %v", resp.StatusCode, out)
	}
	proof := key.proof("GET", issuer+"/userinfo", "", access)
	auth2 := map[string]string{"Authorization": "DPoP " + access, "DPoP": proof}
	if resp, _ := call(t, "GET", a.local()+"/userinfo", nil, auth2); resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo at A with a proof: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "GET", b.local()+"/userinfo", nil, auth2); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the proof spent at A was accepted at B: %d", resp.StatusCode)
	}

	// A key rotated through one configuration is served by both instances.
	out2, err := runVhod(t, env, "keys", "rotate", "--config", a.Config, "--alg", "ES256")
	if err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out2)
	}
	kid := regexp.MustCompile(`ES256: new current key (\S+)`).FindStringSubmatch(out2)
	if kid == nil {
		t.Fatalf("rotate output: %s", out2)
	}
	for _, inst := range []*server{a, b} {
		deadline := time.Now().Add(20 * time.Second)
		for jwks(t, inst.local())[kid[1]] == "" {
			if time.Now().After(deadline) {
				t.Fatalf("instance %s does not serve the rotated key", inst.local())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	// A token signed with the new key by A verifies at B.
	status, out = postForm(t, a.local()+"/oauth/token", "shop", "shop-secret", url.Values{"grant_type": {"client_credentials"}})
	jwt, _ := out["access_token"].(string)
	if status != http.StatusOK || kidOf(t, jwt) != kid[1] {
		t.Fatalf("A did not sign with the rotated key: %d %v", status, out)
	}
	_, intro := postForm(t, b.local()+"/oauth/introspect", "shop", "shop-secret", url.Values{"token": {jwt}})
	if intro["active"] != true {
		t.Fatalf("B does not accept A's token signed with the rotated key: %v", intro)
	}

	// Failed sign-ins count across both instances.
	limited := rptest.NewBrowser("http://127.0.0.1:8765/")
	for i := range 4 {
		p, err := limited.Get(shop.authorization().URL)
		if err != nil {
			t.Fatal(err)
		}
		p, err = limited.Submit(p, "/password", url.Values{"login": {"+7 909 000 00 00"}, "password": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		want := http.StatusUnauthorized
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if p.Status != want {
			t.Fatalf("attempt %d: status %d, want %d", i+1, p.Status, want)
		}
	}

	// Background maintenance ran once per period, on one instance or the other.
	time.Sleep(2500 * time.Millisecond)
	slots := map[string]int{}
	re := regexp.MustCompile(`"msg":"maintenance ran","slot":"([^"]+)"`)
	for _, inst := range []*server{a, b} {
		for _, m := range re.FindAllStringSubmatch(inst.Log(), -1) {
			slots[m[1]]++
		}
	}
	if len(slots) < 2 {
		t.Fatalf("maintenance ran in %d periods", len(slots))
	}
	for slot, n := range slots {
		if n != 1 {
			t.Errorf("maintenance ran %d times in period %s", n, slot)
		}
	}
}

func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	dir := t.TempDir()
	db := startDB(t, dir, "")
	srv := startServer(t, strings.Replace(testConfig, `database: {uri: "", name: vhod}`,
		`database: {uri: "`+db.URI()+`", name: vhod, timeout: 1s}`, 1))
	shop := shopRP(t, srv)
	br := rptest.NewBrowser("http://127.0.0.1:8765/")
	a, code := shop.signIn(br, "ivanov", "S3cure-pass!")
	shop.exchange(a, code)

	db.Stop()
	// Client settings and revocations may be served from memory for up to a second.
	time.Sleep(1100 * time.Millisecond)
	timed := func(name string, f func() (int, string)) {
		t.Helper()
		start := time.Now()
		status, body := f()
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s took %s with the database down", name, took)
		}
		if status != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503: %.300s", name, status, body)
		}
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	timed("readyz", func() (int, string) { return get(srv.Issuer + "/readyz") })
	timed("token endpoint", func() (int, string) {
		status, out := postForm(t, srv.Issuer+"/oauth/token", "shop", "shop-secret", url.Values{"grant_type": {"client_credentials"}})
		if out["error"] != "temporarily_unavailable" {
			t.Errorf("token error %v", out["error"])
		}
		return status, fmt.Sprint(out)
	})
	timed("token endpoint headers", func() (int, string) {
		resp, err := http.PostForm(srv.Issuer+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {"shop"}, "client_secret": {"shop-secret"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Retry-After": "5"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("503 answer: %s %q, want %q", k, got, want)
			}
		}
		return resp.StatusCode, string(b)
	})
	timed("authorize page", func() (int, string) {
		p, err := rptest.NewBrowser("http://127.0.0.1:8765/").Get(shop.authorization().URL)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Body, "временно недоступен") {
			t.Errorf("no clear message on the page: %.300s", p.Body)
		}
		return p.Status, p.Body
	})
	timed("sign-in page of a started flow", func() (int, string) {
		p, err := br.Get(srv.Issuer + "/login/ANYFLOW?authRequestID=x")
		if err != nil {
			t.Fatal(err)
		}
		return p.Status, p.Body
	})

	// The database returns on the same address: Vhod recovers without a restart.
	startDB(t, dir, db.listen)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if status, _ := get(srv.Issuer + "/readyz"); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after the database returned\n%s", srv.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	a, code = shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	shop.exchange(a, code)
}

func TestMetricsAfterASignIn(t *testing.T) {
	admin := "127.0.0.1:" + itoa(freePort(t))
	srv := startServer(t, withMetricsListen(testConfig, admin))
	shop := shopRP(t, srv)
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	shop.exchange(a, code)
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`vhod_http_requests_total{method="POST",route="/oauth/token",status="200"} 1`,
		`vhod_http_requests_total{method="POST",route="/login/{flow}/password",status="303"} 1`,
		`vhod_http_request_duration_seconds_bucket{route="/authorize",le=`,
		`vhod_signins_total{method="password",outcome="success"} 1`,
		`vhod_tokens_issued_total{grant="authorization_code"} 1`,
		`vhod_db_operation_duration_seconds_count{command="insert",outcome="ok"}`,
		`vhod_notifications_total{channel="sms",outcome="failed"} 0`,
		`vhod_notifications_total{channel="email",outcome="sent"} 0`,
		`vhod_notifications_total{channel="sms",outcome="retried"} 0`,
		`vhod_outbox_depth 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestConfigShowMasksSecrets(t *testing.T) {
	path := t.TempDir() + "/vhod.yaml"
	cfg := strings.Replace(testConfig, `database: {uri: "", name: vhod}`, `database: {uri: "mongodb://vhod:p4ssw0rd@db:27017/", name: vhod}`, 1)
	cfg = strings.NewReplacer("{{PORT}}", "9", "{{DATA}}", t.TempDir()).Replace(cfg)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runVhod(t, []string{"VHOD_LOG_LEVEL=warn"}, "config", "show", "--config", path)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, secret := range []string{"shop-secret", "S3cure-pass!", "p4ssw0rd"} {
		if strings.Contains(out, secret) {
			t.Errorf("config show printed %q", secret)
		}
	}
	for _, want := range []string{"level: warn", "timeout: 5s", "access_token_lifetime: 15m0s", "secret: '*****'"} {
		if !strings.Contains(out, want) {
			t.Errorf("config show lacks %q:\n%s", want, out)
		}
	}
}

// local is the instance's own address, bypassing any balancer.
func (s *server) local() string {
	if s.addr != "" {
		return s.addr
	}
	return s.Issuer
}

// A crash in the middle of a sign-in loses nothing that was stored: after a restart
// the person continues the very same flow.
func TestCrashMidSignInLosesNothing(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	br := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p, err := br.Get(a.URL)
	if err != nil || !strings.Contains(p.Body, `name="password"`) {
		t.Fatalf("no sign-in page: %v", err)
	}
	srv.Kill()
	srv.Restart()
	p, err = br.Submit(p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("the flow did not survive the crash: status %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))
}
