package selfservice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/logintest"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// startRegistration opens "Create an account" of ar and posts the first form.
func startRegistration(t *testing.T, b *testBrowser, ar storage.AuthRequest, form url.Values) (string, page) {
	t.Helper()
	p := b.Get("/register" + q(ar))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("registration start: %v", p)
	}
	rp := flowPathOf(p.Location)
	if p := b.Follow(p); p.Status != http.StatusOK {
		t.Fatalf("registration page: %v", p)
	}
	return rp, b.Post(rp+"/send"+q(ar), form)
}

func registrationForm(identifier string) url.Values {
	return url.Values{"identifier": {identifier}, "password": {"Fr3sh-account-pw"}, "repeat": {"Fr3sh-account-pw"},
		"consent_pd": {"yes"}, "consent_news": {"yes"}}
}

// Sign-up by phone and by email: a code, then the account (its identifier
// verified, consents stored) and a session; audited.
func TestRegistration(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, by := range []string{"phone", "email"} {
		t.Run(by, func(t *testing.T) {
			n := next()
			id := fmt.Sprintf("+7901%07d", n)
			if by == "email" {
				id = fmt.Sprintf("new%d@example.com", n)
			}
			b := e.Browser()
			ar := e.AuthRequest(b, "portal", nil)
			rp, p := startRegistration(t, b, ar, registrationForm(id))
			if p.Status != http.StatusOK || !p.Has(e.Text("en", "register.code_sent", "To", id)) {
				t.Fatalf("send: %v", p)
			}
			var text string
			if by == "phone" {
				text = e.WaitSMS(id).Text
			} else {
				text = e.WaitEmail(id).Text
			}
			p = b.Post(rp+"/confirm"+q(ar), url.Values{"code": {codeIn(t, text)}})
			if !strings.HasPrefix(p.Location, "/callback") {
				t.Fatalf("confirm: %v", p)
			}
			u, err := e.Dir.UserByLogin(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if (by == "phone" && !u.PhoneVerified) || (by == "email" && !u.EmailVerified) || len(u.Consents) != 2 || u.Consents[0].Version != "v1" {
				t.Errorf("account %+v", u)
			}
			if s, ok := b.Session(); !ok || s.UserID != u.ID {
				t.Error("not signed in")
			}
			if !e.HasAudit(u.ID, directory.EventRegistration, directory.OutcomeSuccess, map[string]string{"via": by}) {
				t.Error("registration not audited")
			}
			if !e.HasAudit(u.ID, directory.EventConsent, directory.OutcomeSuccess, map[string]string{"kind": ConsentNews}) {
				t.Error("consent not audited")
			}
			if _, err := e.Dir.Authenticate(context.Background(), id, "Fr3sh-account-pw"); err != nil {
				t.Errorf("the chosen password: %v", err)
			}
		})
	}
}

// A taken identifier gets the same page; its owner is told, and the code sets
// the chosen password on the existing account (ending its other sessions).
func TestRegistrationOfATakenIdentifier(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.User(directory.NewUser{})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	rp, p := startRegistration(t, b, ar, registrationForm(u.Email))
	if p.Status != http.StatusOK || !p.Has(e.Text("en", "register.code_sent", "To", u.Email)) {
		t.Fatalf("send: %v", p)
	}
	m := e.WaitEmail(u.Email)
	if m.Subject != e.Text("en", "register.exists_subject") {
		t.Errorf("subject %q", m.Subject)
	}
	p = b.Post(rp+"/confirm"+q(ar), url.Values{"code": {codeIn(t, m.Text)}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("confirm: %v", p)
	}
	if s, _ := b.Session(); s.UserID != u.ID {
		t.Errorf("signed in as %q, want the owner", s.UserID)
	}
	if _, err := e.Dir.Authenticate(context.Background(), u.Login, "Fr3sh-account-pw"); err != nil {
		t.Errorf("the chosen password: %v", err)
	}
	if !e.HasAudit(u.ID, directory.EventPasswordReset, directory.OutcomeSuccess, map[string]string{"via": "registration:email"}) {
		t.Error("reset not audited")
	}
}

// The first form's refusals, each with its sentence; a wrong code; a
// confirmation before any code.
func TestRegistrationRefusals(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, tc := range []struct {
		name string
		edit func(url.Values)
		key  string
	}{
		{"not phone nor email", func(f url.Values) { f.Set("identifier", "just-a-login") }, "recovery.invalid"},
		{"no consent", func(f url.Values) { f.Del("consent_pd") }, "register.consent_required"},
		{"mismatch", func(f url.Values) { f.Set("repeat", "other") }, "pwchange.mismatch"},
		{"too short", func(f url.Values) { f.Set("password", "short"); f.Set("repeat", "short") }, "pwchange.too_short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.Browser()
			b.Lang = "ru"
			ar := e.AuthRequest(b, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{"ru"} })
			form := registrationForm(fmt.Sprintf("r%d@example.com", next()))
			tc.edit(form)
			_, p := startRegistration(t, b, ar, form)
			if p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", tc.key, "Min", "8")) {
				t.Errorf("%v", p)
			}
		})
	}
	t.Run("wrong code, confirm before send", func(t *testing.T) {
		b := e.Browser()
		ar := e.AuthRequest(b, "portal", nil)
		p := b.Get("/register" + q(ar))
		rp := flowPathOf(p.Location)
		b.Follow(p)
		if p := b.Post(rp+"/confirm"+q(ar), url.Values{"code": {"123456"}}); p.Status != http.StatusBadRequest {
			t.Errorf("confirm before send: %v", p)
		}
		id := fmt.Sprintf("w%d@example.com", next())
		b.Post(rp+"/send"+q(ar), registrationForm(id))
		code := codeIn(t, e.WaitEmail(id).Text)
		wrong := "000000"
		if wrong == code {
			wrong = "111111"
		}
		if p := b.Post(rp+"/confirm"+q(ar), url.Values{"code": {wrong}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "phone.wrong_code")) {
			t.Errorf("wrong code: %v", p)
		}
		if _, err := e.Dir.UserByLogin(context.Background(), id); err == nil {
			t.Error("an account from a wrong code")
		}
		// A second send from the code form is refused: the first form is done.
		if p := b.Post(rp+"/send"+q(ar), registrationForm(id)); p.Status != http.StatusBadRequest {
			t.Errorf("second send: %v", p)
		}
	})
	t.Run("send limited", func(t *testing.T) {
		e := newEnv(t, nil, func(c *Config) { c.SendLimits = logintest.LimitAll{} })
		b := e.Browser()
		_, p := startRegistration(t, b, e.AuthRequest(b, "portal", nil), registrationForm("l@example.com"))
		if p.Status != http.StatusTooManyRequests || !p.Has(e.Text("en", "email.send_limited")) {
			t.Errorf("%v", p)
		}
	})
}

// Activation of an operator-issued account: contract and secret, a code to the
// email given, then a temporary password by email, which signs in to set a
// new password.
func TestActivation(t *testing.T) {
	e := newEnv(t, nil, nil)
	contract := fmt.Sprintf("Д-%d", next())
	u, err := e.Dir.CreateUser(context.Background(), directory.NewUser{Contract: contract, ActivationSecret: "secret-words-1"})
	if err != nil {
		t.Fatal(err)
	}
	email := fmt.Sprintf("act%d@example.com", next())
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	_, form := b.Start(ar)
	if !form.Has("/activate?authRequestID=") {
		t.Fatalf("no activation link: %v", form)
	}
	p := b.Get("/activate" + q(ar))
	ap := flowPathOf(p.Location)
	b.Follow(p)
	send := func(secret string) page {
		return b.Post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {secret}, "email": {email}})
	}
	if p := send("wrong secret"); p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "activate.wrong")) {
		t.Fatalf("wrong secret: %v", p)
	}
	if p := b.Post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {"x"}, "email": {"not-an-email"}}); p.Status != http.StatusBadRequest {
		t.Errorf("bad email: %v", p)
	}
	if p := send(" Secret-Words-1 "); p.Status != http.StatusOK {
		t.Fatalf("send: %v", p)
	}
	code := codeIn(t, e.WaitEmail(email).Text)
	e.Sent.Forget()
	if p := b.Post(ap+"/confirm"+q(ar), url.Values{"code": {code}}); p.Status != http.StatusOK || !p.Has(e.Text("en", "activate.done")) {
		t.Fatalf("confirm: %v", p)
	}
	temp := temporaryPassword(t, e.WaitEmail(email).Text)
	got, err := e.Dir.UserByID(context.Background(), u.ID)
	if err != nil || got.Email != email || !got.PasswordTemporary {
		t.Fatalf("account after activation: %+v %v", got, err)
	}
	if !e.HasAudit(u.ID, "account.activation", directory.OutcomeSuccess, nil) {
		t.Error("activation not audited")
	}
	// The temporary password leads to the change form.
	fp, _ := b.Start(ar)
	b.Post(fp+"/password"+q(ar), url.Values{"login": {contract}, "password": {temp}})
	if f := e.Flow(fp); f.State != string(flows.StatePasswordChange) {
		t.Errorf("after the temporary password: %s", f.State)
	}
	// The secret is spent.
	b2 := e.Browser()
	ar2 := e.AuthRequest(b2, "portal", nil)
	p = b2.Get("/activate" + q(ar2))
	ap2 := flowPathOf(p.Location)
	b2.Follow(p)
	if p := b2.Post(ap2+"/send"+q(ar2), url.Values{"contract": {contract}, "secret": {"secret-words-1"}, "email": {email}}); p.Status != http.StatusUnauthorized {
		t.Errorf("secret used twice: %v", p)
	}
}

// Activation failures count like sign-in failures; without email it is off.
func TestActivationLimitsAndOff(t *testing.T) {
	e := newEnv(t, func(c *login.Config) { c.Limits = login.Limits{Window: 60e9, PerIdentifier: 2} }, nil)
	contract := fmt.Sprintf("Д-%d", next())
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	p := b.Get("/activate" + q(ar))
	ap := flowPathOf(p.Location)
	b.Follow(p)
	for range 2 {
		b.Post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {"nope"}, "email": {"a@example.com"}})
	}
	if p := b.Post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {"nope"}, "email": {"a@example.com"}}); p.Status != http.StatusTooManyRequests {
		t.Errorf("over the limit: %v", p)
	}
	off := newEnv(t, nil, func(c *Config) { c.Email = nil })
	b = off.Browser()
	if p := b.Get("/activate" + q(off.AuthRequest(b, "portal", nil))); p.Status != http.StatusNotFound {
		t.Errorf("activation without email: %v", p)
	}
}
