package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// An operator issues an account for a contract with a temporary password; the person
// signs in with the contract number in any spelling and must set a password; later
// recovery by the contract number reaches the email on file.
func TestOperatorIssuedAccountByContract(t *testing.T) {
	_, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	srv.Stop()
	out, err := runVhod(t, nil, "users", "create", "--contract", "ЛС-12345", "--email", "tenant@example.com",
		"--family-name", "Петров", "--config", srv.Config)
	if err != nil {
		t.Fatalf("users create: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`temporary password \(shown once; the first sign-in replaces it\): (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no temporary password printed:\n%s", out)
	}
	srv.Restart()
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p := mustGet(t, b, a.URL)
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"лс 12345"}, "password": {m[1]}})
	if !strings.Contains(p.Body, "/password/change") {
		t.Fatalf("contract sign-in: %d %.600s", p.Status, p.Body[strings.Index(p.Body, "<main"):])
	}
	p = mustSubmit(t, b, p, "/password/change", url.Values{"old": {m[1]}, "new": {"Tenant-pass-1"}, "repeat": {"Tenant-pass-1"}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("contract sign-in with forced change: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))

	p = startRecovery(t, rptest.NewBrowser("http://127.0.0.1:8765/"), shop, shop.authorization(), "ЛС12345")
	if !strings.Contains(p.Body, "Если этот номер договора") {
		t.Fatalf("recovery by contract: %.300s", p.Body)
	}
	if box.count("tenant@example.com") != 1 {
		t.Fatalf("the email on file got %d messages", box.count("tenant@example.com"))
	}
}

// An operator issues an account with an activation secret; the person activates it
// with the contract, the secret and an email, confirms the email, gets a temporary
// password by email and must replace it at the first sign-in.
func TestActivationWithContractSecretAndEmail(t *testing.T) {
	_, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	srv.Stop()
	out, err := runVhod(t, nil, "users", "create", "--contract", "77-001", "--activation-secret", "Кв 15", "--config", srv.Config)
	if err != nil || !strings.Contains(out, "activates it") {
		t.Fatalf("users create: %v\n%s", err, out)
	}
	srv.Restart()
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p := mustGet(t, b, a.URL)
	link := regexp.MustCompile(`href="(/activate\?[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no activation link")
	}
	u, _ := p.URL.Parse(strings.ReplaceAll(link[1], "&amp;", "&"))
	p = mustGet(t, b, u.String())
	p = mustSubmit(t, b, p, "/send", url.Values{"contract": {"77001"}, "secret": {"кв16"}, "email": {"flat15@example.com"},
		"captcha": {solveAltcha(t, p.Body)}})
	if !strings.Contains(p.Body, "код активации неверны") {
		t.Fatalf("wrong secret: %d %.300s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/send", url.Values{"contract": {"77 001"}, "secret": {"кв15"}, "email": {"flat15@example.com"},
		"captcha": {solveAltcha(t, p.Body)}})
	m := regexp.MustCompile(`адреса: (\d{6})`).FindStringSubmatch(decodeMail(box.last(t, "flat15@example.com")))
	if m == nil {
		t.Fatalf("no code mailed: %d %.300s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/confirm", url.Values{"code": {m[1]}})
	if !strings.Contains(p.Body, "Учётная запись активирована") {
		t.Fatalf("confirm: %d %.300s", p.Status, p.Body)
	}
	pm := regexp.MustCompile(`временный пароль: (\S+)\.`).FindStringSubmatch(decodeMail(box.last(t, "flat15@example.com")))
	if pm == nil {
		t.Fatal("no temporary password mailed")
	}
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	a2 := shop.authorization()
	p = mustGet(t, b2, a2.URL)
	p = mustSubmit(t, b2, p, "/password", url.Values{"login": {"77-001"}, "password": {pm[1]}})
	p = mustSubmit(t, b2, p, "/password/change", url.Values{"old": {pm[1]}, "new": {"Flat-15-pass"}, "repeat": {"Flat-15-pass"}})
	if cb, _ := url.Parse(p.Location); cb == nil {
		t.Fatalf("first sign-in after activation: %d %.300s", p.Status, p.Body)
	}
	// The secret is spent: a second activation is refused.
	b3 := rptest.NewBrowser("http://127.0.0.1:8765/")
	p = mustGet(t, b3, shop.authorization().URL)
	link = regexp.MustCompile(`href="(/activate\?[^"]*)"`).FindStringSubmatch(p.Body)
	u3, _ := p.URL.Parse(strings.ReplaceAll(link[1], "&amp;", "&"))
	p = mustGet(t, b3, u3.String())
	p = mustSubmit(t, b3, p, "/send", url.Values{"contract": {"77001"}, "secret": {"кв15"}, "email": {"other@example.com"},
		"captcha": {solveAltcha(t, p.Body)}})
	if p.Status != http.StatusUnauthorized {
		t.Fatalf("a spent secret activated again: %d", p.Status)
	}
}
