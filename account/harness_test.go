package account

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/internal/web/webtest"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// The in-process harness (dex's newTestServer pattern): the account pages
// mounted on a router over a fresh embedded store and directory's real
// services, driven by a browser with a cookie jar.

const (
	testIssuer   = "http://127.0.0.1:5556"
	testPassword = "S3cure-pass!"
)

// outbox records what would have been sent.
type outbox struct {
	mu     sync.Mutex
	emails []notify.Email
	sms    []notify.SMS
}

func (o *outbox) SendEmail(_ context.Context, m notify.Email) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.emails = append(o.emails, m)
	return nil
}

func (o *outbox) SendSMS(_ context.Context, m notify.SMS) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sms = append(o.sms, m)
	return nil
}

// lastEmail is the text of the last email to to.
func (o *outbox) lastEmail(to string) (notify.Email, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.emails) - 1; i >= 0; i-- {
		if o.emails[i].To == to {
			return o.emails[i], true
		}
	}
	return notify.Email{}, false
}

type testServer struct {
	t       *testing.T
	store   *mongo.Store
	dir     *directory.Directory
	orgs    *orgs.Service
	sent    *outbox
	h       *Handler
	srv     *httptest.Server
	client  *http.Client
	user    storage.User
	session storage.Session
	revoked []string
	now     time.Time
}

// newTestServer serves the account pages with ivanov (password testPassword,
// email ivanov@example.com) signed in a minute ago; edit changes the
// configuration before the handler is made.
func newTestServer(t *testing.T, edit func(*Config)) *testServer {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	passwords, err := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	texts, err := web.MailTexts()
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, store: st, dir: directory.New(st, passwords, log), sent: &outbox{}, now: time.Now()}
	audit := directory.NewAuditor(st, log)
	ts.orgs, err = orgs.New(st, passwords, orgs.Config{Audit: audit, Logger: log,
		Notifier: directory.NewNotifier(st, ts.sent, texts, log)})
	if err != nil {
		t.Fatal(err)
	}
	otp := make([]byte, 32)
	otp[0] = 7
	cfg := Config{Issuer: testIssuer, CSRFKey: make([]byte, 32), ConsentVersion: "v1", PasswordMinLength: 8,
		Audit: audit, Email: ts.sent, SMS: ts.sent, OTPKey: otp,
		RevokeSession: func(_ context.Context, s storage.Session) error {
			ts.revoked = append(ts.revoked, s.SID)
			return nil
		},
		Notices:   directory.NewChangeNotices(ts.sent, ts.sent, texts, audit, log),
		Companies: ts.orgs, OrgStore: st, Systems: orgs.NewSystems(st, ts.orgs), Accountants: ts.orgs,
		DevicePage: true, ConsoleOn: true, Logger: log}
	cfg.Reauths = flows.NewReauths(st, audit, 0, 0, nil)
	if edit != nil {
		edit(&cfg)
	}
	ts.h, err = New(cfg, st, ts.dir, web.NewCookies(false, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	ts.h.Mount(r)
	ts.srv = httptest.NewServer(r)
	t.Cleanup(ts.srv.Close)
	jar, _ := cookiejar.New(nil)
	ts.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ts.user, err = ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "ivanov", Email: "ivanov@example.com", Password: testPassword,
		FamilyName: "Иванов", GivenName: "Иван", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.signIn(ts.user.ID, time.Minute)
	return ts
}

// signIn gives the browser a session of userID, signed in age ago with a
// password only.
func (ts *testServer) signIn(userID string, age time.Duration) {
	ts.t.Helper()
	ts.signInWith(userID, age, directory.ACRPassword, "pwd")
}

// signInMFA gives the browser a session of userID, signed in age ago with a
// password and a code of the authenticator app.
func (ts *testServer) signInMFA(userID string, age time.Duration) {
	ts.t.Helper()
	ts.signInWith(userID, age, directory.ACRMFA, "pwd", "otp", "mfa")
}

// signInWith gives the browser a session of userID of class acr by amr,
// signed in age ago.
func (ts *testServer) signInWith(userID string, age time.Duration, acr string, amr ...string) {
	ts.t.Helper()
	value := web.RandomValue()
	now := time.Now().UTC()
	ts.session = storage.Session{ID: web.HashValue(value), SID: directory.NewID(), UserID: userID, AMR: amr,
		ACR: acr, AuthTime: now.Add(-age), CreatedAt: now, ExpiresAt: now.Add(time.Hour), IP: "192.0.2.1", UserAgent: "test"}
	if err := ts.store.CreateSession(ts.t.Context(), ts.session); err != nil {
		ts.t.Fatal(err)
	}
	u, _ := url.Parse(ts.srv.URL)
	ts.client.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: value, Path: "/"},
		{Name: web.BrowserCookie, Value: strings.Repeat("b", 43), Path: "/"}})
}

// signOut forgets the browser's session cookie.
func (ts *testServer) signOut() {
	u, _ := url.Parse(ts.srv.URL)
	ts.client.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: "", Path: "/", MaxAge: -1}})
}

type page struct {
	code     int
	body     string
	location string
}

func (ts *testServer) do(req *http.Request) page {
	ts.t.Helper()
	req.Header.Set("Accept-Language", "en")
	res, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{code: res.StatusCode, body: string(b), location: res.Header.Get("Location")}
}

func (ts *testServer) get(path string) page {
	ts.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.srv.URL+path, nil)
	return ts.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post submits form to path with a CSRF token of a page the browser got first.
func (ts *testServer) post(path string, form url.Values) page {
	ts.t.Helper()
	p := ts.get("/account")
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		ts.t.Fatalf("no CSRF token on the account page (%d %s): %.300s", p.code, p.location, p.body)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", strings.ReplaceAll(m[1], "&#43;", "+"))
	req, _ := http.NewRequest(http.MethodPost, ts.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ts.do(req)
}

// audited tells whether an audit event of typ with outcome was recorded.
func (ts *testServer) audited(typ, outcome string) bool {
	ts.t.Helper()
	events, err := ts.store.QueryAudit(ts.t.Context(), storage.AuditQuery{Type: typ, Limit: 50})
	if err != nil {
		ts.t.Fatal(err)
	}
	for _, e := range events {
		if e.Outcome == outcome {
			return true
		}
	}
	return false
}

func (p page) has(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Fatalf("no %q in the page (%d): %.2000s", w, p.code, p.body)
		}
	}
}

var errCounter = errors.New("counters not answering")

var (
	codeRe     = regexp.MustCompile(`\b(\d{6})\b`)
	regexpFlow = regexp.MustCompile(`name="flow" value="([^"]+)"`)
)

// codeIn is the one-time code of a message, "" when it has none.
func codeIn(text string) string {
	if m := codeRe.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// activeOrg registers and approves a company with inn; ivanov is its org admin.
func (ts *testServer) activeOrg(inn string) storage.Organisation {
	ts.t.Helper()
	o, err := ts.orgs.Register(ts.t.Context(), storage.Organisation{Kind: storage.OrgLegalEntity, INN: inn, KPP: "772801001",
		Name: "ООО «Ромашка»", FullName: "Общество «Ромашка»", Email: "office@example.com", EmailVerified: true},
		directory.Actor{ID: ts.user.ID})
	if err != nil {
		ts.t.Fatal(err)
	}
	if o, err = ts.orgs.ApproveOrganisation(ts.t.Context(), o.ID, directory.Actor{ID: "moderator"}); err != nil {
		ts.t.Fatal(err)
	}
	return o
}

// asks sends a dangerous action's first POST, which must answer with its
// confirmation page (posting back to path) saying want; it returns the form
// the page's button posts, for the test to send once it has seen that
// nothing was done yet.
func (ts *testServer) asks(path string, form url.Values, want ...string) url.Values {
	ts.t.Helper()
	p := ts.post(path, form)
	action, confirmed, ok := webtest.ConfirmForm(p.body)
	if p.code != http.StatusOK || !ok || action != path {
		ts.t.Fatalf("%s did not ask first: %d %s %.500s", path, p.code, p.location, p.body)
	}
	p.has(ts.t, want...)
	return confirmed
}
