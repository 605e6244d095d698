package login

import (
	"context"
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// The in-process harness of the login pages (dex's newTestServer pattern): a
// Handler mounted on a mux router behind an httptest.Server, over one embedded
// store shared by the package's tests (it starts once; each test keeps to its
// own users, client address and auth requests, so that counters and accounts
// of one test never meet another's), the directory over it, and fakes for the
// provider's callbacks and the message senders. A testBrowser is a cookie-jar
// client that carries the CSRF token of the pages it read.

var (
	sharedOnce  sync.Once
	sharedStore *mongo.Store
	sharedErr   error
	// serial makes identifiers and addresses unique within the test binary
	// (the database is new for every run).
	serial atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedStore != nil {
		ctx := context.Background()
		_ = sharedStore.DropDatabase(ctx)
		_ = sharedStore.Close(ctx)
	}
	os.Exit(code)
}

// testStore is the package's shared store, opened on first use.
func testStore(t *testing.T) *mongo.Store {
	t.Helper()
	uri := mongotest.URI(t)
	sharedOnce.Do(func() {
		sharedStore, sharedErr = mongo.Open(context.Background(), uri, "login_"+rand.Text()[:12], mongo.Options{})
		if sharedErr != nil {
			return
		}
		ctx := context.Background()
		for _, c := range []storage.Client{
			// shop is a third party: it needs the person's consent.
			{ID: "shop", Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"}, AuthMethod: "client_secret_basic"},
			// portal is first party: no consent page.
			{ID: "portal", Name: "Portal", RedirectURIs: []string{"https://portal.example/cb"}, AuthMethod: "client_secret_basic", FirstParty: true},
			// strict needs a certificate sign-in.
			{ID: "strict", Name: "Strict", RedirectURIs: []string{"https://strict.example/cb"}, AuthMethod: "client_secret_basic",
				FirstParty: true, MinACR: directory.ACRCertificate},
		} {
			if sharedErr = sharedStore.CreateClient(ctx, c); sharedErr != nil {
				return
			}
		}
	})
	if sharedErr != nil {
		t.Fatalf("shared store: %v", sharedErr)
	}
	return sharedStore
}

// next is a number unique within the test binary.
func next() int64 { return serial.Add(1) }

// testEnv is one login Handler over the shared store, served at srv.
type testEnv struct {
	t     *testing.T
	h     *Handler
	srv   *httptest.Server
	store *mongo.Store
	dir   *directory.Directory
	sent  *capture
	// ip is the client address of every request (its own per env, so that the
	// address's counters are the test's own).
	ip string
	// clock is the Handler's time; tests move it (advance) instead of sleeping.
	mu    sync.Mutex
	clock time.Time
}

var (
	passwordsOnce sync.Once
	passwords     *directory.Passwords
)

// newEnv builds the handler with SMS, email and the end-session endpoint on,
// and edit's changes to the configuration.
func newEnv(t *testing.T, edit func(*Config)) *testEnv {
	t.Helper()
	st := testStore(t)
	passwordsOnce.Do(func() {
		var err error
		passwords, err = directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
		if err != nil {
			panic(err)
		}
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := next()
	e := &testEnv{t: t, store: st, sent: newCapture(), ip: fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255),
		clock: time.Now().UTC()}
	e.dir = directory.New(st, passwords, log)
	e.dir.SetClock(e.now)
	texts, err := web.MailTexts()
	if err != nil {
		t.Fatal(err)
	}
	audit := directory.NewAuditor(st, log)
	cfg := Config{
		Notices: directory.NewChangeNotices(e.sent, e.sent, texts, audit, log),
		Issuer:  "http://vhod.test", FlowLifetime: 30 * time.Minute, SessionLifetime: time.Hour, CodeLifetime: time.Minute,
		CSRFKey: make([]byte, 32), DeviceKey: make([]byte, 32), OTPKey: make([]byte, 32),
		Callback: func(_ context.Context, id string) string { return "/callback?id=" + url.QueryEscape(id) },
		Deny: func(w http.ResponseWriter, r *http.Request, id, code string) {
			http.Redirect(w, r, "/denied?id="+url.QueryEscape(id)+"&error="+code, http.StatusSeeOther)
		},
		Audit:             audit,
		RevokeUser:        func(context.Context, string) error { return nil },
		PasswordMinLength: 8, Logger: log,
	}
	if edit != nil {
		edit(&cfg)
	}
	h, err := New(cfg, st, e.dir, web.NewCookies(false, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h.now = e.now
	e.h = h
	r := mux.NewRouter()
	h.Mount(r)
	// The callback and the denial stand for op's: they only show where the
	// browser was sent.
	r.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "callback") })
	r.HandleFunc("/denied", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "denied") })
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, req.WithContext(clientaddr.With(req.Context(), e.ip)))
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *testEnv) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

// advance moves the Handler's (and the directory's) clock on.
func (e *testEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clock = e.clock.Add(d)
}

// testPassword is every test account's password.
const testPassword = "S3cure-pass!x"

// user makes an account with a unique login, email and phone and the test
// password (n's non-empty fields win).
func (e *testEnv) user(n directory.NewUser) storage.User {
	e.t.Helper()
	k := next()
	if n.Login == "" {
		n.Login = fmt.Sprintf("user%d", k)
	}
	if n.Email == "" {
		n.Email = fmt.Sprintf("user%d@example.com", k)
	}
	if n.Phone == "" {
		n.Phone = fmt.Sprintf("+7909%07d", k)
	}
	if n.Password == "" && n.PasswordHash == "" {
		n.Password = testPassword
	}
	u, err := e.dir.CreateUser(context.Background(), n)
	if err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u
}

// authRequest stores an auth request of clientID for browser b; edit changes it.
func (e *testEnv) authRequest(b *testBrowser, clientID string, edit func(*storage.AuthRequest)) storage.AuthRequest {
	e.t.Helper()
	now := time.Now().UTC()
	ar := storage.AuthRequest{ID: "ar" + rand.Text()[:16], ClientID: clientID, RedirectURI: "https://" + clientID + ".example/cb",
		Scopes: []string{"openid", "profile"}, ResponseType: "code", BrowserHash: b.hash,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if edit != nil {
		edit(&ar)
	}
	if err := e.store.CreateAuthRequest(context.Background(), ar); err != nil {
		e.t.Fatal(err)
	}
	return ar
}

// ar reads an auth request back.
func (e *testEnv) ar(id string) storage.AuthRequest {
	e.t.Helper()
	ar, err := e.store.AuthRequestByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return ar
}

// audits are the audit events of a user (newest first).
func (e *testEnv) audits(q storage.AuditQuery) []storage.AuditEvent {
	e.t.Helper()
	ev, err := e.store.QueryAudit(context.Background(), q)
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// hasAudit tells whether the user has an event of type with outcome whose
// details include want.
func (e *testEnv) hasAudit(userID, typ, outcome string, want map[string]string) bool {
	e.t.Helper()
	for _, ev := range e.audits(storage.AuditQuery{UserID: userID, Type: typ}) {
		if ev.Outcome != outcome {
			continue
		}
		ok := true
		for k, v := range want {
			if ev.Details[k] != v {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// text is the sentence of key in lang, as a page shows it.
func (e *testEnv) text(lang, key string, args ...string) string {
	return e.h.catalog.Translator(language.MustParse(lang)).T(key, args...)
}

// testBrowser is one browser: a cookie jar with its binding cookie, and the
// CSRF token of the last page that had one.
type testBrowser struct {
	e      *testEnv
	c      *http.Client
	jar    *cookiejar.Jar
	hash   string // BrowserHash of its binding cookie
	token  string
	lang   string // Accept-Language
	header http.Header
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// browser is a new browser of the env, already bound (binding cookie set).
func (e *testEnv) browser() *testBrowser {
	jar, _ := cookiejar.New(nil)
	v := web.RandomValue()
	u, _ := url.Parse(e.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: web.BrowserCookie, Value: v, Path: "/"}})
	return &testBrowser{e: e, jar: jar, hash: web.HashValue(v), lang: "en", header: http.Header{},
		c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer: status, where it sends the browser, and the body as
// text (HTML entities decoded).
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (p page) String() string {
	b := p.body
	if len(b) > 600 {
		b = b[:600] + "…"
	}
	return fmt.Sprintf("%d → %q: %s", p.status, p.location, b)
}

// has tells whether the page shows s.
func (p page) has(s string) bool { return strings.Contains(p.body, s) }

func (b *testBrowser) do(method, path string, form url.Values) page {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", b.lang)
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(raw); m != nil {
		b.token = html.UnescapeString(string(m[1]))
	}
	p := page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: html.UnescapeString(string(raw)), header: resp.Header}
	if p.status >= 500 {
		b.e.t.Errorf("%s %s: %v", method, path, p)
	}
	return p
}

// get reads path.
func (b *testBrowser) get(path string) page {
	b.e.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// post posts form to path with the CSRF token of the last page read.
func (b *testBrowser) post(path string, form url.Values) page {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if b.token != "" && !form.Has("csrf_token") {
		form.Set("csrf_token", b.token)
	}
	return b.do(http.MethodPost, path, form)
}

// follow reads where p sends the browser.
func (b *testBrowser) follow(p page) page {
	b.e.t.Helper()
	if p.location == "" {
		b.e.t.Fatalf("no redirect: %v", p)
	}
	return b.get(strings.TrimPrefix(p.location, b.e.srv.URL))
}

// start begins the sign-in of ar: GET /login, and the flow's page it leads to.
// It returns the flow's path (/login/FLOW) and the page.
func (b *testBrowser) start(ar storage.AuthRequest) (string, page) {
	b.e.t.Helper()
	p := b.get("/login?authRequestID=" + url.QueryEscape(ar.ID))
	if p.status != http.StatusSeeOther {
		b.e.t.Fatalf("start: %v", p)
	}
	u, _ := url.Parse(p.location)
	return u.Path, b.follow(p)
}

// flowPath is /login/FLOW of a flow step's address.
func flowPathOf(location string) string {
	u, _ := url.Parse(location)
	parts := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 3)
	if len(parts) < 2 {
		return u.Path
	}
	return "/" + parts[0] + "/" + parts[1]
}

// q is the authRequestID query of ar.
func q(ar storage.AuthRequest) string { return "?authRequestID=" + url.QueryEscape(ar.ID) }

// signIn signs u in with the test password through ar's sign-in form and
// returns the answer to the password post.
func (b *testBrowser) signIn(ar storage.AuthRequest, login string) page {
	b.e.t.Helper()
	fp, _ := b.start(ar)
	return b.post(fp+"/password"+q(ar), url.Values{"login": {login}, "password": {testPassword}})
}

// sessionCookie is the browser's SSO session cookie value ("" none).
func (b *testBrowser) sessionCookie() string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == web.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// session is the browser's stored SSO session.
func (b *testBrowser) session() (storage.Session, bool) {
	b.e.t.Helper()
	v := b.sessionCookie()
	if v == "" {
		return storage.Session{}, false
	}
	s, err := b.e.store.SessionByID(context.Background(), web.HashValue(v))
	if err != nil {
		return storage.Session{}, false
	}
	return s, true
}

// flow reads a stored flow by its path (/login/FLOW…).
func (e *testEnv) flow(path string) storage.Flow {
	e.t.Helper()
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	f, err := e.store.FlowByID(context.Background(), parts[1])
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// capture records the messages sent; the pages send some after their answer
// (afterAnswer), so tests wait for them.
type capture struct {
	mu     sync.Mutex
	emails []notify.Email
	sms    []notify.SMS
	more   chan struct{}
}

func newCapture() *capture { return &capture{more: make(chan struct{}, 100)} }

func (c *capture) SendEmail(_ context.Context, m notify.Email) error {
	c.mu.Lock()
	c.emails = append(c.emails, m)
	c.mu.Unlock()
	c.more <- struct{}{}
	return nil
}

func (c *capture) SendSMS(_ context.Context, m notify.SMS) error {
	c.mu.Lock()
	c.sms = append(c.sms, m)
	c.mu.Unlock()
	c.more <- struct{}{}
	return nil
}

// waitSMS waits for a text to to and returns it.
func (e *testEnv) waitSMS(to string) notify.SMS {
	e.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		e.sent.mu.Lock()
		for _, m := range e.sent.sms {
			if m.To == to {
				e.sent.mu.Unlock()
				return m
			}
		}
		e.sent.mu.Unlock()
		select {
		case <-e.sent.more:
		case <-deadline:
			e.t.Fatalf("no SMS to %s", to)
		}
	}
}

// waitEmail waits for an email to to and returns it.
func (e *testEnv) waitEmail(to string) notify.Email {
	e.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		e.sent.mu.Lock()
		for _, m := range e.sent.emails {
			if m.To == to {
				e.sent.mu.Unlock()
				return m
			}
		}
		e.sent.mu.Unlock()
		select {
		case <-e.sent.more:
		case <-deadline:
			e.t.Fatalf("no email to %s", to)
		}
	}
}

// sentCount is the number of messages (SMS and email) sent so far.
func (e *testEnv) sentCount() int {
	e.sent.mu.Lock()
	defer e.sent.mu.Unlock()
	return len(e.sent.sms) + len(e.sent.emails)
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// codeIn is the one-time code in a message's text.
func codeIn(t *testing.T, text string) string {
	t.Helper()
	c := sixDigits.FindString(text)
	if c == "" {
		t.Fatalf("no code in %q", text)
	}
	return c
}

// fakeCaptcha passes the answer "solved" only.
type fakeCaptcha struct{ fail error }

func (fakeCaptcha) Widget() captcha.Widget                    { return captcha.Widget{Field: "captcha"} }
func (fakeCaptcha) Challenge(context.Context) (string, error) { return "{}", nil }
func (f fakeCaptcha) Verify(_ context.Context, answer, _ string) error {
	if f.fail != nil {
		return f.fail
	}
	if answer != "solved" {
		return captcha.ErrFailed
	}
	return nil
}

// limitAll is a send limit every message is over.
type limitAll struct{}

func (limitAll) Check(ctx context.Context, _, _ string) (context.Context, error) {
	return ctx, notify.ErrLimited
}

// sso asks the Handler's SSO (as op does at /authorize) with the browser's cookies.
func (b *testBrowser) sso(ar storage.AuthRequest) (c *storage.Completion, err error) {
	r := httptest.NewRequest(http.MethodGet, "/authorize", nil)
	u, _ := url.Parse(b.e.srv.URL)
	for _, ck := range b.jar.Cookies(u) {
		r.AddCookie(ck)
	}
	b.e.h.cookies.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		c, err = b.e.h.SSO(r.Context(), ar)
	})).ServeHTTP(httptest.NewRecorder(), r)
	return c, err
}
