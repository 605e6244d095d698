package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// Device cookies, after OWASP's "Slow Down Online Guessing Attacks with Device
// Cookies": a browser that signs in gets a cookie, signed with a server key, that
// names the account and a random nonce. The lock that repeated failures put on
// an account (and on its identifiers) is for browsers without such a cookie, so
// a stranger's guessing cannot lock the owner out. Failures from one device
// cookie are counted against its nonce; past the lock threshold that cookie is
// distrusted like any stranger's browser. Each sign-in issues a fresh cookie.

// deviceCookie is the cookie's base name; CookieName prefixes it with __Host- on
// https issuers, so that a sibling host cannot plant one.
const deviceCookie = "vhod_device"

// deviceCookieLifetime is as long as browsers keep a cookie (400 days at most).
const deviceCookieLifetime = 400 * 24 * time.Hour

// device is a verified device cookie.
type device struct{ userID, nonce string }

// deviceMAC signs the cookie's fields; the prefix keeps the MAC to this use.
func (h *Handler) deviceMAC(userID, nonce, issued string) []byte {
	m := hmac.New(sha256.New, h.cfg.DeviceKey)
	m.Write([]byte("vhod device cookie v1\x00" + userID + "\x00" + nonce + "\x00" + issued))
	return m.Sum(nil)
}

// setDeviceCookie marks this browser as one that signed in to userID (no-op
// when device cookies are off).
func (h *Handler) setDeviceCookie(w http.ResponseWriter, userID string) {
	if len(h.cfg.DeviceKey) == 0 {
		return
	}
	nonce, issued := web.RandomValue(), strconv.FormatInt(h.now().Unix(), 10)
	v := strings.Join([]string{base64.RawURLEncoding.EncodeToString([]byte(userID)), nonce, issued,
		base64.RawURLEncoding.EncodeToString(h.deviceMAC(userID, nonce, issued))}, ".")
	http.SetCookie(w, &http.Cookie{Name: web.CookieName(h.secure, deviceCookie), Value: v, Path: "/", MaxAge: int(deviceCookieLifetime.Seconds()),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// deviceFromCookie returns the browser's device cookie when its signature holds
// and it is not older than its lifetime.
func (h *Handler) deviceFromCookie(r *http.Request) (device, bool) {
	if len(h.cfg.DeviceKey) == 0 {
		return device{}, false
	}
	ck, err := r.Cookie(web.CookieName(h.secure, deviceCookie))
	if err != nil || len(ck.Value) > 512 {
		return device{}, false
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 4 {
		return device{}, false
	}
	id, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	mac, err2 := base64.RawURLEncoding.DecodeString(parts[3])
	issued, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || len(id) == 0 || parts[1] == "" ||
		!hmac.Equal(mac, h.deviceMAC(string(id), parts[1], parts[2])) {
		return device{}, false
	}
	if age := h.now().Sub(time.Unix(issued, 0)); age < 0 || age > deviceCookieLifetime {
		return device{}, false
	}
	return device{userID: string(id), nonce: parts[1]}, true
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
func (h *Handler) knownDevice(r *http.Request, login string) (device, bool, error) {
	d, ok, err := h.trustedDevice(r)
	if err != nil || !ok {
		return device{}, false, err
	}
	u, err := h.accounts.UserByLogin(r.Context(), login)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.ID != d.userID) {
		return device{}, false, nil
	}
	if err != nil {
		return device{}, false, err
	}
	return d, true, nil
}

// deviceFailure counts a wrong password sent from a known device against that
// device cookie (not against the account, whose lock is for strangers).
func (h *Handler) deviceFailure(r *http.Request, d device) error {
	_, err := h.store.Hit(r.Context(), deviceFailKey(d), h.lockWindow(), h.now())
	return err
}
