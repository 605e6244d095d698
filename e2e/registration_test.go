package e2e

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// startRegistration follows "Create an account" from a fresh sign-in.
func startRegistration(t *testing.T, b *rptest.Browser, a authorization) *rptest.Page {
	t.Helper()
	p, err := b.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="(/register\?[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no Create account link")
	}
	u, _ := p.URL.Parse(strings.ReplaceAll(link[1], "&amp;", "&"))
	if p, err = b.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRegistrationByPhoneAndByEmail(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	shop := shopRP(t, srv)

	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p := startRegistration(t, b, a)
	form := func(id, pw, repeat string, pd bool) url.Values {
		v := url.Values{"identifier": {id}, "password": {pw}, "repeat": {repeat}, "captcha": {solveAltcha(t, p.Body)}}
		if pd {
			v.Set("consent_pd", "yes")
		}
		return v
	}
	for _, tc := range []struct {
		name       string
		pw, repeat string
		pd, solve  bool
		want       string
	}{
		{"no consent", "N3w-account!", "N3w-account!", false, true, "Без согласия на обработку"},
		{"common password", "iloveyou", "iloveyou", true, true, "слишком распространён"},
		{"passwords differ", "N3w-account!", "N3w-account?", true, true, "не совпадают"},
		{"no captcha", "N3w-account!", "N3w-account!", true, false, "не робот"},
	} {
		v := form("+79095555555", tc.pw, tc.repeat, tc.pd)
		if !tc.solve {
			v.Del("captcha")
		}
		q := mustSubmit(t, b, p, "/send", v)
		if q.Status != http.StatusBadRequest || !strings.Contains(q.Body, tc.want) {
			t.Fatalf("%s: %d %.300s", tc.name, q.Status, q.Body)
		}
		if !strings.Contains(html.UnescapeString(q.Body), `value="+79095555555"`) {
			t.Fatalf("%s: the typed phone was lost", tc.name)
		}
		p = q
	}
	v := form("8 909 555-55-55", "N3w-account!", "N3w-account!", true)
	v.Set("consent_news", "yes")
	p = mustSubmit(t, b, p, "/send", v)
	if !strings.Contains(html.UnescapeString(p.Body), "Мы отправили код на +79095555555") {
		t.Fatalf("code page: %d %s", p.Status, p.Body[strings.Index(p.Body, "<main"):])
	}
	code := gw.lastCode(t, "+79095555555")
	p = mustSubmit(t, b, p, "/confirm", url.Values{"code": {code}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("confirmation did not sign in: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))
	// The new account signs in with its password.
	a2, code2 := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "+79095555555", "N3w-account!")
	shop.exchange(a2, code2)

	// An address that already has an account: the same page; its owner gets the
	// code, and the code signs them into that account with the password they chose.
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	a2 = shop.authorization()
	p = startRegistration(t, b2, a2)
	p = mustSubmit(t, b2, p, "/send", url.Values{"identifier": {"ivanov@example.com"}, "password": {"Another-pass-1"},
		"repeat": {"Another-pass-1"}, "consent_pd": {"yes"}, "captcha": {solveAltcha(t, p.Body)}})
	if !strings.Contains(p.Body, "Мы отправили код на ivanov@example.com") {
		t.Fatalf("existing address: the page differs: %.300s", p.Body)
	}
	owner := regexp.MustCompile(`уже есть учётная запись. Если это вы, код (\d{6})`).FindStringSubmatch(decodeMail(box.last(t, "ivanov@example.com")))
	if owner == nil {
		t.Fatalf("the owner got no code: %.600s", decodeMail(box.last(t, "ivanov@example.com")))
	}
	if q := mustSubmit(t, b2, p, "/confirm", url.Values{"code": {"000000"}}); q.Status != http.StatusBadRequest {
		t.Fatalf("a guessed code was taken: %d", q.Status)
	}
	_, before, _ := shop.exchange(shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!"))
	p = mustSubmit(t, b2, p, "/confirm", url.Values{"code": {owner[1]}})
	cb, _ = url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("the owner's code did not sign in: %d %.300s", p.Status, p.Body)
	}
	if _, after, _ := shop.exchange(a2, shop.code(a2, cb)); after.Subject != before.Subject {
		t.Fatalf("signed into %q, not the existing account %q", after.Subject, before.Subject)
	}
	old := rptest.NewBrowser("http://127.0.0.1:8765/")
	p = mustGet(t, old, shop.authorization().URL)
	if p = mustSubmit(t, old, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}}); p.Location != "" {
		t.Fatal("the old password still works")
	}
	a4, code4 := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "Another-pass-1")
	shop.exchange(a4, code4)
	b3 := rptest.NewBrowser("http://127.0.0.1:8765/")
	a3 := shop.authorization()
	p = startRegistration(t, b3, a3)
	p = mustSubmit(t, b3, p, "/send", url.Values{"identifier": {"new@example.com"}, "password": {"Fresh-email-1"},
		"repeat": {"Fresh-email-1"}, "consent_pd": {"yes"}, "captcha": {solveAltcha(t, p.Body)}})
	m := regexp.MustCompile(`Код для регистрации: (\d{6})`).FindStringSubmatch(decodeMail(box.last(t, "new@example.com")))
	if m == nil {
		t.Fatalf("no code mailed: %.400s", box.last(t, "new@example.com"))
	}
	p = mustSubmit(t, b3, p, "/confirm", url.Values{"code": {m[1]}})
	if cb, _ := url.Parse(p.Location); cb == nil {
		t.Fatalf("email registration: %d %.300s", p.Status, p.Body)
	}
}
