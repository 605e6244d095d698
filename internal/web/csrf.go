package web

import (
	"net/http"

	"github.com/gorilla/csrf"
)

// csrfFieldName is the form field of the CSRF token.
const csrfFieldName = "csrf_token"

// CSRF protects every form with gorilla/csrf. The cookie (CSRFCookie) is
// SameSite=Strict, __Host- prefixed on https (see CookieName), and key (32
// bytes) is shared by all instances, so a form served by one instance posts
// fine to another. A failure is the error page (error.csrf, 403; a body past
// MaxPageBody, forms.too_large, 413). secure says
// the issuer is https; skip, when set, names requests exempt from the check.
func (p *Renderer) CSRF(key []byte, secure bool, skip func(*http.Request) bool) func(http.Handler) http.Handler {
	protect := csrf.Protect(key,
		csrf.Secure(secure), csrf.HttpOnly(true), csrf.Path("/"),
		csrf.SameSite(csrf.SameSiteStrictMode), csrf.CookieName(CookieName(secure, CSRFCookie)), csrf.FieldName(csrfFieldName),
		csrf.ErrorHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > MaxPageBody {
				// The token was never read: the body (an uploaded file) is past the limit.
				p.Fail(w, r, PickLanguage(r, nil), &UserError{Status: http.StatusRequestEntityTooLarge, Key: "forms.too_large", Err: csrf.FailureReason(r)})
				return
			}
			p.Fail(w, r, PickLanguage(r, nil), &UserError{Status: http.StatusForbidden, Key: "error.csrf", Err: csrf.FailureReason(r)})
		})))
	return func(next http.Handler) http.Handler {
		protected := protect(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Plain HTTP only on a loopback issuer; the certificate listener is TLS
			// even then, and its requests are checked as such.
			if !secure && r.TLS == nil {
				r = csrf.PlaintextHTTPRequest(r)
			}
			if skip != nil && skip(r) {
				r = csrf.UnsafeSkipCheck(r)
			}
			protected.ServeHTTP(w, r)
		})
	}
}
