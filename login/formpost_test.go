package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// form_post carries the response in hidden fields, sorted, escaped, with no
// CSRF token and no referrer.
func TestFormPost(t *testing.T) {
	e := newEnv(t, nil)
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/authorize", nil)
	r.Header.Set("Accept-Language", "ru")
	e.h.FormPost(w, r, "https://shop.example/cb", url.Values{"state": {`a"<b>`}, "code": {"c1"}})
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, `action="https://shop.example/cb"`) {
		t.Fatalf("form post: %d %s", w.Code, body)
	}
	if strings.Index(body, `name="code"`) > strings.Index(body, `name="state"`) || strings.Contains(body, `a"<b>`) || strings.Contains(body, "csrf_token") {
		t.Errorf("fields: %s", body)
	}
	if w.Header().Get("Referrer-Policy") != "no-referrer" || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("headers %v", w.Header())
	}
	if !strings.Contains(body, e.text("ru", "formpost.title")) {
		t.Errorf("not in Russian: %s", body)
	}
}
