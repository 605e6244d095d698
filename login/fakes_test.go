package login

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// errDatabase stands for a database that does not answer.
var errDatabase = errors.New("database not answering")

// fakeStore is a store for handler tests: a signed-in session (cookie value
// sessionValue), clients whose lookups fail as clientErrs say (in turn, then
// succeed), and counters that fail with hitErr. Any other method panics.
type fakeStore struct {
	store
	session    storage.Session
	client     storage.Client
	clientErrs []error
	hitErr     error
}

const sessionValue = "a-session-cookie-value-of-the-test"

func (f *fakeStore) SessionByID(_ context.Context, id string) (storage.Session, error) {
	if id == f.session.ID {
		return f.session, nil
	}
	return storage.Session{}, storage.ErrNotFound
}

func (f *fakeStore) ClientByID(context.Context, string) (storage.Client, error) {
	if len(f.clientErrs) > 0 {
		err := f.clientErrs[0]
		f.clientErrs = f.clientErrs[1:]
		if err != nil {
			return storage.Client{}, err
		}
	}
	return f.client, nil
}

func (f *fakeStore) Hit(context.Context, string, time.Duration, time.Time) (int64, error) {
	return 1, f.hitErr
}

func (f *fakeStore) AddSessionClient(context.Context, string, string) error { return nil }

// fakeAccounts knows one user.
type fakeAccounts struct {
	accounts
	user storage.User
}

func (f fakeAccounts) UserByID(_ context.Context, id string) (storage.User, error) {
	if id == f.user.ID {
		return f.user, nil
	}
	return storage.User{}, storage.ErrNotFound
}

// sentMessages records what would have been sent.
type sentMessages struct {
	emails []notify.Email
	sms    []notify.SMS
}

func (s *sentMessages) SendEmail(_ context.Context, m notify.Email) error {
	s.emails = append(s.emails, m)
	return nil
}

func (s *sentMessages) SendSMS(_ context.Context, m notify.SMS) error {
	s.sms = append(s.sms, m)
	return nil
}

// newTestHandler builds a Handler on an http loopback issuer over st, with
// cfg's other fields as given; ivanov (u1) is signed in with a password session.
func newTestHandler(t *testing.T, st *fakeStore, cfg Config) *Handler {
	t.Helper()
	cfg.Issuer, cfg.CSRFKey = "http://127.0.0.1:8080", make([]byte, 32)
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	st.session = storage.Session{ID: web.HashValue(sessionValue), SID: "sid1", UserID: "u1", ACR: "urn:vhod:acr:password",
		AMR: []string{"pwd"}, AuthTime: time.Now()}
	h, err := New(cfg, st, fakeAccounts{user: storage.User{ID: "u1", Login: "ivanov"}}, web.NewCookies(false, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// signedIn runs handle for a request of the signed-in browser, through the
// cookie middleware, and returns the answer.
func signedIn(h *Handler, r *http.Request, handle http.HandlerFunc) *httptest.ResponseRecorder {
	r.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: sessionValue})
	r.AddCookie(&http.Cookie{Name: web.BrowserCookie, Value: strings.Repeat("b", 43)})
	rec := httptest.NewRecorder()
	h.cookies.Middleware(handle).ServeHTTP(rec, r)
	return rec
}
