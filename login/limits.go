package login

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vhod-id/vhod/storage"

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

// failures returns the failed sign-ins counted for the address and, when login is
// given, the identifier.
func (h *Handler) failures(r *http.Request, login string) (counts, error) {
	var c counts
	ipKey, identKey := h.limitKeys(r, login)
	var err error
	if c.ip, err = h.store.Count(r.Context(), ipKey, h.cfg.Limits.Window, h.now()); err != nil || login == "" {
		return c, err
	}
	c.ident, err = h.store.Count(r.Context(), identKey, h.cfg.Limits.Window, h.now())
	return c, err
}

// counts are the failed sign-ins of an address and an identifier in the window.
type counts struct{ ip, ident int64 }

// over: this address or identifier has failed too often; no more attempts now.
func (h *Handler) over(c counts) bool {
	l := h.cfg.Limits
	return (l.PerIP > 0 && c.ip >= int64(l.PerIP)) || (l.PerIdentifier > 0 && c.ident >= int64(l.PerIdentifier))
}

// captchaNeeded: after repeated failures the form asks for a captcha, so that
// guessing costs work.
func (h *Handler) captchaNeeded(c counts) bool {
	n := int64(h.cfg.Limits.CaptchaAfter)
	return h.cfg.Captcha != nil && n > 0 && (c.ip >= n || c.ident >= n)
}

// addressNeedsCaptcha decides for a fresh form, before any login is typed.
func (h *Handler) addressNeedsCaptcha(r *http.Request) bool {
	if h.cfg.Captcha == nil || h.cfg.Limits.CaptchaAfter <= 0 {
		return false
	}
	c, err := h.failures(r, "")
	return err == nil && h.captchaNeeded(c)
}

// countFailure adds a failed sign-in to both counters and returns the new counts.
func (h *Handler) countFailure(r *http.Request, login string) (counts, error) {
	ipKey, identKey := h.limitKeys(r, login)
	var c counts
	var err error
	if c.ip, err = h.store.Hit(r.Context(), ipKey, h.cfg.Limits.Window, h.now()); err != nil {
		return c, err
	}
	c.ident, err = h.store.Hit(r.Context(), identKey, h.cfg.Limits.Window, h.now())
	return c, err
}

// countAddressFailure adds a failed sign-in to the address's counter only (a
// certificate sign-in has no typed identifier to count against).
func (h *Handler) countAddressFailure(r *http.Request) error {
	ipKey, _ := h.limitKeys(r, "")
	_, err := h.store.Hit(r.Context(), ipKey, h.cfg.Limits.Window, h.now())
	return err
}

// accountFailure counts a wrong password against its account: answers slow down
// progressively, and past the lock threshold the account is locked for a while
// (recovery or an operator opens it earlier). It reports whether it locked.
func (h *Handler) accountFailure(r *http.Request, userID string) (bool, error) {
	l := h.cfg.Limits
	if l.DelayAfter <= 0 && l.LockAfter <= 0 {
		return false, nil
	}
	window := max(l.Window, l.LockFor)
	n, err := h.store.Hit(r.Context(), "signin-fail:user:"+userID, window, h.now())
	if err != nil {
		return false, err
	}
	if l.LockAfter > 0 && n >= int64(l.LockAfter) {
		if err := h.accounts.Lock(r.Context(), userID, h.now().Add(l.LockFor)); err != nil {
			return false, err
		}
		h.audit(r, storage.AuditEvent{Type: directory.EventAccountLocked, Outcome: directory.OutcomeSuccess, UserID: userID,
			Details: map[string]string{"failures": strconv.FormatInt(n, 10), "until": h.now().Add(l.LockFor).UTC().Format(time.RFC3339)}})
		return true, nil
	}
	if l.DelayAfter > 0 && n >= int64(l.DelayAfter) {
		d := time.Second << min(n-int64(l.DelayAfter), 3)
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	return false, nil
}
