package e2e

import (
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// mailbox is an SMTP relay on loopback that keeps what it gets, by recipient.
type mailbox struct {
	mu      sync.Mutex
	mail    map[string][]string
	arrived time.Time
}

func (m *mailbox) lastArrival() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.arrived
}

func (m *mailbox) countNow(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mail[to])
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }

type mailSession struct {
	m  *mailbox
	to []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	for _, to := range s.to {
		s.m.mail[to] = append(s.m.mail[to], string(b))
	}
	s.m.arrived = time.Now()
	return err
}
func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

func newMailbox(t *testing.T) (*mailbox, int) {
	m := &mailbox{mail: map[string][]string{}}
	srv := smtp.NewServer(m)
	srv.Domain = "127.0.0.1"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return m, ln.Addr().(*net.TCPAddr).Port
}

// count is the mail to to, once Vhod's background sender is done (see settle).
func (m *mailbox) count(to string) int {
	settle(m.lastArrival, func() bool { return true })
	return m.countNow(to)
}

func (m *mailbox) last(t *testing.T, to string) string {
	t.Helper()
	settle(m.lastArrival, func() bool { return m.countNow(to) > 0 })
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.mail[to]) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	return m.mail[to][len(m.mail[to])-1]
}

// lastWith is the latest mail to to that contains part: messages queued
// close together (notices of the step before, then a code) go out side by
// side, in no set order.
func (m *mailbox) lastWith(t *testing.T, to, part string) string {
	t.Helper()
	find := func() string {
		m.mu.Lock()
		defer m.mu.Unlock()
		for i := len(m.mail[to]) - 1; i >= 0; i-- {
			if strings.Contains(m.mail[to][i], part) {
				return m.mail[to][i]
			}
		}
		return ""
	}
	settle(m.lastArrival, func() bool { return find() != "" })
	mail := find()
	if mail == "" {
		t.Fatalf("no mail to %s with %q", to, part)
	}
	return mail
}

func recoveryConfig(smsURL string, smtpPort int) string {
	return strings.Replace(testConfig, "bootstrap:\n", fmt.Sprintf(
		"sms: {provider: webhook, webhook: {url: %q}}\nemail: {provider: smtp, smtp: {host: 127.0.0.1, port: %d, from: noreply@example.com, tls: none}}\ncaptcha: {work: 5000}\nbootstrap:\n",
		smsURL, smtpPort), 1)
}

// startRecovery follows "Forgot password?" from a fresh sign-in and submits the
// identifier with a solved captcha.
func startRecovery(t *testing.T, b *rptest.Browser, shop *rp, a authorization, identifier string) *rptest.Page {
	t.Helper()
	p, err := b.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="(/recover\?[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no Forgot password link")
	}
	u, _ := p.URL.Parse(strings.ReplaceAll(link[1], "&amp;", "&"))
	if p, err = b.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	// Without the captcha nothing happens.
	q := mustSubmit(t, b, p, "/send", url.Values{"identifier": {identifier}})
	if q.Status != http.StatusBadRequest {
		t.Fatalf("recovery without captcha: %d", q.Status)
	}
	p, err = b.Submit(q, "/send", url.Values{"identifier": {identifier}, "captcha": {solveAltcha(t, q.Body)}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRecoveryByPhoneGivesATemporaryPassword(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	_, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	shop := shopRP(t, srv)
	// A session and tokens from before the reset.
	a0, code0 := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
	before, _, _ := shop.exchange(a0, code0)

	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p := startRecovery(t, b, shop, a, "8 909 000 00 00")
	if !strings.Contains(p.Body, "Если этот номер зарегистрирован") {
		t.Fatalf("no neutral notice: %.400s", p.Body)
	}
	sms := gw.texts("+79090000000")
	m := regexp.MustCompile(`Временный пароль: (\S+)\.`).FindStringSubmatch(strings.Join(sms, "\n"))
	if m == nil {
		t.Fatalf("SMS %q", sms)
	}
	temp := m[1]
	// Asking ends nothing: the temporary password works beside the old one.
	if got := shop.introspect(before.AccessToken); got["active"] != true {
		t.Errorf("a token from before the request is no longer active: %v", got)
	}
	// Sign in with the temporary password, which must be changed.
	link := regexp.MustCompile(`href="(/login\?authRequestID=[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no way back to the sign-in")
	}
	u, _ := p.URL.Parse(strings.ReplaceAll(link[1], "&amp;", "&"))
	p = mustGet(t, b, u.String())
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {temp}})
	p = mustSubmit(t, b, p, "/password/change", url.Values{"old": {temp}, "new": {"Fresh-pass-42"}, "repeat": {"Fresh-pass-42"}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("temporary password did not lead through the change: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))
	// The new password set, what the old one opened has ended.
	if got := shop.introspect(before.AccessToken); got["active"] != false {
		t.Errorf("a token from before the reset is still active: %v", got)
	}
	if _, err := shop.oauth.TokenSource(t.Context(), &oauth2.Token{RefreshToken: before.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("refresh token from before the reset: %v", err)
	}

	// A number without an account: the same page, no SMS.
	p = startRecovery(t, rptest.NewBrowser("http://127.0.0.1:8765/"), shop, shop.authorization(), "+79091111111")
	if !strings.Contains(p.Body, "Если этот номер зарегистрирован") || gw.count("+79091111111") != 0 {
		t.Fatal("the answer for an unknown number differs or an SMS went out")
	}
}

func TestRecoveryByEmailCode(t *testing.T) {
	_, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	a := shop.authorization(oauth2.SetAuthURLParam("ui_locales", "en"))
	p := startRecovery(t, b, shop, a, "Ivanov@Example.com")
	if !strings.Contains(p.Body, "If this address is registered") {
		t.Fatalf("no neutral notice: %.400s", p.Body)
	}
	mail := box.last(t, "ivanov@example.com")
	m := regexp.MustCompile(`code to change the password: (\d{6})`).FindStringSubmatch(mail)
	if m == nil {
		t.Fatalf("no code in the mail: %.500s", mail)
	}
	// The mail's link opens the form with the code filled in, in this browser.
	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/recover/\S+`).FindString(decodeMail(mail))
	if !strings.HasSuffix(link, "&code="+m[1]) {
		t.Fatalf("no link with the code in the mail: %q", link)
	}
	if p = mustGet(t, b, link); !strings.Contains(p.Body, `value="`+m[1]+`"`) {
		t.Fatalf("the link does not fill the code in: %d %.500s", p.Status, p.Body)
	}
	for _, tc := range []struct{ code, new, repeat, want string }{
		{"000000", "Fresh-pass-42", "Fresh-pass-42", "Wrong or expired code."},
		{m[1], "Fresh-pass-42", "Fresh-pass-43", "The new passwords differ."},
		{m[1], "iloveyou", "iloveyou", "too common"},
	} {
		p = mustSubmit(t, b, p, "/reset", url.Values{"code": {tc.code}, "new": {tc.new}, "repeat": {tc.repeat}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, tc.want) {
			t.Fatalf("%s: %d %.300s", tc.want, p.Status, p.Body)
		}
	}
	p = mustSubmit(t, b, p, "/reset", url.Values{"code": {m[1]}, "new": {"Fresh-pass-42"}, "repeat": {"Fresh-pass-42"}})
	if !strings.Contains(p.Body, "Your password has been changed") {
		t.Fatalf("reset: %d %.300s", p.Status, p.Body)
	}
	a2, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "Fresh-pass-42")
	shop.exchange(a2, code)

	// An address without an account: the same page, no mail.
	p = startRecovery(t, rptest.NewBrowser("http://127.0.0.1:8765/"), shop, shop.authorization(oauth2.SetAuthURLParam("ui_locales", "en")), "nobody@example.com")
	if !strings.Contains(p.Body, "If this address is registered") || box.count("nobody@example.com") != 0 {
		t.Fatal("the answer for an unknown address differs or a mail went out")
	}

	// An address gets five mails an hour (the default); the sixth request is refused
	// whether or not an account has the address, so the limit tells nothing either.
	for _, to := range []string{"ivanov@example.com", "nobody@example.com"} {
		for range 4 { // one request for each was made above
			startRecovery(t, rptest.NewBrowser("http://127.0.0.1:8765/"), shop, shop.authorization(oauth2.SetAuthURLParam("ui_locales", "en")), to)
		}
		p = startRecovery(t, rptest.NewBrowser("http://127.0.0.1:8765/"), shop, shop.authorization(oauth2.SetAuthURLParam("ui_locales", "en")), to)
		if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "Too many emails") {
			t.Fatalf("%s: sixth request: %d %.300s", to, p.Status, p.Body)
		}
	}
	if n := box.count("ivanov@example.com"); n != 5 {
		t.Fatalf("%d mails to the account's address, want 5", n)
	}
}

// decodeMail undoes quoted-printable so that tests can read Cyrillic bodies.
func decodeMail(raw string) string {
	r := quotedprintable.NewReader(strings.NewReader(raw))
	b, err := io.ReadAll(r)
	if err != nil {
		return raw
	}
	return string(b)
}
