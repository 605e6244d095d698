package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Every sign-in page of the core (the method packages test their own)
// refuses a request it cannot place (no such flow, no auth
// request) with a sentence in the person's language, never a 500.
func TestRefusalsInThePersonsLanguage(t *testing.T) {
	e := newEnv(t, nil)
	routes := []struct{ method, path string }{
		{http.MethodGet, "/login/nope"},
		{http.MethodPost, "/login/nope/password"},
		{http.MethodPost, "/login/nope/consent"},
		{http.MethodPost, "/login/nope/org"},
		{http.MethodPost, "/login/nope/password/change"},
	}
	for _, lang := range []string{"ru", "en"} {
		b := e.browser()
		b.lang = lang
		b.start(e.authRequest(b, "portal", nil)) // a page with the CSRF token
		want := e.text(lang, "error.unknown_request")
		for _, rt := range routes {
			var p page
			if rt.method == http.MethodGet {
				p = b.get(rt.path)
			} else {
				p = b.post(rt.path, url.Values{})
			}
			if p.status != http.StatusBadRequest || !p.has(want) {
				t.Errorf("%s %s in %s: %v", rt.method, rt.path, lang, p)
			}
		}
	}
}

// The provider's error page speaks the request's language and keeps the detail
// for the log.
func TestErrorPage(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		status int
		lang   string
	}{{http.StatusBadRequest, "ru"}, {http.StatusInternalServerError, "en"}, {http.StatusNotFound, "en"}} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/authorize", nil)
		r.Header.Set("Accept-Language", tc.lang)
		e.h.ErrorPage(w, r, tc.status, "", "", "secret detail")
		if w.Code != tc.status || strings.Contains(w.Body.String(), "secret detail") || !strings.Contains(w.Body.String(), `lang="`+tc.lang+`"`) {
			t.Errorf("%d %s: %d %s", tc.status, tc.lang, w.Code, w.Body.String())
		}
	}
}
