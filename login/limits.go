package login

import (
	"net/http"
	"strings"

	"github.com/vhod-id/vhod/directory"
)

// Sign-in outcomes, for metrics.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeLimited = "limited"
)

// limitKeys are the counters a failed sign-in adds to: the client address and the
// identifier as it normalises (so "8 909…" and "+7 909…" count together).
func (h *Handler) limitKeys(r *http.Request, login string) (ip, ident string) {
	id, err := directory.IdentifierKey(login)
	if err != nil {
		id = "raw:" + strings.ToLower(strings.TrimSpace(login))
	}
	return "signin-fail:ip:" + clientIP(r), "signin-fail:id:" + id
}

// overLimit tells whether this address or identifier has failed too often in the
// current window. The counters live in the database, so every instance agrees.
func (h *Handler) overLimit(r *http.Request, login string) (bool, error) {
	l := h.cfg.Limits
	ip, ident := h.limitKeys(r, login)
	for _, c := range []struct {
		key   string
		limit int
	}{{ip, l.PerIP}, {ident, l.PerIdentifier}} {
		if c.limit <= 0 {
			continue
		}
		n, err := h.store.Count(r.Context(), c.key, l.Window, h.now())
		if err != nil {
			return false, err
		}
		if n >= int64(c.limit) {
			return true, nil
		}
	}
	return false, nil
}

// countFailure adds a failed sign-in to both counters.
func (h *Handler) countFailure(r *http.Request, login string) error {
	ip, ident := h.limitKeys(r, login)
	for _, key := range []string{ip, ident} {
		if _, err := h.store.Hit(r.Context(), key, h.cfg.Limits.Window, h.now()); err != nil {
			return err
		}
	}
	return nil
}
