package e2e

// What the tests with real relying parties share (realrp_apache_test.go,
// realrp_oauth2proxy_test.go, realrp_nginx_test.go, realrp_authlib_test.go;
// their configurations in testdata/integrations, see realrp_config_test.go):
// an upstream application that echoes the headers the relying party hands
// it, starting and stopping the relying party's process, a person's steps in
// chromium, and an HTTP client holding that person's cookies.

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// oauth2ProxyVersion is the oauth2-proxy release the tests run; scripts/test-deps
// reads it from this line to build the binary.
const oauth2ProxyVersion = "v7.8.1"

// skipRealRPs honours VHOD_SKIP_RP_TESTS=1 (a machine without Apache, nginx,
// oauth2-proxy or Debian's Authlib); .ci/run never sets it, so CI always runs
// these tests.
func skipRealRPs(t *testing.T) {
	t.Helper()
	if os.Getenv("VHOD_SKIP_RP_TESTS") == "1" {
		t.Skip("VHOD_SKIP_RP_TESTS=1")
	}
}

// requireChromium fails, as TestBrowser does, when chromium or playwright-core is
// missing, and returns chromium's path.
func requireChromium(t *testing.T) string {
	t.Helper()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the relying-party tests sign in with chromium at %s: apt-get install chromium (scripts/test-deps does), or VHOD_SKIP_RP_TESTS=1: %v", chromium, err)
	}
	if _, err := os.Stat("browser/node_modules/playwright-core"); err != nil {
		t.Fatalf("the relying-party tests need playwright-core: npm ci --prefix e2e/browser (scripts/test-deps does): %v", err)
	}
	return chromium
}

// echoApp is the application behind the relying party: it answers every request
// with the headers it got (in <pre id=echo>) and keeps them for the test.
type echoApp struct {
	URL  string
	mu   sync.Mutex
	seen []echoed
}

// echoed is one request that reached the application.
type echoed struct {
	Path   string
	Header http.Header
}

func newEchoApp(t *testing.T) *echoApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &echoApp{URL: "http://" + ln.Addr().String()}
	hs := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return a
}

func (a *echoApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, echoed{Path: r.URL.Path, Header: r.Header.Clone()})
	a.mu.Unlock()
	b, _ := json.MarshalIndent(r.Header, "", "  ")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>app</title><pre id=echo>%s</pre>", html.EscapeString(string(b)))
}

// last is the latest request that reached the application with path prefix.
func (a *echoApp) last(t *testing.T, prefix string) echoed {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.seen) - 1; i >= 0; i-- {
		if strings.HasPrefix(a.seen[i].Path, prefix) {
			return a.seen[i]
		}
	}
	t.Fatalf("no request for %s reached the application", prefix)
	return echoed{}
}

// saw says whether a request for path reached the application.
func (a *echoApp) saw(path string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.ContainsFunc(a.seen, func(e echoed) bool { return e.Path == path })
}

// rpProcess is a relying party running as a child process.
type rpProcess struct {
	name string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan error
}

// startProcess runs cmd until the test ends, and waits until ready answers
// (any HTTP status) or the process exits.
func startProcess(t *testing.T, name string, cmd *exec.Cmd, ready string) *rpProcess {
	t.Helper()
	p := &rpProcess{name: name, cmd: cmd, log: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	// Its own process group, so that stopping it reaches its children too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(p.stop)
	client := &http.Client{Timeout: 2 * time.Second, CheckRedirect: noRedirects}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s exited during start-up: %v\n%s", name, err, p.log)
		default:
		}
		if resp, err := client.Get(ready); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer at %s\n%s", name, ready, p.log)
	return nil
}

// stop sends SIGTERM to the process group and waits, then kills it.
func (p *rpProcess) stop() {
	if p.cmd.Process == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// person is someone using a relying party in chromium. Each step is one run of
// e2e/browser/rp.mjs; the cookies live in a Playwright storage-state file between
// steps, so the next step (and the test's HTTP client) is the same browser.
type person struct {
	t        *testing.T
	chromium string
	state    string
}

func newPerson(t *testing.T) *person {
	return &person{t: t, chromium: requireChromium(t), state: filepath.Join(t.TempDir(), "browser-state.json")}
}

// browserStep is one thing the person does in chromium (see rp.mjs): open URL
// and act on Vhod's pages (sign in as Login with Password, or confirm signing
// out) until the address starts with Until.
type browserStep struct {
	Step     string `json:"step"`
	URL      string `json:"url"`
	Until    string `json:"until"`
	Login    string `json:"login,omitempty"`
	Password string `json:"password,omitempty"`
}

// signIn is the step of signing in as ivanov, starting at url and ending there.
func signIn(url string) browserStep {
	return browserStep{Step: "signin", URL: url, Until: url, Login: "ivanov", Password: "S3cure-pass!"}
}

// signOut is the step of opening url, confirming when Vhod asks, and landing at until.
func signOut(url, until string) browserStep {
	return browserStep{Step: "signout", URL: url, Until: until}
}

// do runs steps in one chromium and returns, for each, the pages of Vhod it
// acted on ("password", "consent", "logout-confirmation").
func (p *person) do(steps ...browserStep) [][]string {
	p.t.Helper()
	plan, _ := json.Marshal(steps)
	ctx, cancel := context.WithTimeout(p.t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "browser/rp.mjs", p.state, string(plan))
	cmd.Env = append(os.Environ(), "CHROMIUM="+p.chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		p.t.Fatalf("chromium %s: %v\n%s%s", plan, err, out, stderr.String())
	}
	var pages [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var res struct{ Pages []string }
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			p.t.Fatalf("chromium %s: %v in %q", plan, err, out)
		}
		pages = append(pages, res.Pages)
	}
	if len(pages) != len(steps) {
		p.t.Fatalf("chromium did %d of %d steps: %s", len(pages), len(steps), out)
	}
	return pages
}

// client is an HTTP client with the browser's cookies now, which does not follow
// redirects: the relying party answers 200 while its session lives, a redirect
// to Vhod once it is gone.
func (p *person) client() *http.Client {
	p.t.Helper()
	b, err := os.ReadFile(p.state)
	if err != nil {
		p.t.Fatal(err)
	}
	var st struct {
		Cookies []struct {
			Name, Value, Domain, Path string
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		p.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	for _, c := range st.Cookies {
		u := &url.URL{Scheme: "http", Host: strings.TrimPrefix(c.Domain, "."), Path: "/"}
		jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: c.Path}})
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: noRedirects}
}

// cookie is the value of the browser's cookie called name ("" when it has none).
func (p *person) cookie(name string) string {
	p.t.Helper()
	u, _ := url.Parse("http://127.0.0.1/")
	for _, c := range p.client().Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// get requests u with c as a browser would and returns the status and the
// Location header. (mod_auth_openidc answers 401 rather than send to Vhod a
// request that does not accept HTML.)
func get(c *http.Client, u string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

// acceptHTML makes a Go client's requests look like a browser's to the relying party.
type acceptHTML struct{}

func (acceptHTML) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "text/html")
	return http.DefaultTransport.RoundTrip(r)
}

// eventually retries check every 200 ms until it returns nil or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
