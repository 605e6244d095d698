package logout

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
)

// end_session: a request the provider refuses gets its sentence; without a
// session, or with the current session's id_token_hint, the session ends at
// once; otherwise the person is asked, and "stay" keeps the session.
func TestEndSession(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.User(directory.NewUser{})
	signedIn := func() *testBrowser {
		b := e.Browser()
		if p := b.SignIn(e.AuthRequest(b, "portal", nil), u.Login); p.Status != http.StatusSeeOther || b.SessionCookie() == "" {
			t.Fatalf("sign-in: %v", p)
		}
		return b
	}
	t.Run("refused", func(t *testing.T) {
		b := e.Browser()
		b.Lang = "ru"
		if p := b.Get("/end_session?post_logout_redirect_uri=https://bad.example"); p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "logout.bad_redirect")) {
			t.Errorf("unregistered redirect: %v", p)
		}
		if p := b.Get("/end_session?id_token_hint=broken&ui_locales=en"); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "logout.bad_request")) {
			t.Errorf("broken hint: %v", p)
		}
	})
	t.Run("current session ends at once", func(t *testing.T) {
		b := signedIn()
		p := b.Get("/end_session?id_token_hint=current&post_logout_redirect_uri=https://shop.example/bye")
		if p.Status != http.StatusSeeOther || p.Location != "https://shop.example/bye" {
			t.Fatalf("logout: %v", p)
		}
		if b.SessionCookie() != "" {
			t.Error("session cookie not cleared")
		}
	})
	t.Run("no session: own page in the request's language", func(t *testing.T) {
		b := e.Browser()
		p := b.Get("/end_session?ui_locales=ru")
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "http://vhod.test/logged-out") || !strings.Contains(p.Location, "ui_locales=ru") {
			t.Fatalf("logout: %v", p)
		}
		if p := b.Get("/logged-out?ui_locales=ru"); p.Status != http.StatusOK || !p.Has(e.Text("ru", "logout.title")) {
			t.Errorf("logged-out page: %v", p)
		}
	})
	t.Run("asked: sign out", func(t *testing.T) {
		b := signedIn()
		p := b.Get("/end_session?post_logout_redirect_uri=https://shop.example/bye")
		if p.Status != http.StatusOK || !p.Has("Shop") || b.SessionCookie() == "" {
			t.Fatalf("a bare request ended the session or asked nothing: %v", p)
		}
		p = b.Post("/logout", url.Values{"t": {"sealed:https://shop.example/bye"}, "action": {"logout"}})
		if p.Status != http.StatusSeeOther || p.Location != "https://shop.example/bye" || b.SessionCookie() != "" {
			t.Errorf("sign out: %v", p)
		}
	})
	t.Run("asked: stay", func(t *testing.T) {
		b := signedIn()
		b.Get("/end_session")
		p := b.Post("/logout", url.Values{"t": {"sealed:"}, "action": {"stay"}})
		if p.Status != http.StatusOK || !p.Has(e.Text("en", "logout.stayed_title")) || b.SessionCookie() == "" {
			t.Errorf("stay: %v", p)
		}
		if p := b.Post("/logout", url.Values{"t": {"sealed:https://shop.example/bye"}, "action": {"stay"}}); p.Location != "https://shop.example/bye" {
			t.Errorf("stay with a way back: %v", p)
		}
		if p := b.Post("/logout", url.Values{"t": {"damaged"}, "action": {"logout"}}); p.Status != http.StatusBadRequest || b.SessionCookie() == "" {
			t.Errorf("damaged confirmation: %v", p)
		}
		if p := b.Post("/logout", url.Values{"t": {"sealed:"}}); p.Status != http.StatusBadRequest {
			t.Errorf("no action: %v", p)
		}
		// The confirmation form is CSRF-protected.
		b.Token = ""
		if p := b.Post("/logout", url.Values{"t": {"sealed:"}, "action": {"logout"}}); p.Status != http.StatusForbidden || b.SessionCookie() == "" {
			t.Errorf("without the token: %v", p)
		}
	})
	t.Run("the header's Sign out ends the session at once, only with the token", func(t *testing.T) {
		b := signedIn()
		b.Get("/end_session") // a page of Vhod's, for the CSRF token
		token := b.Token
		b.Token = ""
		if p := b.Post(web.SignOutPath, nil); p.Status != http.StatusForbidden || b.SessionCookie() == "" {
			t.Fatalf("without the token: %v", p)
		}
		b.Token = token
		b.Lang = "ru"
		p := b.Post(web.SignOutPath, url.Values{})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "http://vhod.test/logged-out") || b.SessionCookie() != "" {
			t.Errorf("sign out: %v", p)
		}
	})
	t.Run("POST from the RP turns into a GET", func(t *testing.T) {
		b := e.Browser()
		b.Token = "" // an RP's page has no token of ours
		p := b.Post("/end_session", url.Values{"id_token_hint": {"x"}, "state": {"s1"}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/end_session?") || !strings.Contains(p.Location, "state=s1") {
			t.Errorf("POST: %v", p)
		}
	})
}

// The end-session page frames the apps' front-channel logout URLs, and only
// their origins are allowed in its CSP.
func TestLoggedOutFrames(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) {
		c.SignedOut = func(sealed string) ([]SignedOutApp, string, bool) {
			if sealed != "good" {
				return nil, "", false
			}
			return []SignedOutApp{{Name: "Shop", Frontchannel: "https://shop.example/fc"}, {Name: "Bad", Frontchannel: "javascript:x"}},
				"https://shop.example/bye", true
		}
	})
	b := e.Browser()
	p := b.Get("/logged-out?t=good")
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src https://shop.example") || strings.Contains(csp, "javascript") {
		t.Errorf("CSP %q", csp)
	}
	if !p.Has("https://shop.example/fc") || !p.Has("https://shop.example/bye") {
		t.Errorf("page: %v", p)
	}
	p = b.Get("/logged-out?t=stale")
	if strings.Contains(p.Header.Get("Content-Security-Policy"), "shop.example") || p.Has("https://shop.example/fc") {
		t.Errorf("stale state shown: %v", p)
	}
}

// Without Logouts the end_session endpoint is not served.
func TestEndSessionOff(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.Logouts = nil })
	if p := e.Browser().Get("/end_session"); p.Status != http.StatusNotFound {
		t.Errorf("end_session: %v", p)
	}
}

// A logout URI that is not registered: the page says so in words, in Russian
// and English, and leads back to the app at its registered address (never the
// URI refused), or to the account when no client is named.
func TestEndSessionBadRedirectLeadsBack(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, lang := range []string{"ru", "en"} {
		b := e.Browser()
		b.Lang = lang
		p := b.Get("/end_session?client_id=shop&post_logout_redirect_uri=https://bad.example")
		if p.Status != http.StatusBadRequest || !p.Has(e.Text(lang, "logout.bad_redirect")) ||
			!p.Has(`href="https://shop.example/"`) || !p.Has(e.Text(lang, "error.to_app", "App", "Shop")) || p.Has(`href="https://bad.example`) {
			t.Errorf("%s, client named: %v", lang, p)
		}
		p = b.Get("/end_session?post_logout_redirect_uri=https://bad.example")
		if p.Status != http.StatusBadRequest || !p.Has(`href="/account"`) || !p.Has(e.Text(lang, "error.to_account")) {
			t.Errorf("%s, no client: %v", lang, p)
		}
	}
}

// fakeLogouts stands for the provider's end-session checks: a request with
// post_logout_redirect_uri "https://bad.example" is refused as unregistered,
// one with id_token_hint "broken" as invalid; a hint "current" names this
// browser's session. End forgets the session and goes to /logged-out.
type fakeLogouts struct{}

func (f *fakeLogouts) Check(r *http.Request) (LogoutRequest, error) {
	q := r.URL.Query()
	if q.Get("post_logout_redirect_uri") == "https://bad.example" {
		return LogoutRequest{ClientName: "Shop", ClientID: q.Get("client_id")}, fmt.Errorf("check: %w", ErrLogoutRedirect)
	}
	if q.Get("id_token_hint") == "broken" {
		return LogoutRequest{}, fmt.Errorf("check: %w", ErrLogoutRequest)
	}
	_, err := r.Cookie(web.SessionCookie)
	return LogoutRequest{ClientName: "Shop", Redirect: q.Get("post_logout_redirect_uri"), SignedIn: err == nil,
		Current: q.Get("id_token_hint") == "current", Sealed: "sealed:" + q.Get("post_logout_redirect_uri")}, nil
}

func (f *fakeLogouts) Open(_ *http.Request, sealed string) (string, bool) {
	return strings.CutPrefix(sealed, "sealed:")
}

func (f *fakeLogouts) End(r *http.Request, redirect string) (string, error) {
	if redirect == "" {
		return "http://vhod.test/logged-out", nil
	}
	return redirect, nil
}
