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

// TestNoSessionOutlivesAnOperatorsLock: an operator's lock sets the block and
// then ends the account's sessions; a sign-in that read the account just before
// the block still writes its session after that end. startSessionWith reads the
// account after writing, so that session is ended at once and the page says why
// (403): the SSO decision can trust that a session's account may sign in.
func TestNoSessionOutlivesAnOperatorsLock(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{})
	// The block lands between the method's check of the credential and the
	// session's write (it is set here directly, without the lock's end of
	// sessions, which happened before this session existed).
	if err := e.store.SetBlock(context.Background(), u.ID, &storage.Block{Until: e.now().Add(time.Hour), By: "op1"}); err != nil {
		t.Fatal(err)
	}
	var err error
	rec := httptest.NewRecorder()
	e.h.cookies.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err = e.h.startSessionWith(w, r, storage.Session{UserID: u.ID, AMR: []string{directory.AMRSMS}, ACR: directory.ACRPhone})
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/login/f/phone/verify", nil))
	if !errors.Is(err, directory.ErrAccountBlocked) {
		t.Fatalf("a session started for a locked account: %v", err)
	}
	if ss, lerr := e.store.ListUserSessions(context.Background(), u.ID); lerr != nil || len(ss) != 0 {
		t.Fatalf("sessions left: %+v %v", ss, lerr)
	}
	if uerr := unavailable(err); uerr.Status != http.StatusForbidden || uerr.Key != "login.account_blocked" {
		t.Fatalf("the page for a locked account: %+v", uerr)
	}
	if !e.hasAudit(u.ID, directory.EventSignIn, directory.OutcomeFailure, map[string]string{"reason": "account_blocked"}) {
		t.Error("the refusal is not audited")
	}
}
