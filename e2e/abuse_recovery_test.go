package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// victim is a person signed in to the shop: a browser with a session and the
// latest refresh token of the shop's grant.
type victim struct {
	b       *rptest.Browser
	refresh string
}

func signedInVictim(t *testing.T, shop *rp, login, password string) *victim {
	t.Helper()
	b := rptest.NewBrowser(shopHome)
	a, code := shop.signIn(b, login, password)
	tok, _, _ := shop.exchange(a, code)
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	return &victim{b: b, refresh: tok.RefreshToken}
}

// stillIn asserts that the victim's session answers prompt=none and that the
// refresh token still refreshes (keeping the rotated one).
func (v *victim) stillIn(t *testing.T, shop *rp, when string) {
	t.Helper()
	stillSignedIn(t, v.b, shop)
	status, body := shop.refreshForm(v.refresh)
	next, _ := body["refresh_token"].(string)
	if status != http.StatusOK || next == "" {
		t.Fatalf("%s: the victim's refresh token: %d %v", when, status, body)
	}
	v.refresh = next
}

// out asserts that the session has ended and the refresh token is refused.
func (v *victim) out(t *testing.T, shop *rp, when string) {
	t.Helper()
	signedOut(t, v.b, shop)
	if status, body := shop.refreshForm(v.refresh); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("%s: the old refresh token still refreshes: %d %v", when, status, body)
	}
}

// passwordStatus is the answer to one password sign-in in a fresh browser: 302/303
// on the way to the callback, 200 for the change form, 401 for a refusal.
func passwordStatus(t *testing.T, shop *rp, login, password string) (int, *rptest.Page, *rptest.Browser, authorization) {
	t.Helper()
	b := rptest.NewBrowser(shopHome)
	a := shop.authorization()
	p, err := b.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = b.Submit(p, "/password", url.Values{"login": {login}, "password": {password}}); err != nil {
		t.Fatal(err)
	}
	return p.Status, p, b, a
}

var tempPasswordRe = regexp.MustCompile(`Временный пароль: (\S+)\.`)

// auditTypes stops the server and returns the types of its audit events, oldest first.
func auditTypes(t *testing.T, srv *server) []string {
	t.Helper()
	srv.Stop()
	out, err := runVhod(t, nil, "admin", "audit", "export", "--config", srv.Config)
	if err != nil {
		t.Fatalf("export: %v %s", err, out)
	}
	var types []string
	for _, line := range strings.Split(out, "\n") {
		var e struct{ ID, Type string }
		if json.Unmarshal([]byte(line), &e) == nil && e.ID != "" {
			types = append(types, e.Type)
		}
	}
	return types
}

// TestAbuseRecoveryByPhoneLeavesTheVictimSignedIn (issue 16, item 1): a stranger
// who knows only the victim's phone number asks for recovery. The SMS goes to the
// owner; the victim's password, session and refresh token go on working, and the
// stranger has nothing. Only when the owner signs in with the temporary password
// and sets a new one do the other sessions and tokens end; the temporary password
// does not sign in twice.
func TestAbuseRecoveryByPhoneLeavesTheVictimSignedIn(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	// The refusals checked below must not bring the sign-in captcha up.
	cfg := strings.Replace(recoveryConfig(gwURL, port), "bootstrap:\n", "limits: {captcha_after_failures: 10}\nbootstrap:\n", 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)
	v := signedInVictim(t, shop, "ivanov", "S3cure-pass!")

	// The attacker: a browser of its own, the number in another spelling.
	attacker := rptest.NewBrowser(shopHome)
	p := startRecovery(t, attacker, shop, shop.authorization(), "8 (909) 000-00-00")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Если этот номер зарегистрирован") {
		t.Fatalf("recovery answer: %d %.400s", p.Status, p.Body)
	}
	m := tempPasswordRe.FindStringSubmatch(strings.Join(gw.texts("+79090000000"), "\n"))
	if m == nil {
		t.Fatalf("no temporary password in the owner's SMS: %q", gw.texts("+79090000000"))
	}
	temp := m[1]
	if strings.Contains(p.Body, temp) {
		t.Fatal("the attacker's page shows the temporary password")
	}
	signedOut(t, attacker, shop)

	// Nothing of the victim's changed.
	v.stillIn(t, shop, "after the attacker's request")
	if status, _, _, _ := passwordStatus(t, shop, "ivanov", "S3cure-pass!"); status != http.StatusSeeOther && status != http.StatusFound {
		t.Fatalf("the victim's password after the attacker's request: %d", status)
	}
	a, code := shop.signIn(rptest.NewBrowser(shopHome), "ivanov", "S3cure-pass!")
	shop.exchange(a, code)
	v.stillIn(t, shop, "after the victim signed in again")

	// The owner uses the temporary password: it leads to the change form only.
	status, p, owner, a := passwordStatus(t, shop, "+7 909 000 00 00", temp)
	if status != http.StatusOK || !strings.Contains(p.Body, `name="repeat"`) {
		t.Fatalf("temporary password did not lead to the change form: %d %.300s", status, p.Body)
	}
	signedOut(t, owner, shop) // no session before the new password is set
	// A second use fails, even before the change.
	if status, _, _, _ := passwordStatus(t, shop, "ivanov", temp); status != http.StatusUnauthorized {
		t.Fatalf("second use of the temporary password: %d", status)
	}
	v.stillIn(t, shop, "after the temporary password signed in, before the change")

	p = mustSubmit(t, owner, p, "/password/change", url.Values{"old": {temp}, "new": {"Fresh-pass-42"}, "repeat": {"Fresh-pass-42"}})
	cb, _ := url.Parse(p.Location)
	if cb == nil || p.Location == "" {
		t.Fatalf("change did not finish the sign-in: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))

	// Whoever held the phone has reset the password: the account's email hears of it.
	if n := box.count("ivanov@example.com"); n != 1 {
		t.Errorf("%d notices to the account's email after a recovery by phone, want 1", n)
	}

	// Now, and only now, the other sessions and tokens end; the owner's new one lives.
	v.out(t, shop, "after the change")
	stillSignedIn(t, owner, shop)
	for pw, want := range map[string]int{"S3cure-pass!": http.StatusUnauthorized, temp: http.StatusUnauthorized} {
		if status, _, _, _ := passwordStatus(t, shop, "ivanov", pw); status != want {
			t.Errorf("after the change, password %q: %d, want %d", pw, status, want)
		}
	}
	a, code = shop.signIn(rptest.NewBrowser(shopHome), "ivanov", "Fresh-pass-42")
	shop.exchange(a, code)

	types := auditTypes(t, srv)
	var steps []string
	for _, ty := range types {
		if strings.HasPrefix(ty, "recovery.") {
			steps = append(steps, ty)
		}
	}
	if !slices.Equal(steps, []string{"recovery.requested", "recovery.used", "recovery.completed"}) {
		t.Fatalf("recovery audit: %v (all: %v)", steps, types)
	}
}

// TestAbuseRecoveryByEmailOrContractChangesNothingBeforeUse: asking for a code by
// email or by contract number changes nothing; the code, used with a new password,
// ends the other sessions and tokens.
func TestAbuseRecoveryByEmailOrContractChangesNothingBeforeUse(t *testing.T) {
	_, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	cfg := recoveryConfig(gwURL, port) + `    - login: sidorov
      password: "Sid0rov-pass!"
      email: sidorov@example.com
      contract: "Д-15"
`
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)
	for _, tc := range []struct{ login, password, typed, mailTo string }{
		{"ivanov", "S3cure-pass!", "IVANOV@example.com", "ivanov@example.com"},
		{"sidorov", "Sid0rov-pass!", "д-15", "sidorov@example.com"},
	} {
		t.Run(tc.login, func(t *testing.T) {
			shop.t = t
			v := signedInVictim(t, shop, tc.login, tc.password)
			b := rptest.NewBrowser(shopHome)
			b.Lang = "en"
			p := startRecovery(t, b, shop, shop.authorization(oauth2.SetAuthURLParam("ui_locales", "en")), tc.typed)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "we sent it an email with a code") {
				t.Fatalf("recovery answer: %d %.400s", p.Status, p.Body)
			}
			m := regexp.MustCompile(`code to change the password: (\d{6})`).FindStringSubmatch(box.last(t, tc.mailTo))
			if m == nil {
				t.Fatalf("no code in the mail to %s", tc.mailTo)
			}
			v.stillIn(t, shop, "after the request")
			a, code := shop.signIn(rptest.NewBrowser(shopHome), tc.login, tc.password)
			shop.exchange(a, code)
			// A wrong code changes nothing either.
			if q := mustSubmit(t, b, p, "/reset", url.Values{"code": {"000000"}, "new": {"Fresh-pass-42"}, "repeat": {"Fresh-pass-42"}}); q.Status != http.StatusBadRequest {
				t.Fatalf("wrong code: %d", q.Status)
			}
			v.stillIn(t, shop, "after a wrong code")

			p = mustSubmit(t, b, p, "/reset", url.Values{"code": {m[1]}, "new": {"Fresh-pass-42"}, "repeat": {"Fresh-pass-42"}})
			if !strings.Contains(p.Body, "Your password has been changed") {
				t.Fatalf("reset: %d %.300s", p.Status, p.Body)
			}
			v.out(t, shop, "after the code was used")
			if status, _, _, _ := passwordStatus(t, shop, tc.login, tc.password); status != http.StatusUnauthorized {
				t.Fatalf("old password after the reset: %d", status)
			}
		})
	}
	shop.t = t
	var steps []string
	for _, ty := range auditTypes(t, srv) {
		if strings.HasPrefix(ty, "recovery.") {
			steps = append(steps, ty)
		}
	}
	want := []string{"recovery.requested", "recovery.completed", "recovery.requested", "recovery.completed"}
	if !slices.Equal(steps, want) {
		t.Fatalf("recovery audit: %v, want %v", steps, want)
	}
}

// TestRecoveryDeliversWhenTheClientClosesTheConnection: recovery answers before
// it looks the number or address up (so that no timing tells whether it has an
// account), and the work that follows must not end with the request: a client,
// or nginx talking HTTP/1.0 upstream, closes the connection once it has read the
// answer. The temporary password and the code must still be sent.
func TestRecoveryDeliversWhenTheClientClosesTheConnection(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	mail, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	shop := shopRP(t, srv)
	closing := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(closing.CloseIdleConnections)

	b := rptest.NewBrowserWith("http://127.0.0.1:8765/", closing)
	p := startRecovery(t, b, shop, shop.authorization(), "8 909 000 00 00")
	if !strings.Contains(p.Body, "Если этот номер зарегистрирован") {
		t.Fatalf("no neutral notice: %.400s", p.Body)
	}
	if sms := gw.texts("+79090000000"); len(sms) != 1 || !strings.Contains(sms[0], "Временный пароль") {
		t.Fatalf("SMS after a closed connection: %q", sms)
	}
	b = rptest.NewBrowserWith("http://127.0.0.1:8765/", closing)
	startRecovery(t, b, shop, shop.authorization(), "ivanov@example.com")
	if n := mail.count("ivanov@example.com"); n != 1 {
		t.Fatalf("%d recovery mails after a closed connection, want 1", n)
	}
}
