package e2e

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

const shopHome = "http://127.0.0.1:8765/"

// signedInShop signs ivanov in to the shop in a new browser and returns the
// browser and the ID token.
func signedInShop(t *testing.T, shop *rp) (*rptest.Browser, string) {
	t.Helper()
	b := rptest.NewBrowser(shopHome)
	a, code := shop.signIn(b, "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	raw, _ := tok.Extra("id_token").(string)
	return b, raw
}

// stillSignedIn asserts that single sign-on still answers prompt=none with a
// code, i.e. that the browser's session was not ended.
func stillSignedIn(t *testing.T, b *rptest.Browser, shop *rp) {
	t.Helper()
	a := shop.authorization(oauth2.SetAuthURLParam("prompt", "none"))
	p, err := b.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := url.Parse(p.Location)
	if cb == nil || cb.Query().Get("code") == "" || cb.Query().Get("state") != a.State {
		t.Fatalf("the session did not answer prompt=none: %q (status %d)", p.Location, p.Status)
	}
}

// signedOut asserts that prompt=none now says login_required.
func signedOut(t *testing.T, b *rptest.Browser, shop *rp) {
	t.Helper()
	a := shop.authorization(oauth2.SetAuthURLParam("prompt", "none"))
	p := mustGet(t, b, a.URL)
	if cb, _ := url.Parse(p.Location); cb == nil || cb.Query().Get("error") != "login_required" {
		t.Fatalf("still signed in: %q", p.Location)
	}
}

func endSession(t *testing.T, b *rptest.Browser, srv *server, q url.Values) *rptest.Page {
	t.Helper()
	p, err := b.Get(srv.Issuer + "/end_session?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkConfirmation asserts the confirmation page (RP-Initiated Logout 1.0 §6):
// 200, Vhod's CSP, no inline script, one CSRF-protected form to /logout with the
// buttons "Выйти" and "Остаться" (labelled by their text), the app's name.
func checkConfirmation(t *testing.T, p *rptest.Page, client string) {
	t.Helper()
	if p.Status != http.StatusOK || p.Location != "" {
		t.Fatalf("confirmation: status %d, Location %q: %.400s", p.Status, p.Location, p.Body)
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if p.Header.Get("Cache-Control") != "no-store" || inlineScript.MatchString(p.Body) || eventHandlers.MatchString(p.Body) {
		t.Errorf("caching %q or inline script: %s", p.Header.Get("Cache-Control"), p.Body)
	}
	for _, want := range []string{"<title>Выйти из «Входа»? · Вход</title>", "<h1>Выйти из «Входа»?</h1>",
		`<form method="post" action="/logout?ui_locales=ru">`, `name="csrf_token"`, `name="t"`,
		`<button type="submit" name="action" value="logout">Выйти</button>`,
		`<button type="submit" name="action" value="stay" class="secondary">Остаться</button>`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("confirmation lacks %s: %s", want, p.Body)
		}
	}
	if mentions := strings.Contains(p.Body, "Приложение «"+client+"» просит"); mentions != (client != "") {
		t.Errorf("confirmation names the app %q: %v", client, mentions)
	}
}

// TestEndSessionAsksWithoutAHint: RP-Initiated Logout 1.0 §6 — a logout request
// without a valid id_token_hint may be a denial of service, so the person
// confirms it. GET /end_session alone shows a page and ends nothing (SSO still
// signs in silently); "Остаться" goes back to the app's registered URI with its
// state, or says the person is still signed in; "Выйти" with a CSRF token ends
// the session as before and goes on to the app; a POST to /logout without the
// CSRF token ends nothing. Without a session there is nothing to ask: the
// browser goes straight back, or to "you are signed out".
func TestEndSessionAsksWithoutAHint(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	b, _ := signedInShop(t, shop)
	withWayBack := url.Values{"client_id": {"shop"}, "post_logout_redirect_uri": {shopHome}, "state": {"bye"}}

	p := endSession(t, b, srv, withWayBack)
	checkConfirmation(t, p, "Shop")
	stillSignedIn(t, b, shop)

	bare := endSession(t, b, srv, url.Values{})
	checkConfirmation(t, bare, "")
	stillSignedIn(t, b, shop)

	// An RP may POST its logout request (§2): it becomes the same request by
	// GET (which carries the SameSite=Lax session cookie cross-site), and asks.
	posted, err := b.Client.PostForm(srv.Issuer+"/end_session", withWayBack)
	if err != nil {
		t.Fatal(err)
	}
	posted.Body.Close()
	if posted.StatusCode != http.StatusOK || posted.Request.Method != http.MethodGet ||
		posted.Request.URL.Path != "/end_session" || posted.Request.URL.Query().Get("state") != "bye" {
		t.Fatalf("POST end_session: %d, ended at %s %s", posted.StatusCode, posted.Request.Method, posted.Request.URL)
	}
	stillSignedIn(t, b, shop)

	// "Остаться": back to the app with its state; nothing ended.
	stay, err := b.Submit(p, "/logout", url.Values{"action": {"stay"}})
	if err != nil {
		t.Fatal(err)
	}
	if stay.Status != http.StatusSeeOther || stay.Location != shopHome+"?state=bye" {
		t.Fatalf("stay: %d %q", stay.Status, stay.Location)
	}
	stillSignedIn(t, b, shop)
	stay, err = b.Submit(bare, "/logout", url.Values{"action": {"stay"}})
	if err != nil || stay.Status != http.StatusOK || !strings.Contains(stay.Body, "<h1>Вы не вышли</h1>") {
		t.Fatalf("stay without a way back: %v %d %.400s", err, stay.Status, stay.Body)
	}
	stillSignedIn(t, b, shop)

	// The confirmation's form without its CSRF token is refused.
	sealed := html.UnescapeString(regexp.MustCompile(`name="t" value="([^"]+)"`).FindStringSubmatch(p.Body)[1])
	forged, err := b.Client.PostForm(srv.Issuer+"/logout", url.Values{"t": {sealed}, "action": {"logout"}})
	if err != nil {
		t.Fatal(err)
	}
	forged.Body.Close()
	if forged.StatusCode != http.StatusForbidden {
		t.Fatalf("POST /logout without CSRF: %d", forged.StatusCode)
	}
	stillSignedIn(t, b, shop)

	// "Выйти": signed out, then on to the app's URI with its state.
	out, err := b.Submit(p, "/logout", url.Values{"action": {"logout"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != http.StatusSeeOther || out.Location != shopHome+"?state=bye" {
		t.Fatalf("sign out: %d %q", out.Status, out.Location)
	}
	signedOut(t, b, shop)

	// No session: nothing to ask. Back to the app at once, or "you are signed out".
	p = endSession(t, b, srv, withWayBack)
	if p.Status != http.StatusSeeOther || p.Location != shopHome+"?state=bye" {
		t.Fatalf("no session, with a way back: %d %q", p.Status, p.Location)
	}
	p = endSession(t, b, srv, url.Values{"ui_locales": {"en"}})
	if p.Status != http.StatusOK || p.URL.Path != "/logged-out" || !strings.Contains(p.Body, "You have signed out.") {
		t.Fatalf("no session: %d %s %.400s", p.Status, p.URL, p.Body)
	}
}

// TestEndSessionWithAHint: RP-Initiated Logout 1.0 §2 — an id_token_hint
// issued in the browser's current session (its sid) ends it at once, even
// expired (§2: the OP SHOULD accept it); a hint of another session, expired or
// not, is "suspect" (§2) and the person is asked; a client_id that is not the
// hint's is refused.
func TestEndSessionWithAHint(t *testing.T) {
	srv := startServer(t, strings.Replace(testConfig, "bootstrap:\n", "tokens: {id_token_lifetime: 2s}\nbootstrap:\n", 1))
	shop := shopRP(t, srv)
	b, hint := signedInShop(t, shop)
	other, otherHint := signedInShop(t, shop)

	p := endSession(t, b, srv, url.Values{"id_token_hint": {otherHint}, "post_logout_redirect_uri": {shopHome}})
	checkConfirmation(t, p, "Shop")
	stillSignedIn(t, b, shop)

	p = endSession(t, b, srv, url.Values{"id_token_hint": {hint}, "client_id": {"portal"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Запрос на выход неверен.") {
		t.Fatalf("client_id not the hint's: %d %.400s", p.Status, p.Body)
	}
	stillSignedIn(t, b, shop)

	time.Sleep(2500 * time.Millisecond) // both hints expire
	p = endSession(t, b, srv, url.Values{"id_token_hint": {otherHint}})
	checkConfirmation(t, p, "Shop")
	stillSignedIn(t, b, shop)

	p = endSession(t, b, srv, url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {shopHome}, "state": {"bye"}})
	if p.Status != http.StatusSeeOther || p.Location != shopHome+"?state=bye" {
		t.Fatalf("expired hint of the current session: %d %q %.300s", p.Status, p.Location, p.Body)
	}
	signedOut(t, b, shop)
	stillSignedIn(t, other, shop)
}

// TestEndSessionRefusesAnUnregisteredRedirect: RP-Initiated Logout 1.0 §3 — a
// post_logout_redirect_uri not registered for the client named by client_id or
// by the id_token_hint is not followed; the page says exactly that, in Russian
// by default and in English with ui_locales=en, and the session stays.
func TestEndSessionRefusesAnUnregisteredRedirect(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)
	b, hint := signedInShop(t, shop)
	const ru = "Адрес возврата после выхода не зарегистрирован для этого приложения. Выход не выполнен: вы по-прежнему в системе."
	const en = "The address to return to after signing out is not registered for this application. You have not been signed out."
	// The page leads back to the app at the origin of its registered redirect
	// URI, never to the URI refused; with no app named, to the account.
	const toShop, toPortal, toAccount = `href="http://127.0.0.1:8765/"`, `href="http://127.0.0.1:8766/"`, `href="/account"`
	for _, tc := range []struct {
		name       string
		q          url.Values
		want, link string
	}{
		{"client_id, Russian by default", url.Values{"client_id": {"shop"}, "post_logout_redirect_uri": {"https://evil.example/"}}, ru, toShop},
		{"client_id, English with ui_locales=en", url.Values{"client_id": {"shop"}, "post_logout_redirect_uri": {"https://evil.example/"}, "ui_locales": {"en"}}, en, toShop},
		{"the hint's client, English", url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.example/"}, "ui_locales": {"en"}}, en, toShop},
		{"another client's URI", url.Values{"client_id": {"portal"}, "post_logout_redirect_uri": {shopHome}}, ru, toPortal},
		{"no client named", url.Values{"post_logout_redirect_uri": {shopHome}}, ru, toAccount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := endSession(t, b, srv, tc.q)
			if p.Status != http.StatusBadRequest || p.Location != "" || p.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q", p.Status, p.Header.Get("Location"))
			}
			if !strings.Contains(p.Body, `<p class="alert" role="alert">`+tc.want+`</p>`) {
				t.Fatalf("page lacks %q: %.600s", tc.want, p.Body)
			}
			if !strings.Contains(p.Body, tc.link) || strings.Contains(p.Body, `href="https://evil.example`) {
				t.Errorf("page does not lead to %s: %.900s", tc.link, p.Body)
			}
			stillSignedIn(t, b, shop)
		})
	}
}
