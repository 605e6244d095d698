package login

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
	"golang.org/x/text/language"
)

// currentSession returns the browser's valid SSO session, or nil.
func (h *Handler) currentSession(ctx context.Context) (*storage.Session, error) {
	id := h.cookies.SessionID(ctx)
	if id == "" {
		return nil, nil
	}
	s, err := h.store.SessionByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// startSessionWith starts a session from the template s (user, amr, acr,
// certificate, the client signing in); the rest is filled in here. Every
// sign-in method ends here, so this is where an account an operator locked is
// refused (directory.ErrAccountBlocked; unavailable turns it into the page that
// says so). The account is read after the session is written: an operator's
// lock is set before the lock ends the account's sessions, so a lock written
// before this read is seen here, and one written after it ends this session
// too. No session outlives a lock, and the SSO decision need not read the
// account on every request.
func (h *Handler) startSessionWith(w http.ResponseWriter, r *http.Request, s storage.Session) (storage.Session, error) {
	if old := h.cookies.SessionID(r.Context()); old != "" {
		if err := h.store.DeleteSession(r.Context(), old); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return storage.Session{}, err
		}
	}
	now := h.now().UTC()
	s.ID, s.SID, s.AuthTime = h.cookies.StartSession(w), directory.NewID(), now
	s.UserAgent, s.IP, s.CreatedAt, s.ExpiresAt = truncate(r.UserAgent(), 256), clientIP(r), now, now.Add(h.cfg.SessionLifetime)
	if err := h.store.CreateSession(r.Context(), s); err != nil {
		return s, err
	}
	if err := h.signInAllowed(r.Context(), s.UserID); err != nil {
		if derr := h.store.DeleteSession(r.Context(), s.ID); derr != nil && !errors.Is(derr, storage.ErrNotFound) {
			h.log.ErrorContext(r.Context(), "session of a refused sign-in not deleted", "user", s.UserID, "err", derr)
		}
		h.cookies.ClearSession(w)
		if errors.Is(err, directory.ErrAccountBlocked) {
			h.refuseBlocked(r, s.UserID, s.AMR)
		}
		return storage.Session{}, err
	}
	// The device cookie waits for the whole sign-in (afterAuthentication):
	// a first factor alone does not make the browser a trusted one.
	return s, nil
}

// signInAllowed reads the account and applies directory's one rule of who may
// sign in (directory.SignInAllowed).
func (h *Handler) signInAllowed(ctx context.Context, userID string) error {
	u, err := h.accounts.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if m, ok := ctx.Value(signedInKey{}).(*storage.User); ok {
		*m = u
	}
	return directory.SignInAllowed(u, h.now())
}

// signedInKey holds, for one request, the account as signInAllowed last read
// it: the steps that follow the session's start in the same request (the
// second-factor gate) take it from here instead of reading it again.
type signedInKey struct{}

func withSignedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), signedInKey{}, new(storage.User))))
	})
}

// refuseBlocked records a sign-in refused because an operator locked the account.
func (h *Handler) refuseBlocked(r *http.Request, userID string, amr []string) {
	h.log.WarnContext(r.Context(), "sign-in refused: account locked by an operator", "user", userID, "amr", amr)
	h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, UserID: userID,
		Details: map[string]string{"amr": strings.Join(amr, " "), "reason": "account_blocked"}})
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string { return directory.TruncateUTF8(s, n) }

// clientIP is the client address worked out once per request from the TCP peer
// and the trusted proxies' headers (see internal/clientaddr).
func clientIP(r *http.Request) string { return clientaddr.Of(r) }

// accountSession returns the signed-in person of the pages that need one (the
// console), or sends the browser to sign in through the account client and
// returns false.
func (h *Handler) accountSession(w http.ResponseWriter, r *http.Request) (*storage.Session, storage.User, bool) {
	return h.accountSessionThen(w, r, "account")
}

// accountSessionThen is accountSession whose sign-in comes back to
// /account/callback with state (the device page's "device:CODE"). The rule
// (a valid session, its user, not an accountant's) is directory.SignedIn.
func (h *Handler) accountSessionThen(w http.ResponseWriter, r *http.Request, state string) (*storage.Session, storage.User, bool) {
	sess, u, err := directory.SignedIn(r.Context(), h.store, h.accounts, h.cookies.SessionID(r.Context()), h.now())
	switch {
	case err == nil:
		return &sess, u, true
	case errors.Is(err, directory.ErrAccountant):
		h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusForbidden, Key: "account.accountant", Err: err})
	case errors.Is(err, directory.ErrAccountBlocked):
		h.pages.Fail(w, r, accountLang(r, u), unavailable(err))
	case errors.Is(err, storage.ErrNotFound):
		web.SignIn(w, r, h.cfg.Issuer, directory.AccountClientID, state, nil)
	default:
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
	}
	return nil, u, false
}

// accountLang is the language of a signed-in person's pages.
func accountLang(r *http.Request, u storage.User) language.Tag {
	return web.PersonLanguage(r, u.Locale)
}

// tellOfChange tells the owner that a way into the account changed (directory.ChangeNotices).
func (h *Handler) tellOfChange(r *http.Request, u storage.User, change string) {
	h.cfg.Notices.Tell(r.Context(), h.actor(r, u.ID), u, change, h.cfg.Notices.Contact(u))
}
