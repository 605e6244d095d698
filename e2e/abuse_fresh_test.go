package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// reauthWithin is the window the abuse tests run with (sessions.reauth_within),
// short so that a session goes stale within the test.
const reauthWithin = 2 * time.Second

const reauthNotice = "confirm it is you: sign in again"

// goStale waits until the browser's sign-in is older than the window.
func goStale() { time.Sleep(reauthWithin + 300*time.Millisecond) }

// freshConfig: certificates (a corporate CA, the GOST fixtures), mail and SMS
// stand-ins.
func freshConfig(t *testing.T, corp *corpPKI, smsURL string, smtpPort int) string {
	return strings.Replace(certConfig(t, corp, ""), "bootstrap:\n", fmt.Sprintf(
		"sms: {provider: webhook, webhook: {url: %q}}\nemail: {provider: smtp, smtp: {host: 127.0.0.1, port: %d, from: noreply@example.com, tls: none}}\nbootstrap:\n",
		smsURL, smtpPort), 1)
}

// mustReauth checks that p is the sign-in page asking to confirm it is the
// person, and signs in there again with ivanov's password.
func mustReauth(t *testing.T, b *rptest.Browser, p *rptest.Page, what, password string, gw *smsGateway, phone string) *rptest.Page {
	t.Helper()
	if !strings.Contains(p.Body, reauthNotice) || !strings.Contains(p.Body, `name="password"`) || !strings.Contains(p.Body, `value="ivanov"`) {
		t.Fatalf("%s from a stale session did not ask to sign in again: %d %s %.600s", what, p.Status, p.URL, p.Body)
	}
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {password}})
	if strings.Contains(p.Body, "/second-factor/sms") {
		// The confirmed phone is a second factor: a way in changes only after
		// a sign-in that reached it (issue 19).
		p = mustSubmit(t, b, p, "/second-factor/sms", nil)
		p = mustSubmit(t, b, p, "/second-factor/sms/check", url.Values{"sms_code": {gw.lastCode(t, phone)}})
	}
	return p
}

// TestAbuseStaleSessionCannotChangeWayIn: someone at a browser left signed in (or
// holding a stolen session cookie) cannot change the email, the phone, the
// password or the certificates of the account: a session signed in longer ago
// than sessions.reauth_within is sent to sign in again, and the change it asked
// for is carried out after that, with what was typed kept. The old email and
// phone, and the current contact for a password or certificate, are told.
func TestAbuseStaleSessionCannotChangeWayIn(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	corp := newCorpPKI(t)
	srv := startServer(t, freshConfig(t, corp, gwURL, port), "VHOD_SESSIONS_REAUTH_WITHIN="+reauthWithin.String())
	b := rptest.NewBrowser("")
	b.Lang = "en"
	p := mustGet(t, b, srv.Issuer+"/account")
	password := "S3cure-pass!"
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {password}})
	if !strings.Contains(p.Body, "Your account") {
		t.Fatalf("account page: %d %.400s", p.Status, p.Body)
	}

	t.Run("ChangeEmailNeedsFreshSignIn", func(t *testing.T) {
		goStale()
		p := mustGet(t, b, srv.Issuer+"/account")
		p = mustSubmit(t, b, p, "/account/identifier", url.Values{"kind": {"email"}, "value": {"Ivan.New@Example.com"}})
		if box.count("ivan.new@example.com") != 0 {
			t.Fatal("a stale session had a code sent to a new address")
		}
		// Signed in again, the change goes on with the address typed before.
		p = mustReauth(t, b, p, "an email change", password, gw, "+79090000000")
		if !strings.Contains(p.Body, "We sent a code to ivan.new@example.com") {
			t.Fatalf("the typed address was lost: %d %s %.600s", p.Status, p.URL, p.Body)
		}
		m := regexp.MustCompile(`address: (\d{6})`).FindStringSubmatch(decodeMail(box.last(t, "ivan.new@example.com")))
		if m == nil {
			t.Fatal("no code mailed to the new address")
		}
		p = mustSubmit(t, b, p, "/account/identifier/confirm", url.Values{"code": {m[1]}})
		if !strings.Contains(p.Body, "Changed and confirmed.") {
			t.Fatalf("confirm: %d %.400s", p.Status, p.Body)
		}
		if got := decodeMail(box.last(t, "ivanov@example.com")); !strings.Contains(got, "email address of the account ivanov was changed") {
			t.Fatalf("the old address was not told: %.400s", got)
		}
	})

	t.Run("ChangePhoneNeedsFreshSignIn", func(t *testing.T) {
		goStale()
		p := mustGet(t, b, srv.Issuer+"/account")
		p = mustSubmit(t, b, p, "/account/identifier", url.Values{"kind": {"phone"}, "value": {"+7 909 111-22-33"}})
		if gw.count("+79091112233") != 0 {
			t.Fatal("a stale session had a code sent to a new number")
		}
		p = mustReauth(t, b, p, "a phone change", password, gw, "+79090000000")
		if !strings.Contains(p.Body, "We sent a code to &#43;79091112233") {
			t.Fatalf("the typed number was lost: %d %.600s", p.Status, p.Body)
		}
		p = mustSubmit(t, b, p, "/account/identifier/confirm", url.Values{"code": {gw.lastCode(t, "+79091112233")}})
		if !strings.Contains(p.Body, "Changed and confirmed.") {
			t.Fatalf("confirm: %d %.400s", p.Status, p.Body)
		}
		// The notice goes out after the answer (through the outbox): wait for it.
		told := func() bool {
			old := gw.texts("+79090000000")
			return len(old) > 0 && strings.Contains(old[len(old)-1], "phone number of the account ivanov was changed")
		}
		if old := gw.texts("+79090000000"); !waitFor(10*time.Second, told) {
			t.Fatalf("the old number was not told: %q", old)
		}
	})

	t.Run("ChangePasswordNeedsFreshSignIn", func(t *testing.T) {
		goStale()
		p := mustGet(t, b, srv.Issuer+"/account")
		form := url.Values{"old": {"S3cure-pass!"}, "new": {"Changed-pass-9"}, "repeat": {"Changed-pass-9"}}
		p = mustSubmit(t, b, p, "/account/password", form)
		// The old password still signs in: nothing changed.
		p = mustReauth(t, b, p, "a password change", password, gw, "+79091112233")
		if !strings.Contains(p.Body, "You have confirmed it is you") {
			t.Fatalf("after signing in again: %d %.600s", p.Status, p.Body)
		}
		p = mustSubmit(t, b, p, "/account/password", form)
		if !strings.Contains(p.Body, "Your password has been changed") {
			t.Fatalf("password change in a fresh session: %d %.400s", p.Status, p.Body)
		}
		if got := decodeMail(box.last(t, "ivan.new@example.com")); !strings.Contains(got, "password of the account ivanov was changed") {
			t.Fatalf("the owner was not told of the password change: %.400s", got)
		}
		password = "Changed-pass-9"
	})

	_, keyFile, certFile := corp.person(t, "Иванов Рабочий")
	t.Run("AddCertificateNeedsFreshSignIn", func(t *testing.T) {
		goStale()
		p := mustGet(t, b, srv.Issuer+"/account")
		p = follow(t, b, p, regexp.MustCompile(`href="(/account/certificate)"`))
		if challengeRe.MatchString(p.Body) {
			t.Fatal("a stale session was offered to link a certificate")
		}
		p = mustReauth(t, b, p, "linking a certificate", password, gw, "+79091112233")
		if !challengeRe.MatchString(p.Body) {
			t.Fatalf("after signing in again, no challenge: %s %.600s", p.URL, p.Body)
		}
		p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, keyFile, certFile, "")}})
		p = mustSubmit(t, b, p, "/certificate/confirm", nil)
		if !strings.Contains(p.Body, "The certificate is now linked to your account.") {
			t.Fatalf("after linking: %s %.900s", p.URL, p.Body)
		}
		if got := decodeMail(box.last(t, "ivan.new@example.com")); !strings.Contains(got, "A new certificate was linked to the account ivanov") {
			t.Fatalf("the owner was not told of the new certificate: %.400s", got)
		}
	})

	t.Run("RemoveCertificateNeedsFreshSignIn", func(t *testing.T) {
		goStale()
		p := mustGet(t, b, srv.Issuer+"/account")
		p = mustConfirm(t, b, p, "/account/certificate/remove", nil, "Unlink the certificate?")
		if q := mustGet(t, b, srv.Issuer+"/account"); !strings.Contains(q.Body, "Иванов Рабочий") {
			t.Fatal("a stale session unlinked a certificate")
		}
		p = mustReauth(t, b, p, "unlinking a certificate", password, gw, "+79091112233")
		if !strings.Contains(p.Body, "The certificate is no longer linked to your account.") {
			t.Fatalf("the unlinking did not go on after signing in again: %d %.600s", p.Status, p.Body)
		}
		if got := decodeMail(box.last(t, "ivan.new@example.com")); !strings.Contains(got, "A certificate was unlinked from the account ivanov") {
			t.Fatalf("the owner was not told of the unlinked certificate: %.400s", got)
		}
	})

	// A step-up by a relying party that asks for a certificate would bind a new
	// certificate to the signed-in person without the account page: the binding
	// asks for a fresh sign-in too, and comes back to the confirmation.
	t.Run("StepUpBindingNeedsFreshSignIn", func(t *testing.T) {
		gov := newRP(t, srv, "gov", "gov-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "ru_ids")
		rb := rptest.NewBrowser("http://127.0.0.1:8765/")
		rb.Lang = "en"
		rb.Client.Jar = b.Client.Jar // the same browser, stopping at the relying party
		goStale()
		ga := gov.authorization()
		p := mustGet(t, rb, ga.URL)
		key, cert, chain := fixtureSigner(t, "gost/director")
		p = mustSubmit(t, rb, p, "/certificate", url.Values{"signature": {vhodSign(t, p, key, cert, chain)}})
		if !strings.Contains(p.Body, "link it to the account you are signed in to") {
			t.Fatalf("no binding offer: %.800s", p.Body)
		}
		p = mustSubmit(t, rb, p, "/certificate/confirm", nil)
		if p.Location != "" {
			t.Fatal("a stale session bound a certificate through a step-up")
		}
		p = mustReauth(t, rb, p, "a step-up binding", password, gw, "+79091112233")
		if !strings.Contains(p.Body, "link it to the account you are signed in to") {
			t.Fatalf("not back at the confirmation: %s %s", p.URL, p.Body)
		}
		p = mustSubmit(t, rb, p, "/certificate/confirm", nil)
		cb, _ := url.Parse(p.Location)
		_, _, claims := gov.exchange(ga, gov.code(ga, cb))
		if claims["acr"] != "urn:vhod:acr:qualified-certificate" {
			t.Fatalf("after the step-up: %v", claims)
		}
	})

	// The audit log has each refusal, each sign-in made again, and each notice.
	srv.Stop()
	out, err := runVhod(t, nil, "admin", "audit", "export", "--config", srv.Config)
	if err != nil {
		t.Fatalf("export: %v %s", err, out)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		var e struct {
			Type, Outcome string
			Details       map[string]string
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Type != "" {
			seen[e.Type+" "+e.Outcome+" "+e.Details["action"]+e.Details["change"]]++
		}
	}
	for _, want := range []string{
		"reauth.required failure email", "reauth success email", "notice.change success email",
		"reauth.required failure phone", "reauth success phone", "notice.change success phone",
		"reauth.required failure password", "reauth success password", "notice.change success password",
		"reauth.required failure certificate_add", "notice.change success certificate_added",
		"reauth.required failure certificate_remove", "notice.change success certificate_removed",
		"reauth.required failure certificate_bind", "reauth success certificate_bind",
	} {
		if seen[want] == 0 {
			t.Errorf("no audit event %q in %v", want, seen)
		}
	}
}
