package login

import (
	"errors"
	"net/http"

	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// Device cookies (web.DeviceCookies, after OWASP's "Slow Down Online Guessing
// Attacks with Device Cookies"): the lock that repeated failures put on an
// account (and on its identifiers) is for browsers without such a cookie, so a
// stranger's guessing cannot lock the owner out. Failures from one device
// cookie are counted against its nonce; past the lock threshold that cookie is
// distrusted like any stranger's browser.

// device is a verified device cookie.
type device struct{ userID, nonce string }

func (h *Handler) deviceCookies() web.DeviceCookies {
	return web.DeviceCookies{Key: h.cfg.DeviceKey, Secure: h.secure}
}

// setDeviceCookie marks this browser as one that signed in to userID (no-op
// when device cookies are off).
func (h *Handler) setDeviceCookie(w http.ResponseWriter, userID string) {
	h.deviceCookies().Set(w, userID, h.now())
}

// deviceFromCookie returns the browser's device cookie when its signature holds
// and it is not older than its lifetime.
func (h *Handler) deviceFromCookie(r *http.Request) (device, bool) {
	id, nonce, ok := h.deviceCookies().Read(r, h.now())
	return device{userID: id, nonce: nonce}, ok
}

func deviceFailKey(d device) string { return "signin-fail:device:" + d.nonce }

// deviceFailuresAllowed is how many wrong passwords one device cookie may send in
// the lock window before it is distrusted: as many as lock an account.
func (h *Handler) deviceFailuresAllowed() int64 {
	if l := h.cfg.Limits; l.LockAfter > 0 {
		return int64(l.LockAfter)
	}
	return int64(h.cfg.Limits.PerIdentifier)
}

// trustedDevice is the browser's device cookie when its signature holds and it
// has not sent too many wrong passwords; whose account it names is for the
// caller to check.
func (h *Handler) trustedDevice(r *http.Request) (device, bool, error) {
	d, ok := h.deviceFromCookie(r)
	if !ok {
		return device{}, false, nil
	}
	if allowed := h.deviceFailuresAllowed(); allowed > 0 {
		n, err := h.store.Count(r.Context(), deviceFailKey(d), h.lockWindow(), h.now())
		if err != nil || n >= allowed {
			return device{}, false, err
		}
	}
	return d, true, nil
}

// knownDevice returns the browser's device cookie when it was issued for the
// account login names and has not failed too often: such a browser is spared the
// locks of that account. The account lookup happens only for a validly signed
// cookie, so it tells a stranger nothing.
func (h *Handler) knownDevice(r *http.Request, login string) (*device, error) {
	d, ok, err := h.trustedDevice(r)
	if err != nil || !ok {
		return nil, err
	}
	u, err := h.accounts.UserByLogin(r.Context(), login)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.ID != d.userID) {
		return nil, nil
	}
	return &d, err
}
