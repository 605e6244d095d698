package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DeviceCookies sign and read device cookies, after OWASP's "Slow Down Online
// Guessing Attacks with Device Cookies": a browser that signs in gets a
// cookie, signed with a server key, that names the account and a random
// nonce, and a new one on every sign-in. What such a browser is spared is the
// caller's rule (login's locks); this is only the cookie.
type DeviceCookies struct {
	// Key signs the cookies, the same on every instance; empty: no device cookies.
	Key    []byte
	Secure bool
}

// deviceCookie is the cookie's base name; CookieName prefixes it with __Host- on
// https issuers, so that a sibling host cannot plant one.
const deviceCookie = "vhod_device"

// DeviceCookieLifetime is as long as browsers keep a cookie (400 days at most).
const DeviceCookieLifetime = 400 * 24 * time.Hour

// mac signs the cookie's fields; the prefix keeps the MAC to this use.
func (d DeviceCookies) mac(userID, nonce, issued string) []byte {
	m := hmac.New(sha256.New, d.Key)
	m.Write([]byte("vhod device cookie v1\x00" + userID + "\x00" + nonce + "\x00" + issued))
	return m.Sum(nil)
}

// Set marks this browser as one that signed in to userID (a no-op without a key).
func (d DeviceCookies) Set(w http.ResponseWriter, userID string, now time.Time) {
	if len(d.Key) == 0 {
		return
	}
	nonce, issued := RandomValue(), strconv.FormatInt(now.Unix(), 10)
	v := strings.Join([]string{base64.RawURLEncoding.EncodeToString([]byte(userID)), nonce, issued,
		base64.RawURLEncoding.EncodeToString(d.mac(userID, nonce, issued))}, ".")
	http.SetCookie(w, &http.Cookie{Name: CookieName(d.Secure, deviceCookie), Value: v, Path: "/", MaxAge: int(DeviceCookieLifetime.Seconds()),
		HttpOnly: true, Secure: d.Secure, SameSite: http.SameSiteLaxMode})
}

// Read returns the account and nonce of the browser's device cookie when its
// signature holds and it is not older than its lifetime.
func (d DeviceCookies) Read(r *http.Request, now time.Time) (userID, nonce string, ok bool) {
	if len(d.Key) == 0 {
		return "", "", false
	}
	ck, err := r.Cookie(CookieName(d.Secure, deviceCookie))
	if err != nil || len(ck.Value) > 512 {
		return "", "", false
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 4 {
		return "", "", false
	}
	id, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	mac, err2 := base64.RawURLEncoding.DecodeString(parts[3])
	issued, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || len(id) == 0 || parts[1] == "" ||
		!hmac.Equal(mac, d.mac(string(id), parts[1], parts[2])) {
		return "", "", false
	}
	if age := now.Sub(time.Unix(issued, 0)); age < 0 || age > DeviceCookieLifetime {
		return "", "", false
	}
	return string(id), parts[1], true
}
