package secondfactor_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors/factorstest"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/login/logintest"
	"github.com/vhod-id/vhod/storage"
)

var q = logintest.Q

// held signs u in with the password for ar and expects the second-factor
// step: it returns the flow's path and the step's page.
func held(t *testing.T, e *env, b *logintest.Browser, ar storage.AuthRequest, u storage.User) (string, logintest.Page) {
	t.Helper()
	p := b.SignIn(ar, u.Login)
	if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("password: not held for a second factor: %v", p)
	}
	fp := logintest.FlowPathOf(p.Location)
	if f := e.Flow(fp); f.State != string(flows.StateSecondFactor) || f.Second == nil {
		t.Fatalf("flow %+v", f)
	}
	return fp, b.Follow(p)
}

// The person's "always ask": after the password no session exists until a
// code of the app; then amr pwd+otp+mfa and acr mfa. A wrong code is refused
// and audited, and the same code is not accepted twice.
func TestAlwaysAskWithAuthenticatorApp(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	secret, _ := e.enrolTOTP(u)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, page := held(t, e, b, ar, u)
	if _, ok := b.Session(); ok {
		t.Fatal("a session exists before the second factor")
	}
	for _, want := range []string{e.Text("en", "mfa.title"), e.Text("en", "mfa.totp_label"), e.Text("en", "mfa.by_user"), e.Text("en", "mfa.recovery_summary")} {
		if !page.Has(want) {
			t.Errorf("the step lacks %q", want)
		}
	}
	if page.Has("mfa.") {
		t.Errorf("a raw key on the page: %s", page.Body)
	}
	p := b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {"000000"}})
	if p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "mfa.wrong_code")) {
		t.Fatalf("wrong code: %v", p)
	}
	if !e.HasAudit(u.ID, directory.EventFactorChecked, directory.OutcomeFailure, map[string]string{"factor": "totp"}) {
		t.Error("wrong code not audited")
	}
	code := e.code(secret)
	p = b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {code}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("right code: %v", p)
	}
	s, ok := b.Session()
	if !ok || s.UserID != u.ID || s.ACR != directory.ACRMFA || !slices.Equal(s.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("session %+v", s)
	}
	if c := e.AR(ar.ID).Completion; c == nil || c.ACR != directory.ACRMFA {
		t.Fatalf("completion %+v", c)
	}
	if !e.HasAudit(u.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "second_factor", "factor": "totp", "first": "password", "by": "user"}) {
		t.Error("sign-in not audited")
	}

	// The same code again, in another sign-in within its window: refused.
	b2 := e.Browser()
	ar2 := e.AuthRequest(b2, "portal", nil)
	fp2, _ := held(t, e, b2, ar2, u)
	if p := b2.Post(fp2+"/second-factor/totp"+q(ar2), url.Values{"code": {code}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("replayed code: %v", p)
	}
	if !e.HasAudit(u.ID, directory.EventFactorChecked, directory.OutcomeFailure, map[string]string{"factor": "totp", "reason": "replay"}) {
		t.Error("replay not audited")
	}
}

// Five wrong codes lock the second factor as passwords lock: the right code
// is refused too until the window passes, and the lock is audited.
func TestWrongCodesLock(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	secret, _ := e.enrolTOTP(u)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := held(t, e, b, ar, u)
	for i := range 5 {
		if p := b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {"12345" + string(rune('0'+i))}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %v", i, p)
		}
	}
	p := b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {e.code(secret)}})
	if p.Status != http.StatusTooManyRequests || !p.Has(e.Text("en", "mfa.locked")) {
		t.Fatalf("after five wrong codes: %v", p)
	}
	if !e.HasAudit(u.ID, directory.EventFactorLocked, directory.OutcomeSuccess, nil) {
		t.Error("lock not audited")
	}
	if _, ok := b.Session(); ok {
		t.Error("a session after a lock")
	}
}

// A recovery code stands in for the factor once; the person is mailed.
func TestRecoveryCodeOnce(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	_, codes := e.enrolTOTP(u)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := held(t, e, b, ar, u)
	p := b.Post(fp+"/second-factor/recovery"+q(ar), url.Values{"recovery_code": {strings.ToUpper(codes[0])}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("recovery code: %v", p)
	}
	if s, _ := b.Session(); s.ACR != directory.ACRMFA {
		t.Fatalf("session %+v", s)
	}
	if !e.HasAudit(u.ID, directory.EventRecoveryCodeUsed, directory.OutcomeSuccess, nil) {
		t.Error("use not audited")
	}
	e.WaitEmail(u.Email)

	b2 := e.Browser()
	ar2 := e.AuthRequest(b2, "portal", nil)
	fp2, _ := held(t, e, b2, ar2, u)
	if p := b2.Post(fp2+"/second-factor/recovery"+q(ar2), url.Values{"recovery_code": {codes[0]}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("a used recovery code: %v", p)
	}
}

// SMS to the confirmed phone as the second factor: amr pwd+sms+otp+mfa.
func TestSMSAsSecondFactor(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{PhoneVerified: true})
	e.alwaysAsk(u)
	b := e.Browser()
	b.Lang = "ru"
	ar := e.AuthRequest(b, "portal", nil)
	fp, page := held(t, e, b, ar, u)
	if !page.Has(e.Text("ru", "mfa.sms_send", "Phone", "•••"+u.Phone[len(u.Phone)-2:])) || page.Has(e.Text("ru", "mfa.totp_label")) {
		t.Fatalf("the step offers: %s", page.Body)
	}
	p := b.Post(fp+"/second-factor/sms"+q(ar), nil)
	if p.Status != http.StatusOK || !p.Has(e.Text("ru", "mfa.sms_sent")) {
		t.Fatalf("send: %v", p)
	}
	code := logintest.CodeIn(t, e.WaitSMS(u.Phone).Text)
	if p := b.Post(fp+"/second-factor/sms/check"+q(ar), url.Values{"sms_code": {"000000"}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("wrong sms code: %v", p)
	}
	p = b.Post(fp+"/second-factor/sms/check"+q(ar), url.Values{"sms_code": {code}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("sms code: %v", p)
	}
	if s, _ := b.Session(); !slices.Equal(s.AMR, []string{"pwd", "sms", "otp", "mfa"}) || s.ACR != directory.ACRMFA {
		t.Fatalf("session %+v", s)
	}
}

// A passkey of the account as the second factor (WebAuthn assertion bound to
// the flow): amr pwd+hwk+user+mfa.
func TestPasskeyAsSecondFactor(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	a := e.registerPasskey(u, factorstest.FlagUV)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, page := held(t, e, b, ar, u)
	if !page.Has(e.Text("en", "mfa.passkey_button")) || !page.Has(`src="/static/passkey.js"`) {
		t.Fatalf("no passkey offered: %s", page.Body)
	}
	opts := b.Post(fp+"/second-factor/passkey/begin"+q(ar), nil)
	if opts.Status != http.StatusOK {
		t.Fatalf("begin: %v", opts)
	}
	cred, err := a.Get([]byte(opts.Body))
	if err != nil {
		t.Fatal(err)
	}
	p := b.Post(fp+"/second-factor/passkey/finish"+q(ar), url.Values{"credential": {string(cred)}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("finish: %v", p)
	}
	if s, _ := b.Session(); !slices.Equal(s.AMR, []string{"pwd", "hwk", "user", "mfa"}) || s.ACR != directory.ACRMFA {
		t.Fatalf("session %+v", s)
	}
}

// An app asking for acr mfa (min_acr) steps up a password session: the
// second-factor step, without the password again.
func TestStepUpOfAPasswordSession(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	secret, _ := e.enrolTOTP(u)
	b := e.Browser()
	if p := b.SignIn(e.AuthRequest(b, "portal", nil), u.Login); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("password sign-in: %v", p)
	}
	if s, _ := b.Session(); s.ACR != directory.ACRPassword {
		t.Fatalf("session %+v", s)
	}
	ar := e.AuthRequest(b, "mfa", nil)
	p := b.Get("/login" + q(ar))
	if !strings.Contains(p.Location, "/second-factor?") {
		t.Fatalf("not sent to the second factor: %v", p)
	}
	fp := logintest.FlowPathOf(p.Location)
	p = b.Follow(p)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("step-up: %v", p)
	}
	page := b.Follow(p)
	if !page.Has(e.Text("en", "mfa.by_app")) || !page.Has(e.Text("en", "login.for_client", "Client", "Bank")) {
		t.Fatalf("step: %v", page)
	}
	p = b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {e.code(secret)}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("code: %v", p)
	}
	if c := e.AR(ar.ID).Completion; c == nil || c.ACR != directory.ACRMFA || !slices.Contains(c.AMR, "pwd") {
		t.Fatalf("completion %+v", c)
	}
}

// A person without a second factor, for an app that needs one: the app gets
// no weaker answer, the page says why and leads to the account; audited.
func TestNotEnrolledIsSentToEnrol(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	b := e.Browser()
	b.Lang = "ru"
	ar := e.AuthRequest(b, "mfa", nil)
	// Without a session the step sends the person to the password form first.
	p := b.Follow(b.Get("/login" + q(ar)))
	fp := logintest.FlowPathOf(p.Location)
	if form := b.Follow(p); !form.Has(`name="password"`) {
		t.Fatalf("not the password form: %v", form)
	}
	p = b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {logintest.TestPassword}})
	if p.Status != http.StatusForbidden || !p.Has(e.Text("ru", "mfa.enrol_by_app")) || !p.Has(`href="/account"`) {
		t.Fatalf("not enrolled: %v", p)
	}
	if e.AR(ar.ID).Completion != nil {
		t.Fatal("the app got an answer")
	}
	if !e.HasAudit(u.ID, directory.EventFactorRequired, directory.OutcomeFailure, map[string]string{"by": "app", "reason": "not_enrolled"}) {
		t.Error("refusal not audited")
	}
}

// Recovery of the password never skips the second factor: a person signing
// in with the "always ask" rule is held whatever the first factor was (here
// the phone code, which is then not doubled by an SMS code).
func TestFirstFactorByPhoneIsNotDoubledBySMS(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{PhoneVerified: true})
	e.enrolTOTP(u)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := b.Start(ar)
	f := e.Flow(fp)
	f.Second = &storage.PendingSecondFactor{AMR: []string{"sms", "otp"}, ACR: directory.ACRPhone, By: "user"}
	f.UserID = u.ID
	fl := flows.Flow{Flow: f}
	if err := flows.Move(t.Context(), e.st, &fl, flows.StateSecondFactor, e.Now()); err != nil {
		t.Fatal(err)
	}
	page := b.Get(fp + q(ar))
	if page.Has(e.Text("en", "mfa.sms_resend")) || strings.Contains(page.Body, "/second-factor/sms") || !page.Has(e.Text("en", "mfa.totp_label")) {
		t.Fatalf("SMS offered after an SMS sign-in: %s", page.Body)
	}
	if p := b.Post(fp+"/second-factor/sms"+q(ar), nil); p.Status == http.StatusOK {
		t.Fatalf("SMS sent after an SMS sign-in: %v", p)
	}
}

// A temporary password (recovery by SMS or email, or an operator's) opens
// only the change of password, and the change does not skip the second
// factor: no session until the code.
func TestTemporaryPasswordDoesNotSkipTheSecondFactor(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{Password: "Temp-0perator-1", PasswordTemporary: true})
	secret, _ := e.enrolTOTP(u)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := b.Start(ar)
	if p := b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {"Temp-0perator-1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("temporary password: %v", p)
	}
	p := b.Post(fp+"/password/change"+q(ar), url.Values{"old": {"Temp-0perator-1"}, "new": {"N3w-secret-pass"}, "repeat": {"N3w-secret-pass"}})
	if strings.HasPrefix(p.Location, "/callback") || e.Flow(fp).State != string(flows.StateSecondFactor) {
		t.Fatalf("the change skipped the second factor: %v", p)
	}
	if _, ok := b.Session(); ok {
		t.Fatal("a session before the second factor")
	}
	if p := b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {e.code(secret)}}); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("code: %v", p)
	}
}

// A session that began before the person turned "always ask" on does not
// answer an app by SSO: the person signs in again, with the second factor.
func TestAlwaysAskTurnedOnLaterStopsSSO(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	secret, _ := e.enrolTOTP(u)
	b := e.Browser()
	if p := b.SignIn(e.AuthRequest(b, "portal", nil), u.Login); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("password sign-in: %v", p)
	}
	if p := b.Get("/login" + q(e.AuthRequest(b, "portal", nil))); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("SSO before always ask: %v", p)
	}
	e.alwaysAsk(u) // ends the sessions weaker than a second factor
	if ss, err := e.st.ListUserSessions(t.Context(), u.ID); err != nil || len(ss) != 0 {
		t.Fatalf("a password session outlived \"always ask\": %v %v", ss, err)
	}
	ar := e.AuthRequest(b, "portal", nil)
	fp, form := b.Start(ar)
	if !form.Has(`name="password"`) {
		t.Fatalf("SSO answered a session weaker than the person's rule: %v", form)
	}
	p := b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {logintest.TestPassword}})
	if strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("the password alone answered: %v", p)
	}
	if p := b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {e.code(secret)}}); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("code: %v", p)
	}
}

// A passkey ceremony asked for by a person without a passkey is bad input:
// 400 with a sentence, not 503.
func TestPasskeyBeginWithoutPasskeyIsBadRequest(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	e.enrolTOTP(u)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := held(t, e, b, ar, u)
	p := b.Post(fp+"/second-factor/passkey/begin"+q(ar), nil)
	if p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "f2.mfa.no_passkey")) {
		t.Fatalf("passkey begin without a passkey: %v", p)
	}
}

// The trusted-device cookie (which spares a browser the account's lock) is
// given only once the sign-in is whole: not after the password of a person
// who asked to be asked for a second factor, but after the second factor.
func TestDeviceCookieOnlyAfterTheWholeSignIn(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	secret, _ := e.enrolTOTP(u)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := held(t, e, b, ar, u)
	if b.HasCookie("vhod_device") {
		t.Fatal("a device cookie after the password alone")
	}
	p := b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {e.code(secret)}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("second factor: %v", p)
	}
	if !b.HasCookie("vhod_device") {
		t.Fatal("no device cookie after the whole sign-in")
	}
}
