package web

import (
	"net/http"
	"strings"
)

// Missing is the page for a page path that nobody serves (404) or a method a
// page does not take (405): the error page in the layout, in the language the
// browser asks for, with a way back to the account. Nothing is logged: these
// are typos and old bookmarks, not failures.
func (p *Renderer) Missing(status int) http.Handler {
	titleKey, key := "error.no_page_title", "error.no_page"
	if status == http.StatusMethodNotAllowed {
		titleKey, key = "error.method_title", "error.method"
	}
	return SecurityHeaders(nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := ErrorPage{Base: p.Base(r, PickLanguage(r, nil), titleKey), Home: accountHome}
		p.frame(r, &page.Base)
		page.Message = page.T(key)
		p.Render(w, r, status, errorPageName, page)
	}))
}

// WantsPage tells whether a request is a browser's for a page (it accepts
// HTML), rather than a program's that expects a protocol answer.
func WantsPage(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
