// Package webtest helps the page tests of account and console read what
// internal/web draws.
package webtest

import (
	"html"
	"net/url"
	"regexp"
)

var (
	confirmForm = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)">(.*?)</form>`)
	hidden      = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// ConfirmForm reads a confirmation page (web.Renderer.Confirmed): the URL
// its button posts to and the fields it posts, confirm=1 among them. ok is
// false when body is no confirmation page.
func ConfirmForm(body string) (action string, form url.Values, ok bool) {
	// The page's form is the one that posts confirm=1: a signed-in page's
	// frame has forms of its own (the header's "Sign out") before it.
	for _, m := range confirmForm.FindAllStringSubmatch(body, -1) {
		form = url.Values{}
		for _, f := range hidden.FindAllStringSubmatch(m[2], -1) {
			form.Add(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
		}
		if form.Get("confirm") == "1" {
			return html.UnescapeString(m[1]), form, true
		}
	}
	return "", nil, false
}
