package phone

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/login/logintest"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// phoneStart opens the phone page of a new sign-in and sends a code to phone.
func phoneStart(t *testing.T, e *testEnv, b *testBrowser, phone string) (storage.AuthRequest, string, page) {
	t.Helper()
	ar := e.AuthRequest(b, "portal", nil)
	fp, form := b.Start(ar)
	if !form.Has(fp + "/phone") {
		t.Fatalf("no link to the phone sign-in: %v", form)
	}
	if p := b.Get(fp + "/phone" + q(ar)); p.Status != http.StatusOK {
		t.Fatalf("phone form: %v", p)
	}
	p := b.Post(fp+"/phone/send"+q(ar), url.Values{"phone": {phone}})
	return ar, fp, p
}

// A code texted to the account's number signs in (acr phone, amr sms+otp), once.
func TestPhoneSignIn(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.User(directory.NewUser{})
	b := e.Browser()
	ar, fp, p := phoneStart(t, e, b, "8 "+u.Phone[2:]) // typed nationally
	if p.Status != http.StatusOK || !p.Has(e.Text("en", "phone.sent")) {
		t.Fatalf("send: %v", p)
	}
	code := codeIn(t, e.WaitSMS(u.Phone).Text)
	if f := e.Flow(fp); f.State != string(flows.StateCodeSent) || f.Challenge == "" || strings.Contains(f.Challenge, code) {
		t.Errorf("flow after the send: state %s, challenge %q", f.State, f.Challenge)
	}
	// The page of the flow shows the code form again on a reload.
	if p := b.Get(fp + q(ar)); !p.Has(fp + "/phone/verify") {
		t.Errorf("reload: %v", p)
	}
	p = b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {" " + code + " "}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("verify: %v", p)
	}
	s, ok := b.Session()
	if !ok || s.UserID != u.ID || s.ACR != directory.ACRPhone || strings.Join(s.AMR, ",") != "sms,otp" {
		t.Fatalf("session %+v", s)
	}
	if !e.HasAudit(u.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "sms"}) {
		t.Error("no audit event")
	}
	// The code is spent: the flow is done, a second use is refused.
	if p := b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}}); p.Status != http.StatusBadRequest {
		t.Errorf("code used twice: %v", p)
	}
}

// Wrong, expired and too many codes are refused; a number without an account
// gets the same answer as one with, and no text.
func TestPhoneCodeRefusals(t *testing.T) {
	e := newEnv(t, nil, nil)
	t.Run("wrong then too many", func(t *testing.T) {
		u := e.User(directory.NewUser{})
		b := e.Browser()
		ar, fp, _ := phoneStart(t, e, b, u.Phone)
		code := codeIn(t, e.WaitSMS(u.Phone).Text)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= directory.OTPMaxAttempts; i++ {
			p := b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {wrong}})
			if p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "phone.wrong_code")) {
				t.Fatalf("attempt %d: %v", i, p)
			}
		}
		// Past the attempts even the right code is refused.
		p := b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}})
		if p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "phone.too_many_attempts")) {
			t.Fatalf("after the attempts: %v", p)
		}
		if _, ok := b.Session(); ok {
			t.Error("signed in")
		}
		found := false
		for _, ev := range e.Audits(storage.AuditQuery{ClientID: "portal", Type: directory.EventSignIn}) {
			found = found || (ev.IP == e.IP && ev.Details["reason"] == "too_many_attempts")
		}
		if !found {
			t.Error("no audit event of the refusal")
		}
	})
	t.Run("expired", func(t *testing.T) {
		u := e.User(directory.NewUser{})
		b := e.Browser()
		ar, fp, _ := phoneStart(t, e, b, u.Phone)
		code := codeIn(t, e.WaitSMS(u.Phone).Text)
		e.Advance(otpLifetime + time.Second)
		if p := b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("expired code: %v", p)
		}
		// A new code works.
		e.Sent.Forget()
		b.Post(fp+"/phone/send"+q(ar), url.Values{"phone": {u.Phone}})
		code = codeIn(t, e.WaitSMS(u.Phone).Text)
		if p := b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {code}}); p.Status != http.StatusSeeOther {
			t.Fatalf("new code: %v", p)
		}
	})
	t.Run("number without an account", func(t *testing.T) {
		b := e.Browser()
		nobody := "+79990001122"
		ar, fp, p := phoneStart(t, e, b, nobody)
		if p.Status != http.StatusOK || !p.Has(e.Text("en", "phone.sent")) {
			t.Fatalf("send to a number without an account: %v", p)
		}
		// Whatever code is typed, no sign-in.
		if p := b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {"123456"}}); p.Status != http.StatusUnauthorized {
			t.Errorf("verify: %v", p)
		}
	})
	t.Run("invalid number and no code yet", func(t *testing.T) {
		b := e.Browser()
		b.Lang = "ru"
		ar := e.AuthRequest(b, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{"ru"} })
		fp, _ := b.Start(ar)
		if p := b.Post(fp+"/phone/verify"+q(ar), url.Values{"code": {"123456"}}); p.Status != http.StatusBadRequest {
			t.Errorf("verify before a send: %v", p)
		}
		p := b.Post(fp+"/phone/send"+q(ar), url.Values{"phone": {"not a number"}})
		if p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "phone.invalid_phone")) {
			t.Errorf("invalid number: %v", p)
		}
	})
}

// Without SMS the phone pages do not exist.
func TestPhoneOff(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.SMS = nil })
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, form := b.Start(ar)
	if form.Has(fp + "/phone") {
		t.Error("the form links to the phone sign-in")
	}
	if p := b.Get(fp + "/phone" + q(ar)); p.Status != http.StatusNotFound {
		t.Errorf("phone page: %v", p)
	}
}

// The send limits refuse a text with their own sentence.
func TestPhoneSendLimited(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.SendLimits = logintest.LimitAll{} })
	u := e.User(directory.NewUser{})
	b := e.Browser()
	_, _, p := phoneStart(t, e, b, u.Phone)
	if p.Status != http.StatusTooManyRequests || !p.Has(e.Text("en", "phone.send_limited")) {
		t.Fatalf("limited: %v", p)
	}
}
