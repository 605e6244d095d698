package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMissingPages: a browser's unknown path and a page's wrong method get
// the page in the layout, in the browser's language, with a way back; the
// protocol's paths and a program's requests keep their protocol answers.
func TestMissingPages(t *testing.T) {
	ta := newTestApp(t)
	get := func(method, path, accept, lang string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ta.URL+path, nil)
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}
	const html = "text/html,application/xhtml+xml,*/*;q=0.8"
	for _, c := range []struct {
		method, path, accept, lang string
		status                     int
		want                       string
	}{
		{"GET", "/no/such/page", html, "ru", 404, "Такой страницы нет"},
		{"GET", "/no/such/page", html, "en", 404, "There is no such page"},
		{"DELETE", "/account", html, "ru", 405, "Эта страница так не открывается"},
		{"PUT", "/console", html, "en", 405, "This page cannot be opened this way"},
	} {
		status, ctype, body := get(c.method, c.path, c.accept, c.lang)
		if status != c.status || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, c.want) ||
			!strings.Contains(body, `<a href="/account">`) || !strings.Contains(body, `<html lang="`+c.lang+`">`) {
			t.Errorf("%s %s (%s): %d %s %s", c.method, c.path, c.lang, status, ctype, body)
		}
	}
	// The protocol's own paths answer in JSON even to a browser.
	if status, ctype, _ := get("GET", "/.well-known/openid-configuration", html, "ru"); status != 200 || !strings.HasPrefix(ctype, "application/json") {
		t.Errorf("discovery: %d %s", status, ctype)
	}
	if status, ctype, _ := get("GET", "/oauth/token", html, "ru"); status != http.StatusMethodNotAllowed || !strings.HasPrefix(ctype, "application/json") {
		t.Errorf("token endpoint: %d %s", status, ctype)
	}
	// A program asking for an unknown path gets no page.
	if status, ctype, _ := get("GET", "/no/such/page", "application/json", "ru"); status != 404 || strings.HasPrefix(ctype, "text/html") {
		t.Errorf("a program's unknown path: %d %s", status, ctype)
	}
}
