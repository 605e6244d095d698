package login

import (
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/vhod-id/vhod/internal/web"
)

// formPostPage carries an authorization response to the client by the form
// post response mode (OAuth 2.0 Form Post Response Mode §2): hidden fields,
// posted to the redirect URI at once by static/formpost.js.
type formPostPage struct {
	base
	Action string
	Fields []formPostField
}

type formPostField struct{ Name, Value string }

// FormPost answers the client by form post. The page has no inline script (the
// CSP forbids it): a static script submits the form, and without JavaScript
// its button does. It never carries a CSRF token: the form goes to the client.
// CSP's form-action is left open, as default-src does not govern it.
func (h *Handler) FormPost(w http.ResponseWriter, r *http.Request, action string, params url.Values) {
	page := formPostPage{base: base{Base: web.Base{Translator: h.catalog.Translator(web.PickLanguage(r, nil))}}, Action: action}
	page.Title = page.T("formpost.title")
	for _, k := range slices.Sorted(maps.Keys(params)) {
		for _, v := range params[k] {
			page.Fields = append(page.Fields, formPostField{Name: k, Value: v})
		}
	}
	h.securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.pages.Render(w, r, http.StatusOK, "form_post", page)
	})).ServeHTTP(w, r)
}
