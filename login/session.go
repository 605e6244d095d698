package login

import (
	"context"
	"errors"
	"net/http"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/storage"
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

// startSession replaces the browser's SSO session with a new one for userID.
// A new cookie value on every sign-in prevents session fixation.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, userID string, amr []string, acr string) (storage.Session, error) {
	return h.startSessionWith(w, r, storage.Session{UserID: userID, AMR: amr, ACR: acr})
}

// startSessionWith starts a session from the template s (user, amr, acr,
// certificate); the rest is filled in here.
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
	// Whatever the method, this browser has now proved itself to the account.
	h.setDeviceCookie(w, s.UserID)
	return s, nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string { return directory.TruncateUTF8(s, n) }

// clientIP is the client address worked out once per request from the TCP peer
// and the trusted proxies' headers (see internal/clientaddr).
func clientIP(r *http.Request) string { return clientaddr.Of(r) }
