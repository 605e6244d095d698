package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

func TestAccountPages(t *testing.T) {
	srv := startServer(t, "")
	shop := shopRP(t, srv)

	// Without a session the account pages go through the ordinary sign-in.
	b := rptest.NewBrowser("")
	p, err := b.Get(srv.Issuer + "/account")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Body, `name="password"`) {
		t.Fatalf("no sign-in for the account pages: %d %.300s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if !strings.Contains(p.Body, "Личный кабинет") || !strings.Contains(p.Body, `value="Иванович"`) {
		t.Fatalf("account page after sign-in: %d %.400s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/account/profile", url.Values{"family_name": {"Иванов-Петров"}, "given_name": {"Иван"},
		"middle_name": {"Иванович"}, "news": {"yes"}})
	if !strings.Contains(p.Body, "Сохранено.") || !strings.Contains(p.Body, `value="Иванов-Петров"`) {
		t.Fatalf("profile save: %d %.400s", p.Status, p.Body)
	}

	// Another device signs in; "sign out everywhere else" ends it and its tokens.
	other := rptest.NewBrowser("http://127.0.0.1:8765/")
	a, code := shop.signIn(other, "ivanov", "S3cure-pass!")
	tok, _, _ := shop.exchange(a, code)
	ui, err := shop.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var claims map[string]any
	_ = ui.Claims(&claims)
	if claims["family_name"] != "Иванов-Петров" {
		t.Errorf("the profile change is not in userinfo: %v", claims["family_name"])
	}
	p = mustGet(t, b, srv.Issuer+"/account")
	if sessions := p.Body[strings.Index(p.Body, `id="sessions"`):]; strings.Count(sessions, "<li>") < 2 { // the section's list, not the navigation's
		t.Fatalf("two sessions expected on the page: %.600s", p.Body)
	}
	p = mustConfirm(t, b, p, "/account/sessions/others", nil, "Выйти на всех других устройствах?")
	if !strings.Contains(p.Body, "Все другие сеансы завершены.") {
		t.Fatalf("sign out others: %d %.300s", p.Status, p.Body)
	}
	if got := shop.introspect(tok.AccessToken); got["active"] != false {
		t.Errorf("the other session's token survived: %v", got)
	}
	q := mustGet(t, other, shop.authorization(oauth2.SetAuthURLParam("prompt", "none")).URL)
	if cb, _ := url.Parse(q.Location); cb == nil || cb.Query().Get("error") != "login_required" {
		t.Errorf("the other session still signs in: %q", q.Location)
	}

	// Changing the password on the account page.
	p = mustGet(t, b, srv.Issuer+"/account")
	p = mustSubmit(t, b, p, "/account/password", url.Values{"old": {"S3cure-pass!"}, "new": {"Changed-pass-9"}, "repeat": {"Changed-pass-9"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Пароль изменён") {
		t.Fatalf("password change: %d %.300s", p.Status, p.Body)
	}
	a, code = shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "Changed-pass-9")
	shop.exchange(a, code)
}

func TestAccountEmailChangeIsVerified(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("")
	p := mustGet(t, b, srv.Issuer+"/account")
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	p = mustSubmit(t, b, p, "/account/identifier", url.Values{"kind": {"email"}, "value": {"Ivan.New@Example.com"}})
	if strings.Contains(p.Body, "/second-factor/sms") {
		// The confirmed phone is a second factor: the change waits for it.
		p = mustSubmit(t, b, p, "/second-factor/sms", nil)
		p = mustSubmit(t, b, p, "/second-factor/sms/check", url.Values{"sms_code": {gw.lastCode(t, "+79090000000")}})
	}
	if !strings.Contains(p.Body, "Мы отправили код на ivan.new@example.com") {
		t.Fatalf("change request: %d %.400s", p.Status, p.Body)
	}
	m := regexp.MustCompile(`адреса: (\d{6})`).FindStringSubmatch(decodeMail(box.last(t, "ivan.new@example.com")))
	if m == nil {
		t.Fatal("no code mailed to the new address")
	}
	q := mustSubmit(t, b, p, "/account/identifier/confirm", url.Values{"code": {"000000"}})
	if q.Status != http.StatusBadRequest {
		t.Fatalf("wrong code accepted: %d", q.Status)
	}
	p = mustSubmit(t, b, q, "/account/identifier/confirm", url.Values{"code": {m[1]}})
	if !strings.Contains(p.Body, "Изменено и подтверждено.") {
		t.Fatalf("confirm: %d %.400s", p.Status, p.Body)
	}
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivan.new@example.com", "S3cure-pass!")
	shop.exchange(a, code)
	old := rptest.NewBrowser("http://127.0.0.1:8765/")
	p = mustGet(t, old, shop.authorization().URL)
	p = mustSubmit(t, old, p, "/password", url.Values{"login": {"ivanov@example.com"}, "password": {"S3cure-pass!"}})
	if p.Status != http.StatusUnauthorized {
		t.Fatalf("the old address still signs in: %d", p.Status)
	}
}
