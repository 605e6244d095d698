package selfservice

import (
	"net/http"
	"net/url"
	"testing"
)

// Every page refuses a request it cannot place (no such flow, no auth
// request) with a sentence in the person's language, never a 500.
func TestRefusalsInThePersonsLanguage(t *testing.T) {
	e := newEnv(t, nil, nil)
	routes := []struct{ method, path string }{
		{http.MethodGet, "/recover"},
		{http.MethodGet, "/recover/nope"},
		{http.MethodPost, "/recover/nope/send"},
		{http.MethodPost, "/recover/nope/reset"},
		{http.MethodGet, "/register"},
		{http.MethodGet, "/register/nope"},
		{http.MethodPost, "/register/nope/send"},
		{http.MethodPost, "/register/nope/confirm"},
		{http.MethodGet, "/activate"},
		{http.MethodGet, "/activate/nope"},
		{http.MethodPost, "/activate/nope/send"},
		{http.MethodPost, "/activate/nope/confirm"},
	}
	for _, lang := range []string{"ru", "en"} {
		b := e.Browser()
		b.Lang = lang
		b.Start(e.AuthRequest(b, "portal", nil)) // a page with the CSRF token
		want := e.Text(lang, "error.unknown_request")
		for _, rt := range routes {
			var p page
			if rt.method == http.MethodGet {
				p = b.Get(rt.path)
			} else {
				p = b.Post(rt.path, url.Values{})
			}
			if p.Status != http.StatusBadRequest || !p.Has(want) {
				t.Errorf("%s %s in %s: %v", rt.method, rt.path, lang, p)
			}
		}
	}
}
