// Package logintest is the in-process harness of the login pages for the
// method packages below login/ (dex's newTestServer pattern): the core
// Handler with the parts under test mounted on a mux router behind an
// httptest.Server, over a store the test opens (the embedded one), the
// directory over it, and fakes for the provider's callbacks and the message
// senders. A Browser is a cookie-jar client that carries the CSRF token of the
// pages it read. The core's own tests keep an internal copy (harness_test.go),
// as they reach into the Handler.
package logintest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
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
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Store is what the harness needs of the test's store: the core's and a
// test's reads and writes.
type Store interface {
	AuthRequestByID(ctx context.Context, id string) (storage.AuthRequest, error)
	AuthRequestClient(ctx context.Context, id string) (string, error)
	CreateAuthRequest(ctx context.Context, ar storage.AuthRequest) error
	CompleteAuthRequest(ctx context.Context, id string, c storage.Completion, expiresAt time.Time) error
	ClientByID(ctx context.Context, id string) (storage.Client, error)
	CreateFlow(ctx context.Context, f storage.Flow) error
	FlowByID(ctx context.Context, id string) (storage.Flow, error)
	SaveFlow(ctx context.Context, f storage.Flow) (storage.Flow, error)
	CreateSession(ctx context.Context, s storage.Session) error
	SessionByID(ctx context.Context, id string) (storage.Session, error)
	DeleteSession(ctx context.Context, id string) error
	AddSessionClient(ctx context.Context, sid, clientID string) error
	SetSessionOrg(ctx context.Context, id, orgID string) error
	DeleteUserSessions(ctx context.Context, userID string) error
	UpdateProfile(ctx context.Context, userID string, p storage.Profile) error
	ChangeIdentifier(ctx context.Context, userID, kind, value string) error
	Activate(ctx context.Context, userID string) error
	GrantConsent(ctx context.Context, userID, clientID string, scopes []string, at time.Time) error
	ConsentedScopes(ctx context.Context, userID, clientID string) ([]string, error)
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	Count(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	Unhit(ctx context.Context, key string, window time.Duration, at time.Time) error
	HitIn(ctx context.Context, key string, now time.Time, cs ...storage.Counter) ([]int64, error)
	UnhitIn(ctx context.Context, key string, at time.Time, cs ...storage.Counter) error
	CountIn(ctx context.Context, key string, now time.Time, cs ...storage.Counter) ([]int64, error)
	QueryAudit(ctx context.Context, q storage.AuditQuery) ([]storage.AuditEvent, error)
	AppendAudit(ctx context.Context, e storage.AuditEvent) error
}

// Clients are the clients a test store needs: shop (third party, asks
// consent), portal (first party) and strict (needs a certificate).
var Clients = []storage.Client{
	{ID: "shop", Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"}, AuthMethod: "client_secret_basic"},
	{ID: "portal", Name: "Portal", RedirectURIs: []string{"https://portal.example/cb"}, AuthMethod: "client_secret_basic", FirstParty: true},
	{ID: "strict", Name: "Strict", RedirectURIs: []string{"https://strict.example/cb"}, AuthMethod: "client_secret_basic",
		FirstParty: true, MinACR: directory.ACRCertificate},
}

// serial makes identifiers and addresses unique within the test binary.
var serial atomic.Int64

// Next is a number unique within the test binary.
func Next() int64 { return serial.Add(1) }

var (
	passwordsOnce sync.Once
	passwords     *directory.Passwords
)

// Env is one core Handler with parts, over the store, served at Srv.
type Env struct {
	T     *testing.T
	H     *login.Handler
	Srv   *httptest.Server
	Store Store
	Dir   *directory.Directory
	Sent  *Capture
	// IP is the client address of every request (its own per env, so that the
	// address's counters are the test's own).
	IP string

	mu    sync.Mutex
	clock time.Time
}

// New builds the core with edit's changes to its configuration, and mounts
// the parts that parts builds over its Kit.
func New(t *testing.T, st Store, dirStore func(*directory.Passwords) *directory.Directory, edit func(*login.Config),
	parts func(e *Env, k *login.Kit) []login.Pages) *Env {
	t.Helper()
	passwordsOnce.Do(func() {
		var err error
		passwords, err = directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
		if err != nil {
			panic(err)
		}
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := Next()
	e := &Env{T: t, Store: st, Sent: NewCapture(), IP: fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255), clock: time.Now().UTC()}
	e.Dir = dirStore(passwords)
	e.Dir.SetClock(e.Now)
	texts, err := web.MailTexts()
	if err != nil {
		t.Fatal(err)
	}
	audit := directory.NewAuditor(st, log)
	cfg := login.Config{
		Notices: directory.NewChangeNotices(e.Sent, e.Sent, texts, audit, log),
		Issuer:  "http://vhod.test", FlowLifetime: 30 * time.Minute, SessionLifetime: time.Hour, CodeLifetime: time.Minute,
		CSRFKey: make([]byte, 32), DeviceKey: make([]byte, 32), OTPKey: make([]byte, 32),
		Callback: func(_ context.Context, id string) string { return "/callback?id=" + url.QueryEscape(id) },
		Deny: func(w http.ResponseWriter, r *http.Request, id, code string) {
			http.Redirect(w, r, "/denied?id="+url.QueryEscape(id)+"&error="+code, http.StatusSeeOther)
		},
		Audit: audit, RevokeUser: func(context.Context, string) error { return nil },
		PasswordMinLength: 8, Logger: log,
	}
	if edit != nil {
		edit(&cfg)
	}
	h, err := login.New(cfg, st, e.Dir, web.NewCookies(false, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h.SetClock(e.Now)
	e.H = h
	var ps []login.Pages
	if parts != nil {
		ps = parts(e, h.Kit())
	}
	r := mux.NewRouter()
	h.Mount(r, ps...)
	// The callback and the denial stand for op's: they only show where the
	// browser was sent.
	r.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "callback") })
	r.HandleFunc("/denied", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "denied") })
	e.Srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, req.WithContext(clientaddr.With(req.Context(), e.IP)))
	}))
	t.Cleanup(e.Srv.Close)
	return e
}

// Now is the Handler's (and the directory's) clock.
func (e *Env) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

// Advance moves the clock on.
func (e *Env) Advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clock = e.clock.Add(d)
}

// TestPassword is every test account's password.
const TestPassword = "S3cure-pass!x"

// User makes an account with a unique login, email and phone and the test
// password (n's non-empty fields win).
func (e *Env) User(n directory.NewUser) storage.User {
	e.T.Helper()
	k := Next()
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
		n.Password = TestPassword
	}
	u, err := e.Dir.CreateUser(context.Background(), n)
	if err != nil {
		e.T.Fatalf("create user: %v", err)
	}
	return u
}

// AuthRequest stores an auth request of clientID for browser b; edit changes it.
func (e *Env) AuthRequest(b *Browser, clientID string, edit func(*storage.AuthRequest)) storage.AuthRequest {
	e.T.Helper()
	now := time.Now().UTC()
	ar := storage.AuthRequest{ID: "ar" + rand.Text()[:16], ClientID: clientID, RedirectURI: "https://" + clientID + ".example/cb",
		Scopes: []string{"openid", "profile"}, ResponseType: "code", BrowserHash: b.hash,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if edit != nil {
		edit(&ar)
	}
	if err := e.Store.CreateAuthRequest(context.Background(), ar); err != nil {
		e.T.Fatal(err)
	}
	return ar
}

// AR reads an auth request back.
func (e *Env) AR(id string) storage.AuthRequest {
	e.T.Helper()
	ar, err := e.Store.AuthRequestByID(context.Background(), id)
	if err != nil {
		e.T.Fatal(err)
	}
	return ar
}

// Audits are the audit events q finds (newest first).
func (e *Env) Audits(q storage.AuditQuery) []storage.AuditEvent {
	e.T.Helper()
	ev, err := e.Store.QueryAudit(context.Background(), q)
	if err != nil {
		e.T.Fatal(err)
	}
	return ev
}

// HasAudit tells whether the user has an event of type with outcome whose
// details include want.
func (e *Env) HasAudit(userID, typ, outcome string, want map[string]string) bool {
	e.T.Helper()
	for _, ev := range e.Audits(storage.AuditQuery{UserID: userID, Type: typ}) {
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

// Text is the sentence of key in lang, as a page shows it.
func (e *Env) Text(lang, key string, args ...string) string {
	return e.H.Kit().Translator(language.MustParse(lang)).T(key, args...)
}

// Flow reads a stored flow by its path (/login/FLOW…, /recover/FLOW…).
func (e *Env) Flow(path string) storage.Flow {
	e.T.Helper()
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	f, err := e.Store.FlowByID(context.Background(), parts[1])
	if err != nil {
		e.T.Fatal(err)
	}
	return f
}

// Browser is one browser: a cookie jar with its binding cookie, and the CSRF
// token of the last page that had one.
type Browser struct {
	e      *Env
	c      *http.Client
	jar    *cookiejar.Jar
	hash   string // BrowserHash of its binding cookie
	Token  string // the CSRF token of the last page (cleared: a post without one)
	Lang   string // Accept-Language
	Header http.Header
	// Allow5xx lets answers of 500 or more pass (a page about a provider that
	// is down is a 502 on purpose).
	Allow5xx bool
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Browser is a new browser of the env, already bound (binding cookie set).
func (e *Env) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	v := web.RandomValue()
	u, _ := url.Parse(e.Srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: web.BrowserCookie, Value: v, Path: "/"}})
	return &Browser{e: e, jar: jar, hash: web.HashValue(v), Lang: "en", Header: http.Header{},
		c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Page is an answer: status, where it sends the browser, and the body as text
// (HTML entities decoded).
type Page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (p Page) String() string {
	b := p.Body
	if len(b) > 600 {
		b = b[:600] + "…"
	}
	return fmt.Sprintf("%d → %q: %s", p.Status, p.Location, b)
}

// Has tells whether the page shows s.
func (p Page) Has(s string) bool { return strings.Contains(p.Body, s) }

// Do sends a request; an answer of 500 or more fails the test.
func (b *Browser) Do(method, path string, form url.Values) Page {
	b.e.T.Helper()
	if form == nil {
		return b.send(method, path, nil, "")
	}
	return b.send(method, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// PostFile posts fields and a file (as a browser's file input named field
// would) in a multipart form, with the CSRF token of the last page read.
func (b *Browser) PostFile(path string, fields url.Values, field, name string, content []byte) Page {
	b.e.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if b.Token != "" && !fields.Has("csrf_token") {
		_ = mw.WriteField("csrf_token", b.Token)
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		b.e.T.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	return b.send(http.MethodPost, path, &buf, mw.FormDataContentType())
}

func (b *Browser) send(method, path string, body io.Reader, contentType string) Page {
	b.e.T.Helper()
	req, err := http.NewRequest(method, b.e.Srv.URL+path, body)
	if err != nil {
		b.e.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept-Language", b.Lang)
	for k, v := range b.Header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(raw); m != nil {
		b.Token = html.UnescapeString(string(m[1]))
	}
	p := Page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: html.UnescapeString(string(raw)), Header: resp.Header}
	if p.Status >= 500 && !b.Allow5xx {
		b.e.T.Errorf("%s %s: %v", method, path, p)
	}
	return p
}

// Get reads path.
func (b *Browser) Get(path string) Page {
	b.e.T.Helper()
	return b.Do(http.MethodGet, path, nil)
}

// Post posts form to path with the CSRF token of the last page read.
func (b *Browser) Post(path string, form url.Values) Page {
	b.e.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	if b.Token != "" && !form.Has("csrf_token") {
		form.Set("csrf_token", b.Token)
	}
	return b.Do(http.MethodPost, path, form)
}

// Follow reads where p sends the browser.
func (b *Browser) Follow(p Page) Page {
	b.e.T.Helper()
	if p.Location == "" {
		b.e.T.Fatalf("no redirect: %v", p)
	}
	return b.Get(strings.TrimPrefix(p.Location, b.e.Srv.URL))
}

// Start begins the sign-in of ar: GET /login, and the flow's page it leads
// to. It returns the flow's path (/login/FLOW) and the page.
func (b *Browser) Start(ar storage.AuthRequest) (string, Page) {
	b.e.T.Helper()
	p := b.Get("/login?authRequestID=" + url.QueryEscape(ar.ID))
	if p.Status != http.StatusSeeOther {
		b.e.T.Fatalf("start: %v", p)
	}
	u, _ := url.Parse(p.Location)
	return u.Path, b.Follow(p)
}

// SignIn signs login in with the test password through ar's sign-in form and
// returns the answer to the password post.
func (b *Browser) SignIn(ar storage.AuthRequest, login string) Page {
	b.e.T.Helper()
	fp, _ := b.Start(ar)
	return b.Post(fp+"/password"+Q(ar), url.Values{"login": {login}, "password": {TestPassword}})
}

// Session is the browser's stored SSO session.
func (b *Browser) Session() (storage.Session, bool) {
	b.e.T.Helper()
	u, _ := url.Parse(b.e.Srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == web.SessionCookie {
			s, err := b.e.Store.SessionByID(context.Background(), web.HashValue(c.Value))
			return s, err == nil
		}
	}
	return storage.Session{}, false
}

// FlowPathOf is /prefix/FLOW of a flow step's address.
func FlowPathOf(location string) string {
	u, _ := url.Parse(location)
	parts := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 3)
	if len(parts) < 2 {
		return u.Path
	}
	return "/" + parts[0] + "/" + parts[1]
}

// Q is the authRequestID query of ar.
func Q(ar storage.AuthRequest) string { return "?authRequestID=" + url.QueryEscape(ar.ID) }

// Capture records the messages sent; the pages send some after their answer
// (Kit.AfterAnswer), so tests wait for them.
type Capture struct {
	mu     sync.Mutex
	emails []notify.Email
	sms    []notify.SMS
	more   chan struct{}
}

// NewCapture is an empty Capture.
func NewCapture() *Capture { return &Capture{more: make(chan struct{}, 100)} }

// SendEmail records m.
func (c *Capture) SendEmail(_ context.Context, m notify.Email) error {
	c.mu.Lock()
	c.emails = append(c.emails, m)
	c.mu.Unlock()
	c.more <- struct{}{}
	return nil
}

// SendSMS records m.
func (c *Capture) SendSMS(_ context.Context, m notify.SMS) error {
	c.mu.Lock()
	c.sms = append(c.sms, m)
	c.mu.Unlock()
	c.more <- struct{}{}
	return nil
}

// wait waits for a message that found finds, for 5 seconds.
func (e *Env) wait(what, to string, found func() bool) {
	e.T.Helper()
	deadline := time.After(5 * time.Second)
	for {
		e.Sent.mu.Lock()
		ok := found()
		e.Sent.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-e.Sent.more:
		case <-deadline:
			e.T.Fatalf("no %s to %s", what, to)
		}
	}
}

// WaitSMS waits for a text to to and returns it.
func (e *Env) WaitSMS(to string) (m notify.SMS) {
	e.T.Helper()
	e.wait("SMS", to, func() bool {
		for _, s := range e.Sent.sms {
			if s.To == to {
				m = s
				return true
			}
		}
		return false
	})
	return m
}

// WaitEmail waits for an email to to and returns it.
func (e *Env) WaitEmail(to string) (m notify.Email) {
	e.T.Helper()
	e.wait("email", to, func() bool {
		for _, s := range e.Sent.emails {
			if s.To == to {
				m = s
				return true
			}
		}
		return false
	})
	return m
}

// SentCount is the number of messages (SMS and email) sent so far.
func (e *Env) SentCount() int {
	e.Sent.mu.Lock()
	defer e.Sent.mu.Unlock()
	return len(e.Sent.sms) + len(e.Sent.emails)
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// CodeIn is the one-time code in a message's text.
func CodeIn(t *testing.T, text string) string {
	t.Helper()
	c := sixDigits.FindString(text)
	if c == "" {
		t.Fatalf("no code in %q", text)
	}
	return c
}

// FakeCaptcha passes the answer "solved" only (or fails with Fail).
type FakeCaptcha struct{ Fail error }

func (FakeCaptcha) Widget() captcha.Widget                    { return captcha.Widget{Field: "captcha"} }
func (FakeCaptcha) Challenge(context.Context) (string, error) { return "{}", nil }
func (f FakeCaptcha) Verify(_ context.Context, answer, _ string) error {
	if f.Fail != nil {
		return f.Fail
	}
	if answer != "solved" {
		return captcha.ErrFailed
	}
	return nil
}

// LimitAll is a send limit every message is over.
type LimitAll struct{}

// Check refuses.
func (LimitAll) Check(ctx context.Context, _, _ string) (context.Context, error) {
	return ctx, notify.ErrLimited
}

// Forget drops the messages recorded so far.
func (c *Capture) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emails, c.sms = nil, nil
}

// SetClock sets the clock (an env sharing another's time).
func (e *Env) SetClock(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clock = t
}

// SessionCookie is the browser's SSO session cookie value ("" none).
func (b *Browser) SessionCookie() string {
	u, _ := url.Parse(b.e.Srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == web.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// HasCookie tells whether the browser holds a cookie named name.
func (b *Browser) HasCookie(name string) bool {
	u, _ := url.Parse(b.e.Srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return true
		}
	}
	return false
}
