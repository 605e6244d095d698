package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"
)

// Cookie base names (see CookieName for what is sent). Both are HttpOnly and
// SameSite=Lax: Lax so that the top-level navigation from a relying party to
// /authorize carries them.
const (
	BrowserCookie = "vhod_browser"
	SessionCookie = "vhod_session"
	// CSRFCookie is gorilla/csrf's cookie (see CSRF).
	CSRFCookie = "vhod_csrf"
)

// hostPrefix makes a cookie that only this host, over https, can set (RFC 6265bis
// section 4.1.3.2): the browser refuses it unless it is Secure, has Path=/ and no
// Domain. Without it a sibling subdomain, or anyone able to answer one plain-http
// request for the host, could plant a browser binding whose value they know and
// then collect the code of the victim's sign-in at /authorize/callback.
const hostPrefix = "__Host-"

// CookieName is the name under which every cookie of Vhod's is set and read:
// base with the __Host- prefix on an https issuer (secure), plain on the http
// loopback issuer of development, where browsers refuse Secure cookies. Readers
// must look only under this name, so that a planted unprefixed cookie is never
// read. Every cookie set under it must be Secure with Path=/ and no Domain when
// secure (Cookies.set does that).
func CookieName(secure bool, base string) string {
	if secure {
		return hostPrefix + base
	}
	return base
}

// Cookies manages the browser binding and SSO session cookies. It is shared with the
// provider (as provider.Browser), which binds auth requests to the same browser.
type Cookies struct {
	secure          bool
	sessionLifetime time.Duration
}

// NewCookies makes the cookie manager; secure marks cookies Secure (https issuers).
func NewCookies(secure bool, sessionLifetime time.Duration) *Cookies {
	return &Cookies{secure: secure, sessionLifetime: sessionLifetime}
}

type browserKey struct{}

type browserInfo struct{ browser, session string }

// Middleware makes sure the browser has a binding cookie and puts the hashes of the
// binding and session cookies into the request context.
func (c *Cookies) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var info browserInfo
		if ck, err := r.Cookie(c.name(BrowserCookie)); err == nil && len(ck.Value) >= 32 {
			info.browser = HashValue(ck.Value)
		} else {
			v := RandomValue()
			c.set(w, BrowserCookie, v, 400*24*time.Hour)
			info.browser = HashValue(v)
		}
		if ck, err := r.Cookie(c.name(SessionCookie)); err == nil && ck.Value != "" {
			info.session = HashValue(ck.Value)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), browserKey{}, info)))
	})
}

// BrowserHash is the hash of the binding cookie ("" outside Middleware).
func (c *Cookies) BrowserHash(ctx context.Context) string {
	info, _ := ctx.Value(browserKey{}).(browserInfo)
	return info.browser
}

// SessionID is the stored ID (cookie hash) of the SSO session ("" when none).
func (c *Cookies) SessionID(ctx context.Context) string {
	info, _ := ctx.Value(browserKey{}).(browserInfo)
	return info.session
}

// ClearSession removes the SSO session cookie.
func (c *Cookies) ClearSession(w http.ResponseWriter) {
	c.set(w, SessionCookie, "", -1)
}

// StartSession sets a new session cookie and returns the stored ID for it.
func (c *Cookies) StartSession(w http.ResponseWriter) string {
	v := RandomValue()
	c.set(w, SessionCookie, v, c.sessionLifetime)
	return HashValue(v)
}

// name is the name a cookie is set and read under (see CookieName).
func (c *Cookies) name(base string) string { return CookieName(c.secure, base) }

// set sets cookie base; its attributes are those the __Host- prefix demands.
func (c *Cookies) set(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: c.name(base), Value: value, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else {
		ck.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, ck)
}

// RandomValue is 32 random bytes, base64url: a cookie value nobody can guess.
func RandomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashValue is what is stored of a cookie value (SHA-256, hex), so that a
// leaked database holds no cookie a browser could present.
func HashValue(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}
