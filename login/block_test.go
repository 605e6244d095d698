package login

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestOperatorLockEndsTheSSOSessionsAnswers: the session of an account an
// operator locked answers nothing (prompt=none: login_required), and no
// sign-in method may start a session for it: the page says why (403).
func TestOperatorLockEndsTheSSOSessionsAnswers(t *testing.T) {
	st := &decideStore{fakeStore: &fakeStore{client: storage.Client{ID: "shop", FirstParty: true}}}
	ft := &flowStore{decideStore: st, ar: storage.AuthRequest{ID: "ar1", ClientID: "shop",
		Scopes: []string{"openid"}, Prompt: []string{"none"}, ExpiresAt: time.Now().Add(time.Hour)}}
	h := newTestHandler(t, st.fakeStore, Config{
		Callback: func(context.Context, string) string { return "/callback" },
		Deny: func(w http.ResponseWriter, r *http.Request, _, code string) {
			http.Redirect(w, r, "/denied?"+code, http.StatusSeeOther)
		}})
	h.store = ft
	h.accounts = fakeAccounts{user: storage.User{ID: "u1", Login: "ivanov",
		Blocked: &storage.Block{Until: time.Now().Add(time.Hour), By: "op1"}}}

	var done *storage.Completion
	var err error
	signedIn(h, httptest.NewRequest(http.MethodGet, "/authorize", nil), func(_ http.ResponseWriter, r *http.Request) {
		done, err = h.SSO(r.Context(), ft.ar)
	})
	if err != nil || done != nil {
		t.Fatalf("SSO with a locked account's session: %+v, %v", done, err)
	}
	ft.ar.BrowserHash = h.cookies.BrowserHash(withBrowser(h))
	rec := signedIn(h, httptest.NewRequest(http.MethodGet, "/login?authRequestID=ar1", nil), h.start)
	if loc := rec.Header().Get("Location"); loc != "/denied?login_required" {
		t.Fatalf("start with prompt=none: %d to %q", rec.Code, loc)
	}
	signedIn(h, httptest.NewRequest(http.MethodPost, "/password", nil), func(w http.ResponseWriter, r *http.Request) {
		_, err = h.startSession(w, r, "u1", []string{directory.AMRSMS}, directory.ACRPhone)
	})
	if !errors.Is(err, directory.ErrAccountBlocked) {
		t.Fatalf("a session started for a locked account: %v", err)
	}
	if uerr := unavailable(err); uerr.Status != http.StatusForbidden || uerr.Key != "login.account_blocked" {
		t.Fatalf("the page for a locked account: %+v", uerr)
	}
}
