package login

import (
	"github.com/vhod-id/vhod/directory/flows"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// phoneStart opens the phone page of a new sign-in and sends a code to phone.
func phoneStart(t *testing.T, e *testEnv, b *testBrowser, phone string) (storage.AuthRequest, string, page) {
	t.Helper()
	ar := e.authRequest(b, "portal", nil)
	fp, form := b.start(ar)
	if !form.has(fp + "/phone") {
		t.Fatalf("no link to the phone sign-in: %v", form)
	}
	if p := b.get(fp + "/phone" + q(ar)); p.status != http.StatusOK {
		t.Fatalf("phone form: %v", p)
	}
	p := b.post(fp+"/phone/send"+q(ar), url.Values{"phone": {phone}})
	return ar, fp, p
}

// A code texted to the account's number signs in (acr phone, amr sms+otp), once.
func TestPhoneSignIn(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{})
	b := e.browser()
	ar, fp, p := phoneStart(t, e, b, "8 "+u.Phone[2:]) // typed nationally
	if p.status != http.StatusOK || !p.has(e.text("en", "phone.sent")) {
		t.Fatalf("send: %v", p)
	}
	code := codeIn(t, e.waitSMS(u.Phone).Text)
	if f := e.flow(fp); f.State != string(flows.StateCodeSent) || f.Challenge == "" || strings.Contains(f.Challenge, code) {
		t.Errorf("flow after the send: state %s, challenge %q", f.State, f.Challenge)
	}
	// The page of the flow shows the code form again on a reload.
	if p := b.get(fp + q(ar)); !p.has(fp + "/phone/verify") {
		t.Errorf("reload: %v", p)
	}
	p = b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {" " + code + " "}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/callback") {
		t.Fatalf("verify: %v", p)
	}
	s, ok := b.session()
	if !ok || s.UserID != u.ID || s.ACR != directory.ACRPhone || strings.Join(s.AMR, ",") != "sms,otp" {
		t.Fatalf("session %+v", s)
	}
	if !e.hasAudit(u.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "sms"}) {
		t.Error("no audit event")
	}
	// The code is spent: the flow is done, a second use is refused.
	if p := b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}}); p.status != http.StatusBadRequest {
		t.Errorf("code used twice: %v", p)
	}
}

// Wrong, expired and too many codes are refused; a number without an account
// gets the same answer as one with, and no text.
func TestPhoneCodeRefusals(t *testing.T) {
	e := newEnv(t, nil)
	t.Run("wrong then too many", func(t *testing.T) {
		u := e.user(directory.NewUser{})
		b := e.browser()
		ar, fp, _ := phoneStart(t, e, b, u.Phone)
		code := codeIn(t, e.waitSMS(u.Phone).Text)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= directory.OTPMaxAttempts; i++ {
			p := b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {wrong}})
			if p.status != http.StatusUnauthorized || !p.has(e.text("en", "phone.wrong_code")) {
				t.Fatalf("attempt %d: %v", i, p)
			}
		}
		// Past the attempts even the right code is refused.
		p := b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}})
		if p.status != http.StatusUnauthorized || !p.has(e.text("en", "phone.too_many_attempts")) {
			t.Fatalf("after the attempts: %v", p)
		}
		if _, ok := b.session(); ok {
			t.Error("signed in")
		}
		found := false
		for _, ev := range e.audits(storage.AuditQuery{ClientID: "portal", Type: directory.EventSignIn}) {
			found = found || (ev.IP == e.ip && ev.Details["reason"] == "too_many_attempts")
		}
		if !found {
			t.Error("no audit event of the refusal")
		}
	})
	t.Run("expired", func(t *testing.T) {
		u := e.user(directory.NewUser{})
		b := e.browser()
		ar, fp, _ := phoneStart(t, e, b, u.Phone)
		code := codeIn(t, e.waitSMS(u.Phone).Text)
		e.advance(otpLifetime + time.Second)
		if p := b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}}); p.status != http.StatusUnauthorized {
			t.Fatalf("expired code: %v", p)
		}
		// A new code works.
		e.sent.mu.Lock()
		e.sent.sms = nil
		e.sent.mu.Unlock()
		b.post(fp+"/phone/send"+q(ar), url.Values{"phone": {u.Phone}})
		code = codeIn(t, e.waitSMS(u.Phone).Text)
		if p := b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}}); p.status != http.StatusSeeOther {
			t.Fatalf("new code: %v", p)
		}
	})
	t.Run("number without an account", func(t *testing.T) {
		b := e.browser()
		nobody := "+79990001122"
		ar, fp, p := phoneStart(t, e, b, nobody)
		if p.status != http.StatusOK || !p.has(e.text("en", "phone.sent")) {
			t.Fatalf("send to a number without an account: %v", p)
		}
		// Whatever code is typed, no sign-in.
		if p := b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {"123456"}}); p.status != http.StatusUnauthorized {
			t.Errorf("verify: %v", p)
		}
	})
	t.Run("invalid number and no code yet", func(t *testing.T) {
		b := e.browser()
		b.lang = "ru"
		ar := e.authRequest(b, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{"ru"} })
		fp, _ := b.start(ar)
		if p := b.post(fp+"/phone/verify"+q(ar), url.Values{"code": {"123456"}}); p.status != http.StatusBadRequest {
			t.Errorf("verify before a send: %v", p)
		}
		p := b.post(fp+"/phone/send"+q(ar), url.Values{"phone": {"not a number"}})
		if p.status != http.StatusBadRequest || !p.has(e.text("ru", "phone.invalid_phone")) {
			t.Errorf("invalid number: %v", p)
		}
	})
}

// Without SMS the phone pages do not exist.
func TestPhoneOff(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SMS = nil })
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	fp, form := b.start(ar)
	if form.has(fp + "/phone") {
		t.Error("the form links to the phone sign-in")
	}
	if p := b.get(fp + "/phone" + q(ar)); p.status != http.StatusNotFound {
		t.Errorf("phone page: %v", p)
	}
}

// The send limits refuse a text with their own sentence.
func TestPhoneSendLimited(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SendLimits = limitAll{} })
	u := e.user(directory.NewUser{})
	b := e.browser()
	_, _, p := phoneStart(t, e, b, u.Phone)
	if p.status != http.StatusTooManyRequests || !p.has(e.text("en", "phone.send_limited")) {
		t.Fatalf("limited: %v", p)
	}
}
