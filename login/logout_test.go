package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
)

// end_session: a request the provider refuses gets its sentence; without a
// session, or with the current session's id_token_hint, the session ends at
// once; otherwise the person is asked, and "stay" keeps the session.
func TestEndSession(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{})
	signedIn := func() *testBrowser {
		b := e.browser()
		if p := b.signIn(e.authRequest(b, "portal", nil), u.Login); p.status != http.StatusSeeOther || b.sessionCookie() == "" {
			t.Fatalf("sign-in: %v", p)
		}
		return b
	}
	t.Run("refused", func(t *testing.T) {
		b := e.browser()
		b.lang = "ru"
		if p := b.get("/end_session?post_logout_redirect_uri=https://bad.example"); p.status != http.StatusBadRequest || !p.has(e.text("ru", "logout.bad_redirect")) {
			t.Errorf("unregistered redirect: %v", p)
		}
		if p := b.get("/end_session?id_token_hint=broken&ui_locales=en"); p.status != http.StatusBadRequest || !p.has(e.text("en", "logout.bad_request")) {
			t.Errorf("broken hint: %v", p)
		}
	})
	t.Run("current session ends at once", func(t *testing.T) {
		b := signedIn()
		p := b.get("/end_session?id_token_hint=current&post_logout_redirect_uri=https://shop.example/bye")
		if p.status != http.StatusSeeOther || p.location != "https://shop.example/bye" {
			t.Fatalf("logout: %v", p)
		}
		if b.sessionCookie() != "" {
			t.Error("session cookie not cleared")
		}
	})
	t.Run("no session: own page in the request's language", func(t *testing.T) {
		b := e.browser()
		p := b.get("/end_session?ui_locales=ru")
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "http://vhod.test/logged-out") || !strings.Contains(p.location, "ui_locales=ru") {
			t.Fatalf("logout: %v", p)
		}
		if p := b.get("/logged-out?ui_locales=ru"); p.status != http.StatusOK || !p.has(e.text("ru", "logout.title")) {
			t.Errorf("logged-out page: %v", p)
		}
	})
	t.Run("asked: sign out", func(t *testing.T) {
		b := signedIn()
		p := b.get("/end_session?post_logout_redirect_uri=https://shop.example/bye")
		if p.status != http.StatusOK || !p.has("Shop") || b.sessionCookie() == "" {
			t.Fatalf("a bare request ended the session or asked nothing: %v", p)
		}
		p = b.post("/logout", url.Values{"t": {"sealed:https://shop.example/bye"}, "action": {"logout"}})
		if p.status != http.StatusSeeOther || p.location != "https://shop.example/bye" || b.sessionCookie() != "" {
			t.Errorf("sign out: %v", p)
		}
	})
	t.Run("asked: stay", func(t *testing.T) {
		b := signedIn()
		b.get("/end_session")
		p := b.post("/logout", url.Values{"t": {"sealed:"}, "action": {"stay"}})
		if p.status != http.StatusOK || !p.has(e.text("en", "logout.stayed_title")) || b.sessionCookie() == "" {
			t.Errorf("stay: %v", p)
		}
		if p := b.post("/logout", url.Values{"t": {"sealed:https://shop.example/bye"}, "action": {"stay"}}); p.location != "https://shop.example/bye" {
			t.Errorf("stay with a way back: %v", p)
		}
		if p := b.post("/logout", url.Values{"t": {"damaged"}, "action": {"logout"}}); p.status != http.StatusBadRequest || b.sessionCookie() == "" {
			t.Errorf("damaged confirmation: %v", p)
		}
		if p := b.post("/logout", url.Values{"t": {"sealed:"}}); p.status != http.StatusBadRequest {
			t.Errorf("no action: %v", p)
		}
		// The confirmation form is CSRF-protected.
		b.token = ""
		if p := b.post("/logout", url.Values{"t": {"sealed:"}, "action": {"logout"}}); p.status != http.StatusForbidden || b.sessionCookie() == "" {
			t.Errorf("without the token: %v", p)
		}
	})
	t.Run("POST from the RP turns into a GET", func(t *testing.T) {
		b := e.browser()
		b.token = "" // an RP's page has no token of ours
		p := b.post("/end_session", url.Values{"id_token_hint": {"x"}, "state": {"s1"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/end_session?") || !strings.Contains(p.location, "state=s1") {
			t.Errorf("POST: %v", p)
		}
	})
}

// The end-session page frames the apps' front-channel logout URLs, and only
// their origins are allowed in its CSP.
func TestLoggedOutFrames(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.SignedOut = func(sealed string) ([]SignedOutApp, string, bool) {
			if sealed != "good" {
				return nil, "", false
			}
			return []SignedOutApp{{Name: "Shop", Frontchannel: "https://shop.example/fc"}, {Name: "Bad", Frontchannel: "javascript:x"}},
				"https://shop.example/bye", true
		}
	})
	b := e.browser()
	p := b.get("/logged-out?t=good")
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src https://shop.example") || strings.Contains(csp, "javascript") {
		t.Errorf("CSP %q", csp)
	}
	if !p.has("https://shop.example/fc") || !p.has("https://shop.example/bye") {
		t.Errorf("page: %v", p)
	}
	p = b.get("/logged-out?t=stale")
	if strings.Contains(p.header.Get("Content-Security-Policy"), "shop.example") || p.has("https://shop.example/fc") {
		t.Errorf("stale state shown: %v", p)
	}
}

// Without Logouts the end_session endpoint is not served.
func TestEndSessionOff(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Logouts = nil })
	if p := e.browser().get("/end_session"); p.status != http.StatusNotFound {
		t.Errorf("end_session: %v", p)
	}
}

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
