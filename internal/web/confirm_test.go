package web

import (
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/language"
)

// TestConfirmed: a dangerous action's first POST gets the confirmation page,
// which posts the same fields back with confirm=1 (but not the old CSRF
// token: the page has its own) and links "Cancel"; the confirmed POST passes.
func TestConfirmed(t *testing.T) {
	cat, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewRenderer(cat, slog.New(slog.DiscardHandler), fstest.MapFS{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := Confirmation{Key: "confirm.leave", Args: []string{"Org", "ООО «Ромашка»"}, Cancel: "/account/companies"}
	form := url.Values{"reason": {`a "quoted" <reason>`}, "role": {"a", "b"}, csrfFieldName: {"old"}}
	r := httptest.NewRequest(http.MethodPost, "/account/companies/o1/leave", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	if p.Confirmed(w, r, language.Russian, c) {
		t.Fatal("the first POST passed")
	}
	body := html.UnescapeString(w.Body.String())
	for _, want := range []string{"<h1>Покинуть организацию?</h1>", "Вы покинете организацию ООО «Ромашка»:", `action="/account/companies/o1/leave"`,
		`name="reason" value="a "quoted" <reason>"`, `name="role" value="a"`, `name="role" value="b"`, `name="confirm" value="1"`,
		`<button type="submit">Покинуть организацию</button>`, `<a href="/account/companies">Отмена</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in %s", want, body)
		}
	}
	if w.Code != http.StatusOK || strings.Contains(body, `value="old"`) || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("status %d, headers %v: %s", w.Code, w.Header(), body)
	}
	form.Set(ConfirmField, "1")
	r = httptest.NewRequest(http.MethodPost, "/account/companies/o1/leave", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if w := httptest.NewRecorder(); !p.Confirmed(w, r, language.Russian, c) || w.Body.Len() != 0 {
		t.Fatal("the confirmed POST did not pass")
	}
}
