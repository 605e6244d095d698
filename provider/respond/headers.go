package respond

import "net/http"

// PageCSP is the policy of the pages the provider's browser routes show (error
// pages, op's answers): the same as the login pages', no inline script or style.
const PageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// PageHeaders gives the provider's browser routes the security headers of
// Vhod's pages, whoever writes the answer (Vhod's error page, op's redirect or
// form). A page that needs another policy sets its own over it.
func PageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", PageCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		NoStore(w) // a redirect here carries a code or an error for the relying party
		next.ServeHTTP(w, r)
	})
}

// Header values set on every answer are shared, prepared slices instead of
// one new slice per Set: six to eight per request. Each has capacity one, so
// that Header.Add appends to a copy; Set and Del replace them; nobody writes
// into a header's slice in place.
var (
	apiCSP      = []string{"default-src 'none'; frame-ancestors 'none'"}
	noSniff     = []string{"nosniff"}
	noStore     = []string{"no-store"}
	noCache     = []string{"no-cache"}
	contentJSON = []string{"application/json"}
)

// JSONType sets Content-Type: application/json.
func JSONType(h http.Header) { h["Content-Type"] = contentJSON }

// APIHeaders: the protocol endpoints answer tokens and personal data, never to
// be cached (RFC 6749 section 5.1, RFC 6750 section 5.3, RFC 7662 section 4),
// never to be framed or sniffed.
func APIHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = apiCSP
		h["X-Content-Type-Options"] = noSniff
		NoStore(w)
		next.ServeHTTP(w, r)
	})
}
