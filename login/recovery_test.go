package login

import (
	"context"
	"fmt"
	"github.com/vhod-id/vhod/directory/flows"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

var temporaryIn = regexp.MustCompile(`password: ([^ .]+)`)

// temporaryPassword is the temporary password in a message's text.
func temporaryPassword(t *testing.T, text string) string {
	t.Helper()
	m := temporaryIn.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no temporary password in %q", text)
	}
	return m[1]
}

// startRecovery opens "Forgot password?" of a new sign-in and posts identifier.
func startRecovery(t *testing.T, e *testEnv, b *testBrowser, ar storage.AuthRequest, identifier string) (string, page) {
	t.Helper()
	p := b.get("/recover" + q(ar))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/recover/") {
		t.Fatalf("recovery start: %v", p)
	}
	rp := flowPathOf(p.location)
	if p := b.follow(p); p.status != http.StatusOK {
		t.Fatalf("recovery page: %v", p)
	}
	return rp, b.post(rp+"/send"+q(ar), url.Values{"identifier": {identifier}})
}

// Recovery by phone: a temporary password by SMS, which signs in only to set a
// new password; then the account's other sessions end, the email hears of it,
// and the old password no longer works.
func TestRecoveryByPhone(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{})
	// A session elsewhere, which the recovery ends.
	elsewhere := e.browser()
	elsewhere.signIn(e.authRequest(elsewhere, "portal", nil), u.Login)
	old, _ := elsewhere.session()

	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	_, p := startRecovery(t, e, b, ar, u.Phone)
	if p.status != http.StatusOK || !p.has(e.text("en", "recovery.sms_sent")) {
		t.Fatalf("send: %v", p)
	}
	temp := temporaryPassword(t, e.waitSMS(u.Phone).Text)
	// Until the change, the old password and session stay.
	if _, err := e.store.SessionByID(context.Background(), old.ID); err != nil {
		t.Fatal("the other session ended at the request")
	}
	fp, _ := b.start(ar)
	p = b.post(fp+"/password"+q(ar), url.Values{"login": {u.Phone}, "password": {temp}})
	if p.status != http.StatusSeeOther || strings.HasPrefix(p.location, "/callback") {
		t.Fatalf("temporary password: %v", p)
	}
	if _, ok := b.session(); ok {
		t.Fatal("a session from the temporary password alone")
	}
	if form := b.follow(p); !form.has(`name="repeat"`) {
		t.Fatalf("no password change form: %v", form)
	}
	if !e.hasAudit(u.ID, directory.EventRecoveryUsed, directory.OutcomeSuccess, map[string]string{"via": "sms"}) {
		t.Error("use of the recovery password not audited")
	}
	change := func(old, next, repeat string) page {
		return b.post(fp+"/password/change"+q(ar), url.Values{"old": {old}, "new": {next}, "repeat": {repeat}})
	}
	if p := change(temp, "N3w-secret-pass", "N3w-secret-pasz"); p.status != http.StatusBadRequest || !p.has(e.text("en", "pwchange.mismatch")) {
		t.Errorf("mismatch: %v", p)
	}
	if p := change(temp, "short", "short"); p.status != http.StatusBadRequest || !p.has(e.text("en", "pwchange.too_short", "Min", "8")) {
		t.Errorf("too short: %v", p)
	}
	p = change(temp, "N3w-secret-pass", "N3w-secret-pass")
	if !strings.HasPrefix(p.location, "/callback") {
		t.Fatalf("change: %v", p)
	}
	if s, ok := b.session(); !ok || s.UserID != u.ID {
		t.Fatal("no session after the change")
	}
	if _, err := e.store.SessionByID(context.Background(), old.ID); err == nil {
		t.Error("the other session lives on after the recovery")
	}
	if !e.hasAudit(u.ID, directory.EventRecoveryCompleted, directory.OutcomeSuccess, map[string]string{"via": "sms"}) {
		t.Error("recovery not audited")
	}
	if m := e.waitEmail(u.Email); m.Text == "" {
		t.Error("the email was not told")
	}
	if _, err := e.dir.Authenticate(context.Background(), u.Login, testPassword); err == nil {
		t.Error("the old password still works")
	}
	if _, err := e.dir.Authenticate(context.Background(), u.Login, "N3w-secret-pass"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// A number without an account gets the same page and no text; the request is
// audited as failed.
func TestRecoveryByPhoneUnknown(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	rp, p := startRecovery(t, e, b, ar, "+79990009988")
	if p.status != http.StatusOK || !p.has(e.text("en", "recovery.sms_sent")) {
		t.Fatalf("send: %v", p)
	}
	if f := e.flow(rp); f.State != string(flows.StateSMSSent) {
		t.Errorf("state %s", f.State)
	}
	// The recovery page of the flow links back to the sign-in.
	if p := b.get(rp + q(ar)); !p.has("/login?authRequestID=") {
		t.Errorf("no way back: %v", p)
	}
}

// Recovery by email: a code (and a link carrying it), then the new password;
// the code is spent once, every session ends, and the reset is audited.
func TestRecoveryByEmail(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{})
	elsewhere := e.browser()
	elsewhere.signIn(e.authRequest(elsewhere, "portal", nil), u.Login)
	old, _ := elsewhere.session()

	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	rp, p := startRecovery(t, e, b, ar, strings.ToUpper(u.Email))
	if p.status != http.StatusOK || !p.has(e.text("en", "recovery.code_sent")) {
		t.Fatalf("send: %v", p)
	}
	m := e.waitEmail(u.Email)
	code := codeIn(t, m.Text)
	if !strings.Contains(m.Text, "http://vhod.test"+rp+"?authRequestID=") {
		t.Errorf("no link in %q", m.Text)
	}
	// The link fills the code in.
	if p := b.get(rp + q(ar) + "&code=" + code); !p.has(`value="` + code + `"`) {
		t.Errorf("code not filled in: %v", p)
	}
	reset := func(code, next, repeat string) page {
		return b.post(rp+"/reset"+q(ar), url.Values{"code": {code}, "new": {next}, "repeat": {repeat}})
	}
	if p := reset(code, "N3w-secret-pass", "other"); p.status != http.StatusBadRequest || !p.has(e.text("en", "pwchange.mismatch")) {
		t.Errorf("mismatch: %v", p)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	if p := reset(wrong, "N3w-secret-pass", "N3w-secret-pass"); p.status != http.StatusBadRequest || !p.has(e.text("en", "phone.wrong_code")) {
		t.Errorf("wrong code: %v", p)
	}
	p = reset(code, "N3w-secret-pass", "N3w-secret-pass")
	if p.status != http.StatusOK || !p.has(e.text("en", "recovery.done")) {
		t.Fatalf("reset: %v", p)
	}
	if _, err := e.store.SessionByID(context.Background(), old.ID); err == nil {
		t.Error("the other session lives on")
	}
	if !e.hasAudit(u.ID, directory.EventRecoveryCompleted, directory.OutcomeSuccess, map[string]string{"via": "email"}) {
		t.Error("reset not audited")
	}
	if _, err := e.dir.Authenticate(context.Background(), u.Login, "N3w-secret-pass"); err != nil {
		t.Errorf("new password: %v", err)
	}
	// Spent: a second reset is refused.
	if p := reset(code, "An0ther-pass-x", "An0ther-pass-x"); p.status != http.StatusBadRequest {
		t.Errorf("code used twice: %v", p)
	}
}

// A contract number sends the code to the email on file; what is neither
// phone, email nor login is refused; a recovery flow is not a sign-in flow.
func TestRecoveryRefusalsAndContract(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{Login: "", Contract: fmt.Sprintf("Д-%d", next())})
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	_, p := startRecovery(t, e, b, ar, u.Contract)
	if p.status != http.StatusOK || !p.has(e.text("en", "recovery.contract_sent")) {
		t.Fatalf("by contract: %v", p)
	}
	e.waitEmail(u.Email)

	b2 := e.browser()
	b2.lang = "ru"
	ar2 := e.authRequest(b2, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{"ru"} })
	rp, p := startRecovery(t, e, b2, ar2, "@@@")
	if p.status != http.StatusBadRequest || !p.has(e.text("ru", "recovery.invalid")) {
		t.Errorf("invalid identifier: %v", p)
	}
	// The recovery flow's ID does not open the sign-in pages.
	if p := b2.get("/login/" + strings.TrimPrefix(rp, "/recover/") + q(ar2)); p.status != http.StatusBadRequest {
		t.Errorf("recovery flow as a sign-in: %v", p)
	}
	// A reset before any code.
	if p := b2.post(rp+"/reset"+q(ar2), url.Values{"code": {"123456"}, "new": {"x"}, "repeat": {"x"}}); p.status != http.StatusBadRequest {
		t.Errorf("reset before a code: %v", p)
	}
	// A gone recovery flow is an error page (no silent new flow).
	if p := b2.get("/recover/no-such-flow" + q(ar2)); p.status != http.StatusBadRequest || !p.has(e.text("ru", "login.flow_expired")) {
		t.Errorf("gone flow: %v", p)
	}
}

// With a captcha configured, the first form of a side flow needs it.
func TestRecoveryCaptcha(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Captcha = fakeCaptcha{} })
	u := e.user(directory.NewUser{})
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	rp, p := startRecovery(t, e, b, ar, u.Email)
	if p.status != http.StatusBadRequest || !p.has(e.text("en", "captcha.required")) {
		t.Fatalf("without the captcha: %v", p)
	}
	p = b.post(rp+"/send"+q(ar), url.Values{"identifier": {u.Email}, "captcha": {"solved"}})
	if p.status != http.StatusOK {
		t.Fatalf("with the captcha: %v", p)
	}
	e.waitEmail(u.Email)
}

// An operator's temporary password leads to the change form too; the change is
// audited as a password change.
func TestTemporaryPasswordChange(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{Password: "Temp-0perator-1", PasswordTemporary: true})
	b := e.browser()
	ar := e.authRequest(b, "shop", nil)
	fp, _ := b.start(ar)
	p := b.post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {"Temp-0perator-1"}})
	if f := e.flow(fp); f.State != string(flows.StatePasswordChange) {
		t.Fatalf("state %s: %v", f.State, p)
	}
	// A reload shows the change form.
	if p := b.get(fp + q(ar)); !p.has(`name="repeat"`) {
		t.Errorf("reload: %v", p)
	}
	change := func(old, next string) page {
		return b.post(fp+"/password/change"+q(ar), url.Values{"old": {old}, "new": {next}, "repeat": {next}})
	}
	if p := change("wrong-old-pass", "N3w-secret-pass"); p.status != http.StatusBadRequest || !p.has(e.text("en", "pwchange.wrong_old")) {
		t.Errorf("wrong old: %v", p)
	}
	if p := change("Temp-0perator-1", "Temp-0perator-1"); p.status != http.StatusBadRequest || !p.has(e.text("en", "pwchange.unchanged")) {
		t.Errorf("unchanged: %v", p)
	}
	// The change goes on to consent (shop is a third party).
	p = change("Temp-0perator-1", "N3w-secret-pass")
	if p.status != http.StatusSeeOther || e.flow(fp).State != string(flows.StateConsentRequired) {
		t.Fatalf("change: %v", p)
	}
	if !e.hasAudit(u.ID, directory.EventPasswordChange, directory.OutcomeSuccess, map[string]string{"reason": "temporary"}) {
		t.Error("change not audited")
	}
	// The change form of a flow past it is a bad request.
	if p := change("N3w-secret-pass", "An0ther-pass-x"); p.status != http.StatusBadRequest {
		t.Errorf("change twice: %v", p)
	}
}
