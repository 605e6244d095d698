package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SecurityHeaders is the middleware of every page: no inline script or style
// anywhere, no framing, no caching of pages that carry CSRF tokens, and
// referrers only within our origin (the CSRF check reads them; a flow URL must
// not leak to others). origins are a hosted captcha's, allowed for its script,
// connections and frame only; none: frames are refused too.
func SecurityHeaders(origins []string) func(http.Handler) http.Handler {
	extra := ""
	frames := "'none'"
	if len(origins) > 0 {
		extra = " " + strings.Join(origins, " ")
		frames = strings.Join(origins, " ")
	}
	csp := "default-src 'none'; script-src 'self'" + extra + "; style-src 'self'; img-src 'self'; connect-src 'self'" + extra +
		"; frame-src " + frames + "; base-uri 'none'; frame-ancestors 'none'"
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hd := w.Header()
			hd.Set("Content-Security-Policy", csp)
			hd.Set("X-Frame-Options", "DENY")
			hd.Set("X-Content-Type-Options", "nosniff")
			hd.Set("Referrer-Policy", "same-origin")
			hd.Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
		})
	}
}

// MaxPageBody bounds every request body of the pages before anything reads it
// (the CSRF check parses forms first): an uploaded signature is the largest.
const MaxPageBody = 1 << 20

// LimitBody is the one bound on what a page's form may post (MaxPageBody). It
// must come before CSRF, which parses the form before any handler runs, so a
// bound set inside a handler would come too late.
func LimitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxPageBody)
		}
		next.ServeHTTP(w, r)
	})
}

// CacheFor lets browsers and proxies keep what next serves for d: for static
// files, which carry no token and no person's data.
func CacheFor(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
