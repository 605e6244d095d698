package console

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/internal/web/webtest"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// fakeRing is the provider's key ring: one key, rotations counted.
type fakeRing struct{ rotated []string }

func (f *fakeRing) Keys(context.Context) ([]directory.KeyInfo, error) {
	return []directory.KeyInfo{{KID: "k1", Algorithm: "ES256", Current: true, Published: true}}, nil
}

func (f *fakeRing) Rotate(_ context.Context, alg string) (string, error) {
	f.rotated = append(f.rotated, alg)
	return "k2", nil
}

// testServer is the console over a fresh store with directory's real
// services (dex's newTestServer): a browser with a cookie jar signs in by a
// session made in the store.
type testServer struct {
	t    *testing.T
	srv  *httptest.Server
	st   *mongo.Store
	orgs *orgs.Service
	mail *notify.Memory
	ring *fakeRing
	// factors: second factors and passkeys (no WebAuthn relying party: the
	// tests store passkeys directly).
	factors *factors.Service
	client  *http.Client
	token   string // the last CSRF token a page had
}

func newTestServer(t *testing.T, edit ...func(*Config)) *testServer {
	t.Helper()
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	log := slog.New(slog.DiscardHandler)
	p, err := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := directory.New(st, p, log)
	audit := directory.NewAuditor(st, log)
	mail := notify.NewMemory(100)
	texts := func(lang, key string, args ...string) string { return key + " " + strings.Join(args, " ") }
	companies, err := orgs.New(st, p, orgs.Config{Audit: audit, Notifier: directory.NewNotifier(st, mail, texts, log), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ring := &fakeRing{}
	fs, err := factors.New(st, factors.Config{SecretKey: make([]byte, 32), Audit: audit, Notifier: directory.NewNotifier(st, mail, texts, log), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cookies := web.NewCookies(false, time.Hour)
	ts := &testServer{t: t, st: st, orgs: companies, mail: mail, ring: ring, factors: fs}
	ts.srv = httptest.NewServer(nil)
	t.Cleanup(ts.srv.Close)
	cfg := Config{
		Issuer: ts.srv.URL, CSRFKey: make([]byte, 32), Store: st, Audit: audit, Cookies: cookies, Logger: log, Orgs: companies,
		Clients:    directory.NewClients(st, directory.ClientsConfig{HashSecret: func(s string) string { return "hash:" + s }, Algorithms: []string{"ES256", "RS256"}}),
		Catalogues: directory.NewCatalogues(st),
		Users: directory.NewUserAdmin(st, dir, directory.UserAdminConfig{
			RevokeSession: func(context.Context, storage.Session) error { return nil },
			RevokeUser:    func(context.Context, string) error { return nil }}),
		Keys:              directory.NewKeys(ring, []string{"ES256", "RS256"}),
		Anchors:           directory.NewAnchors(st, directory.AnchorsConfig{Audit: audit}),
		IdentityProviders: newTestIdentityProviders(t, st, audit),
		Factors:           fs,
	}
	for _, e := range edit {
		e(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	h.Mount(r)
	ts.srv.Config.Handler = r
	jar, _ := cookiejar.New(nil)
	ts.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return ts
}

// user makes an account with authorities.
func (ts *testServer) user(id string, authorities ...string) storage.User {
	ts.t.Helper()
	u := storage.User{ID: id, Login: id, Email: id + "@example.com", EmailVerified: true, Authorities: authorities, Locale: "en"}
	if err := ts.st.CreateUser(ts.t.Context(), u); err != nil {
		ts.t.Fatal(err)
	}
	return u
}

// signIn gives the browser a session of the user.
func (ts *testServer) signIn(userID string) {
	ts.t.Helper()
	v := web.RandomValue()
	now := time.Now()
	if err := ts.st.CreateSession(ts.t.Context(), storage.Session{ID: web.HashValue(v), SID: "sid-" + userID, UserID: userID,
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		ts.t.Fatal(err)
	}
	u, _ := url.Parse(ts.srv.URL)
	ts.client.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: v, Path: "/"}})
}

// get reads a page; the answer's status and its text.
func (ts *testServer) get(path string) (int, string) {
	ts.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.srv.URL+path, nil)
	req.Header.Set("Accept-Language", "en")
	return ts.do(req)
}

func (ts *testServer) do(req *http.Request) (int, string) {
	ts.t.Helper()
	res, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if loc := res.Header.Get("Location"); loc != "" {
		return res.StatusCode, "Location: " + loc
	}
	return res.StatusCode, html.UnescapeString(string(b))
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post sends a form from the page at from (whose CSRF token it carries).
func (ts *testServer) post(from, path string, form url.Values) (int, string) {
	ts.t.Helper()
	_, page := ts.get(from)
	// A page without a form (an empty queue) has no token; one read before
	// serves, as the CSRF cookie is the same.
	if m := csrfField.FindStringSubmatch(page); m != nil {
		ts.token = m[1]
	}
	if ts.token == "" {
		ts.t.Fatalf("no CSRF token on %s: %.300s", from, page)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", html.UnescapeString(ts.token))
	req, _ := http.NewRequest(http.MethodPost, ts.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "en")
	return ts.do(req)
}

// events are the audit events of a type.
func (ts *testServer) events(typ string) []storage.AuditEvent {
	ts.t.Helper()
	list, err := ts.st.QueryAudit(ts.t.Context(), storage.AuditQuery{Type: typ, Limit: 50})
	if err != nil {
		ts.t.Fatal(err)
	}
	return list
}

// want fails unless the answer has the status and every text.
func want(t *testing.T, what string, code int, body string, status int, texts ...string) {
	t.Helper()
	if code != status {
		t.Fatalf("%s: status %d, want %d: %.800s", what, code, status, body)
	}
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Fatalf("%s: no %q in %.1500s", what, s, body)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// asks sends a dangerous action's first POST from the page at from, which
// must answer with its confirmation page (posting back to path) saying
// texts; it returns the form the page's button posts, for the test to send
// once it has seen that nothing was done yet.
func (ts *testServer) asks(from, path string, form url.Values, texts ...string) url.Values {
	ts.t.Helper()
	code, body := ts.post(from, path, form)
	want(ts.t, path, code, body, http.StatusOK, texts...)
	action, confirmed, ok := webtest.ConfirmForm(body)
	if !ok || action != path {
		ts.t.Fatalf("%s did not ask first: %.500s", path, body)
	}
	return confirmed
}
