package selfservice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/logintest"

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
	p := b.Get("/recover" + q(ar))
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/recover/") {
		t.Fatalf("recovery start: %v", p)
	}
	rp := flowPathOf(p.Location)
	if p := b.Follow(p); p.Status != http.StatusOK {
		t.Fatalf("recovery page: %v", p)
	}
	return rp, b.Post(rp+"/send"+q(ar), url.Values{"identifier": {identifier}})
}

// Recovery by phone: a temporary password by SMS, which signs in only to set a
// new password; then the account's other sessions end, the email hears of it,
// and the old password no longer works.
func TestRecoveryByPhone(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.User(directory.NewUser{})
	// A session elsewhere, which the recovery ends.
	elsewhere := e.Browser()
	elsewhere.SignIn(e.AuthRequest(elsewhere, "portal", nil), u.Login)
	old, _ := elsewhere.Session()

	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	_, p := startRecovery(t, e, b, ar, u.Phone)
	if p.Status != http.StatusOK || !p.Has(e.Text("en", "recovery.sms_sent")) {
		t.Fatalf("send: %v", p)
	}
	temp := temporaryPassword(t, e.WaitSMS(u.Phone).Text)
	// Until the change, the old password and session stay.
	if _, err := e.Store.SessionByID(context.Background(), old.ID); err != nil {
		t.Fatal("the other session ended at the request")
	}
	fp, _ := b.Start(ar)
	p = b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Phone}, "password": {temp}})
	if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("temporary password: %v", p)
	}
	if _, ok := b.Session(); ok {
		t.Fatal("a session from the temporary password alone")
	}
	if form := b.Follow(p); !form.Has(`name="repeat"`) {
		t.Fatalf("no password change form: %v", form)
	}
	if !e.HasAudit(u.ID, directory.EventRecoveryUsed, directory.OutcomeSuccess, map[string]string{"via": "sms"}) {
		t.Error("use of the recovery password not audited")
	}
	change := func(old, next, repeat string) page {
		return b.Post(fp+"/password/change"+q(ar), url.Values{"old": {old}, "new": {next}, "repeat": {repeat}})
	}
	if p := change(temp, "N3w-secret-pass", "N3w-secret-pasz"); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "pwchange.mismatch")) {
		t.Errorf("mismatch: %v", p)
	}
	if p := change(temp, "short", "short"); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "pwchange.too_short", "Min", "8")) {
		t.Errorf("too short: %v", p)
	}
	p = change(temp, "N3w-secret-pass", "N3w-secret-pass")
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("change: %v", p)
	}
	if s, ok := b.Session(); !ok || s.UserID != u.ID {
		t.Fatal("no session after the change")
	}
	if _, err := e.Store.SessionByID(context.Background(), old.ID); err == nil {
		t.Error("the other session lives on after the recovery")
	}
	if !e.HasAudit(u.ID, directory.EventRecoveryCompleted, directory.OutcomeSuccess, map[string]string{"via": "sms"}) {
		t.Error("recovery not audited")
	}
	if m := e.WaitEmail(u.Email); m.Text == "" {
		t.Error("the email was not told")
	}
	if _, err := e.Dir.Authenticate(context.Background(), u.Login, testPassword); err == nil {
		t.Error("the old password still works")
	}
	if _, err := e.Dir.Authenticate(context.Background(), u.Login, "N3w-secret-pass"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// A number without an account gets the same page and no text; the request is
// audited as failed.
func TestRecoveryByPhoneUnknown(t *testing.T) {
	e := newEnv(t, nil, nil)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	rp, p := startRecovery(t, e, b, ar, "+79990009988")
	if p.Status != http.StatusOK || !p.Has(e.Text("en", "recovery.sms_sent")) {
		t.Fatalf("send: %v", p)
	}
	if f := e.Flow(rp); f.State != string(flows.StateSMSSent) {
		t.Errorf("state %s", f.State)
	}
	// The recovery page of the flow links back to the sign-in.
	if p := b.Get(rp + q(ar)); !p.Has("/login?authRequestID=") {
		t.Errorf("no way back: %v", p)
	}
}

// Recovery by email: a code (and a link carrying it), then the new password;
// the code is spent once, every session ends, and the reset is audited.
func TestRecoveryByEmail(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.User(directory.NewUser{})
	elsewhere := e.Browser()
	elsewhere.SignIn(e.AuthRequest(elsewhere, "portal", nil), u.Login)
	old, _ := elsewhere.Session()

	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	rp, p := startRecovery(t, e, b, ar, strings.ToUpper(u.Email))
	if p.Status != http.StatusOK || !p.Has(e.Text("en", "recovery.code_sent")) {
		t.Fatalf("send: %v", p)
	}
	m := e.WaitEmail(u.Email)
	code := codeIn(t, m.Text)
	if !strings.Contains(m.Text, "http://vhod.test"+rp+"?authRequestID=") {
		t.Errorf("no link in %q", m.Text)
	}
	// The link fills the code in.
	if p := b.Get(rp + q(ar) + "&code=" + code); !p.Has(`value="` + code + `"`) {
		t.Errorf("code not filled in: %v", p)
	}
	reset := func(code, next, repeat string) page {
		return b.Post(rp+"/reset"+q(ar), url.Values{"code": {code}, "new": {next}, "repeat": {repeat}})
	}
	if p := reset(code, "N3w-secret-pass", "other"); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "pwchange.mismatch")) {
		t.Errorf("mismatch: %v", p)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	if p := reset(wrong, "N3w-secret-pass", "N3w-secret-pass"); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "phone.wrong_code")) {
		t.Errorf("wrong code: %v", p)
	}
	p = reset(code, "N3w-secret-pass", "N3w-secret-pass")
	if p.Status != http.StatusOK || !p.Has(e.Text("en", "recovery.done")) {
		t.Fatalf("reset: %v", p)
	}
	if _, err := e.Store.SessionByID(context.Background(), old.ID); err == nil {
		t.Error("the other session lives on")
	}
	if !e.HasAudit(u.ID, directory.EventRecoveryCompleted, directory.OutcomeSuccess, map[string]string{"via": "email"}) {
		t.Error("reset not audited")
	}
	if _, err := e.Dir.Authenticate(context.Background(), u.Login, "N3w-secret-pass"); err != nil {
		t.Errorf("new password: %v", err)
	}
	// Spent: a second reset is refused.
	if p := reset(code, "An0ther-pass-x", "An0ther-pass-x"); p.Status != http.StatusBadRequest {
		t.Errorf("code used twice: %v", p)
	}
}

// A contract number sends the code to the email on file; what is neither
// phone, email nor login is refused; a recovery flow is not a sign-in flow.
func TestRecoveryRefusalsAndContract(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.User(directory.NewUser{Login: "", Contract: fmt.Sprintf("Д-%d", next())})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	_, p := startRecovery(t, e, b, ar, u.Contract)
	if p.Status != http.StatusOK || !p.Has(e.Text("en", "recovery.contract_sent")) {
		t.Fatalf("by contract: %v", p)
	}
	e.WaitEmail(u.Email)

	b2 := e.Browser()
	b2.Lang = "ru"
	ar2 := e.AuthRequest(b2, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{"ru"} })
	rp, p := startRecovery(t, e, b2, ar2, "@@@")
	if p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "recovery.invalid")) {
		t.Errorf("invalid identifier: %v", p)
	}
	// The recovery flow's ID does not open the sign-in pages.
	if p := b2.Get("/login/" + strings.TrimPrefix(rp, "/recover/") + q(ar2)); p.Status != http.StatusBadRequest {
		t.Errorf("recovery flow as a sign-in: %v", p)
	}
	// A reset before any code.
	if p := b2.Post(rp+"/reset"+q(ar2), url.Values{"code": {"123456"}, "new": {"x"}, "repeat": {"x"}}); p.Status != http.StatusBadRequest {
		t.Errorf("reset before a code: %v", p)
	}
	// A gone recovery flow is an error page (no silent new flow).
	if p := b2.Get("/recover/no-such-flow" + q(ar2)); p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "login.flow_expired")) {
		t.Errorf("gone flow: %v", p)
	}
}

// With a captcha configured, the first form of a side flow needs it.
func TestRecoveryCaptcha(t *testing.T) {
	e := newEnv(t, func(c *login.Config) { c.Captcha = logintest.FakeCaptcha{} }, nil)
	u := e.User(directory.NewUser{})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	rp, p := startRecovery(t, e, b, ar, u.Email)
	if p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "captcha.required")) {
		t.Fatalf("without the captcha: %v", p)
	}
	p = b.Post(rp+"/send"+q(ar), url.Values{"identifier": {u.Email}, "captcha": {"solved"}})
	if p.Status != http.StatusOK {
		t.Fatalf("with the captcha: %v", p)
	}
	e.WaitEmail(u.Email)
}

// An operator's temporary password leads to the change form too; the change is
// audited as a password change.
func TestTemporaryPasswordChange(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.User(directory.NewUser{Password: "Temp-0perator-1", PasswordTemporary: true})
	b := e.Browser()
	ar := e.AuthRequest(b, "shop", nil)
	fp, _ := b.Start(ar)
	p := b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {"Temp-0perator-1"}})
	if f := e.Flow(fp); f.State != string(flows.StatePasswordChange) {
		t.Fatalf("state %s: %v", f.State, p)
	}
	// A reload shows the change form.
	if p := b.Get(fp + q(ar)); !p.Has(`name="repeat"`) {
		t.Errorf("reload: %v", p)
	}
	change := func(old, next string) page {
		return b.Post(fp+"/password/change"+q(ar), url.Values{"old": {old}, "new": {next}, "repeat": {next}})
	}
	if p := change("wrong-old-pass", "N3w-secret-pass"); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "pwchange.wrong_old")) {
		t.Errorf("wrong old: %v", p)
	}
	if p := change("Temp-0perator-1", "Temp-0perator-1"); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "pwchange.unchanged")) {
		t.Errorf("unchanged: %v", p)
	}
	// The change goes on to consent (shop is a third party).
	p = change("Temp-0perator-1", "N3w-secret-pass")
	if p.Status != http.StatusSeeOther || e.Flow(fp).State != string(flows.StateConsentRequired) {
		t.Fatalf("change: %v", p)
	}
	if !e.HasAudit(u.ID, directory.EventPasswordChange, directory.OutcomeSuccess, map[string]string{"reason": "temporary"}) {
		t.Error("change not audited")
	}
	// The change form of a flow past it is a bad request.
	if p := change("N3w-secret-pass", "An0ther-pass-x"); p.Status != http.StatusBadRequest {
		t.Errorf("change twice: %v", p)
	}
}
