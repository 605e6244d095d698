package login

import (
	"context"
	"fmt"
	"github.com/vhod-id/vhod/directory/flows"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// startRegistration opens "Create an account" of ar and posts the first form.
func startRegistration(t *testing.T, b *testBrowser, ar storage.AuthRequest, form url.Values) (string, page) {
	t.Helper()
	p := b.get("/register" + q(ar))
	if p.status != http.StatusSeeOther {
		t.Fatalf("registration start: %v", p)
	}
	rp := flowPathOf(p.location)
	if p := b.follow(p); p.status != http.StatusOK {
		t.Fatalf("registration page: %v", p)
	}
	return rp, b.post(rp+"/send"+q(ar), form)
}

func registrationForm(identifier string) url.Values {
	return url.Values{"identifier": {identifier}, "password": {"Fr3sh-account-pw"}, "repeat": {"Fr3sh-account-pw"},
		"consent_pd": {"yes"}, "consent_news": {"yes"}}
}

// Sign-up by phone and by email: a code, then the account (its identifier
// verified, consents stored) and a session; audited.
func TestRegistration(t *testing.T) {
	e := newEnv(t, nil)
	for _, by := range []string{"phone", "email"} {
		t.Run(by, func(t *testing.T) {
			n := next()
			id := fmt.Sprintf("+7901%07d", n)
			if by == "email" {
				id = fmt.Sprintf("new%d@example.com", n)
			}
			b := e.browser()
			ar := e.authRequest(b, "portal", nil)
			rp, p := startRegistration(t, b, ar, registrationForm(id))
			if p.status != http.StatusOK || !p.has(e.text("en", "register.code_sent", "To", id)) {
				t.Fatalf("send: %v", p)
			}
			var text string
			if by == "phone" {
				text = e.waitSMS(id).Text
			} else {
				text = e.waitEmail(id).Text
			}
			p = b.post(rp+"/confirm"+q(ar), url.Values{"code": {codeIn(t, text)}})
			if !strings.HasPrefix(p.location, "/callback") {
				t.Fatalf("confirm: %v", p)
			}
			u, err := e.dir.UserByLogin(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if (by == "phone" && !u.PhoneVerified) || (by == "email" && !u.EmailVerified) || len(u.Consents) != 2 || u.Consents[0].Version != "v1" {
				t.Errorf("account %+v", u)
			}
			if s, ok := b.session(); !ok || s.UserID != u.ID {
				t.Error("not signed in")
			}
			if !e.hasAudit(u.ID, directory.EventRegistration, directory.OutcomeSuccess, map[string]string{"via": by}) {
				t.Error("registration not audited")
			}
			if !e.hasAudit(u.ID, directory.EventConsent, directory.OutcomeSuccess, map[string]string{"kind": ConsentNews}) {
				t.Error("consent not audited")
			}
			if _, err := e.dir.Authenticate(context.Background(), id, "Fr3sh-account-pw"); err != nil {
				t.Errorf("the chosen password: %v", err)
			}
		})
	}
}

// A taken identifier gets the same page; its owner is told, and the code sets
// the chosen password on the existing account (ending its other sessions).
func TestRegistrationOfATakenIdentifier(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{})
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	rp, p := startRegistration(t, b, ar, registrationForm(u.Email))
	if p.status != http.StatusOK || !p.has(e.text("en", "register.code_sent", "To", u.Email)) {
		t.Fatalf("send: %v", p)
	}
	m := e.waitEmail(u.Email)
	if m.Subject != e.text("en", "register.exists_subject") {
		t.Errorf("subject %q", m.Subject)
	}
	p = b.post(rp+"/confirm"+q(ar), url.Values{"code": {codeIn(t, m.Text)}})
	if !strings.HasPrefix(p.location, "/callback") {
		t.Fatalf("confirm: %v", p)
	}
	if s, _ := b.session(); s.UserID != u.ID {
		t.Errorf("signed in as %q, want the owner", s.UserID)
	}
	if _, err := e.dir.Authenticate(context.Background(), u.Login, "Fr3sh-account-pw"); err != nil {
		t.Errorf("the chosen password: %v", err)
	}
	if !e.hasAudit(u.ID, directory.EventPasswordReset, directory.OutcomeSuccess, map[string]string{"via": "registration:email"}) {
		t.Error("reset not audited")
	}
}

// The first form's refusals, each with its sentence; a wrong code; a
// confirmation before any code.
func TestRegistrationRefusals(t *testing.T) {
	e := newEnv(t, nil)
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
			b := e.browser()
			b.lang = "ru"
			ar := e.authRequest(b, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{"ru"} })
			form := registrationForm(fmt.Sprintf("r%d@example.com", next()))
			tc.edit(form)
			_, p := startRegistration(t, b, ar, form)
			if p.status != http.StatusBadRequest || !p.has(e.text("ru", tc.key, "Min", "8")) {
				t.Errorf("%v", p)
			}
		})
	}
	t.Run("wrong code, confirm before send", func(t *testing.T) {
		b := e.browser()
		ar := e.authRequest(b, "portal", nil)
		p := b.get("/register" + q(ar))
		rp := flowPathOf(p.location)
		b.follow(p)
		if p := b.post(rp+"/confirm"+q(ar), url.Values{"code": {"123456"}}); p.status != http.StatusBadRequest {
			t.Errorf("confirm before send: %v", p)
		}
		id := fmt.Sprintf("w%d@example.com", next())
		b.post(rp+"/send"+q(ar), registrationForm(id))
		code := codeIn(t, e.waitEmail(id).Text)
		wrong := "000000"
		if wrong == code {
			wrong = "111111"
		}
		if p := b.post(rp+"/confirm"+q(ar), url.Values{"code": {wrong}}); p.status != http.StatusBadRequest || !p.has(e.text("en", "phone.wrong_code")) {
			t.Errorf("wrong code: %v", p)
		}
		if _, err := e.dir.UserByLogin(context.Background(), id); err == nil {
			t.Error("an account from a wrong code")
		}
		// A second send from the code form is refused: the first form is done.
		if p := b.post(rp+"/send"+q(ar), registrationForm(id)); p.status != http.StatusBadRequest {
			t.Errorf("second send: %v", p)
		}
	})
	t.Run("send limited", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.SendLimits = limitAll{} })
		b := e.browser()
		_, p := startRegistration(t, b, e.authRequest(b, "portal", nil), registrationForm("l@example.com"))
		if p.status != http.StatusTooManyRequests || !p.has(e.text("en", "email.send_limited")) {
			t.Errorf("%v", p)
		}
	})
}

// Activation of an operator-issued account: contract and secret, a code to the
// email given, then a temporary password by email, which signs in to set a
// new password.
func TestActivation(t *testing.T) {
	e := newEnv(t, nil)
	contract := fmt.Sprintf("Д-%d", next())
	u, err := e.dir.CreateUser(context.Background(), directory.NewUser{Contract: contract, ActivationSecret: "secret-words-1"})
	if err != nil {
		t.Fatal(err)
	}
	email := fmt.Sprintf("act%d@example.com", next())
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	_, form := b.start(ar)
	if !form.has("/activate?authRequestID=") {
		t.Fatalf("no activation link: %v", form)
	}
	p := b.get("/activate" + q(ar))
	ap := flowPathOf(p.location)
	b.follow(p)
	send := func(secret string) page {
		return b.post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {secret}, "email": {email}})
	}
	if p := send("wrong secret"); p.status != http.StatusUnauthorized || !p.has(e.text("en", "activate.wrong")) {
		t.Fatalf("wrong secret: %v", p)
	}
	if p := b.post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {"x"}, "email": {"not-an-email"}}); p.status != http.StatusBadRequest {
		t.Errorf("bad email: %v", p)
	}
	if p := send(" Secret-Words-1 "); p.status != http.StatusOK {
		t.Fatalf("send: %v", p)
	}
	code := codeIn(t, e.waitEmail(email).Text)
	e.sent.mu.Lock()
	e.sent.emails = nil
	e.sent.mu.Unlock()
	if p := b.post(ap+"/confirm"+q(ar), url.Values{"code": {code}}); p.status != http.StatusOK || !p.has(e.text("en", "activate.done")) {
		t.Fatalf("confirm: %v", p)
	}
	temp := temporaryPassword(t, e.waitEmail(email).Text)
	got, err := e.dir.UserByID(context.Background(), u.ID)
	if err != nil || got.Email != email || !got.PasswordTemporary {
		t.Fatalf("account after activation: %+v %v", got, err)
	}
	if !e.hasAudit(u.ID, "account.activation", directory.OutcomeSuccess, nil) {
		t.Error("activation not audited")
	}
	// The temporary password leads to the change form.
	fp, _ := b.start(ar)
	b.post(fp+"/password"+q(ar), url.Values{"login": {contract}, "password": {temp}})
	if f := e.flow(fp); f.State != string(flows.StatePasswordChange) {
		t.Errorf("after the temporary password: %s", f.State)
	}
	// The secret is spent.
	b2 := e.browser()
	ar2 := e.authRequest(b2, "portal", nil)
	p = b2.get("/activate" + q(ar2))
	ap2 := flowPathOf(p.location)
	b2.follow(p)
	if p := b2.post(ap2+"/send"+q(ar2), url.Values{"contract": {contract}, "secret": {"secret-words-1"}, "email": {email}}); p.status != http.StatusUnauthorized {
		t.Errorf("secret used twice: %v", p)
	}
}

// Activation failures count like sign-in failures; without email it is off.
func TestActivationLimitsAndOff(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits = Limits{Window: 60e9, PerIdentifier: 2} })
	contract := fmt.Sprintf("Д-%d", next())
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	p := b.get("/activate" + q(ar))
	ap := flowPathOf(p.location)
	b.follow(p)
	for range 2 {
		b.post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {"nope"}, "email": {"a@example.com"}})
	}
	if p := b.post(ap+"/send"+q(ar), url.Values{"contract": {contract}, "secret": {"nope"}, "email": {"a@example.com"}}); p.status != http.StatusTooManyRequests {
		t.Errorf("over the limit: %v", p)
	}
	off := newEnv(t, func(c *Config) { c.Email = nil })
	b = off.browser()
	if p := b.get("/activate" + q(off.authRequest(b, "portal", nil))); p.status != http.StatusNotFound {
		t.Errorf("activation without email: %v", p)
	}
}
