package web

import (
	"maps"
	"net/http"
	"slices"

	"golang.org/x/text/language"
)

// confirmPageName is the confirmation page's name among the pages (Confirmed).
const confirmPageName = "confirm"

// ConfirmField is the form field of a dangerous action's confirmed POST. The
// rule for every such action (leaving a company, removing a member, ending
// sessions, unlinking a certificate, deleting a client, suspending a company):
// its form posts to the action's URL without it, and gets the confirmation
// page; the page posts the same URL with the same fields and confirm=1, and
// only that POST acts. No script is needed, and the URLs stay as they were.
const ConfirmField = "confirm"

// Confirmation is what the confirmation page of one action says. Key names
// its messages: Key+".title" (the question), Key+".text" (what will happen,
// in plain words) and Key+".button" (the button that does it); Args fill
// their fields, in pairs as Translator.T takes them. Cancel is where "Cancel"
// goes back: the page the person was on.
type Confirmation struct {
	Key    string
	Args   []string
	Cancel string
}

// confirmPage is the confirmation page's data: the action's URL and the
// fields of the first POST, posted again with confirm=1.
type confirmPage struct {
	Base
	Text, Button, Action, Cancel string
	Fields                       []confirmField
}

type confirmField struct{ Name, Value string }

// Confirmed tells whether r is the confirmed POST of a dangerous action. When
// it is not, it answers with the confirmation page in language lang (200,
// nothing done) and the caller returns: call it after the checks that may
// refuse the action, before the action.
func (p *Renderer) Confirmed(w http.ResponseWriter, r *http.Request, lang language.Tag, c Confirmation) bool {
	if r.PostFormValue(ConfirmField) == "1" {
		return true
	}
	page := confirmPage{Base: p.Base(r, lang, c.Key+".title"), Action: r.URL.Path, Cancel: c.Cancel}
	p.frame(r, &page.Base)
	page.Text, page.Button = page.T(c.Key+".text", c.Args...), page.T(c.Key+".button", c.Args...)
	for _, name := range slices.Sorted(maps.Keys(r.PostForm)) {
		if name == ConfirmField || name == csrfFieldName {
			continue // the page has its own token
		}
		for _, v := range r.PostForm[name] {
			page.Fields = append(page.Fields, confirmField{name, v})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	p.Render(w, r, http.StatusOK, confirmPageName, page)
	return false
}
