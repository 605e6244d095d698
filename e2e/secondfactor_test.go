package e2e

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/factors/factorstest"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
)

// factorsWorld is Vhod on a database this test also opens, so that it can
// enrol second factors through directory/factors as the account pages will
// (with the master key the server was given, from which the TOTP sealing key
// is derived as cmd/vhod derives it).
type factorsWorld struct {
	srv *server
	f   *factors.Service
	st  *mongo.Store
	u   storage.User
}

func startFactorsWorld(t *testing.T) factorsWorld { return startFactorsWorldWith(t, testConfig) }

func startFactorsWorldWith(t *testing.T, testConfig string) factorsWorld {
	t.Helper()
	master := make([]byte, 32)
	_, _ = rand.Read(master)
	db := startDB(t, t.TempDir(), "")
	// The relying party of passkeys is named: an issuer on an IP address has none.
	cfg := strings.Replace(testConfig, `database: {uri: "", name: vhod}`, `database: {uri: "`+db.URI()+`", name: vhod, timeout: 5s}
passkeys: {rp_id: localhost, origins: ["http://127.0.0.1:{{PORT}}"]}`, 1)
	srv := startServer(t, cfg, "VHOD_MASTER_KEY="+base64.StdEncoding.EncodeToString(master))
	st, err := mongo.Open(t.Context(), db.URI(), "vhod", mongo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	key, err := hkdf.Key(sha256.New, master, nil, "vhod totp", 32)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := web.MailTexts()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f, err := factors.New(st, factors.Config{SecretKey: key, Texts: texts, Audit: directory.NewAuditor(st, log),
		Notifier: directory.NewNotifier(st, notify.NewMemory(10), texts, log),
		Passkeys: factors.PasskeyConfig{RPID: "localhost", Origins: []string{srv.Issuer}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByIdentifier(t.Context(), storage.IdentifierKey("login", "ivanov"))
	if err != nil {
		t.Fatal(err)
	}
	return factorsWorld{srv: srv, f: f, st: st, u: u}
}

var tester = directory.Actor{ID: "e2e", IP: "127.0.0.1", Lang: "en"}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: factors.TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A person who always asks for a second factor signs in through the binary
// with a password and a code computed from the app's secret: the ID token
// carries amr pwd+otp+mfa and acr mfa; the same code is refused the second
// time.
func TestSecondFactorTOTPThroughTheBinary(t *testing.T) {
	w := startFactorsWorld(t)
	en, err := w.f.EnrolTOTP(t.Context(), w.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Confirmed with the previous step's code, so that the current one is new.
	if _, err := w.f.ConfirmTOTP(t.Context(), tester, w.u.ID, totpCode(t, en.Secret, time.Now().Add(-factors.TOTPPeriod*time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := w.f.SetAlwaysAsk(t.Context(), tester, w.u.ID, true); err != nil {
		t.Fatal(err)
	}
	shop := shopRP(t, w.srv)
	code := totpCode(t, en.Secret, time.Now())
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		br := rptest.NewBrowser("http://127.0.0.1:8765/")
		br.Lang = "en"
		a := shop.authorization()
		p, err := br.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		if p, err = br.Submit(p, "/password", map[string][]string{"login": {"ivanov"}, "password": {"S3cure-pass!"}}); err != nil {
			t.Fatal(err)
		}
		if p.Location != "" || !strings.Contains(p.Body, "Code from your authenticator app") {
			t.Fatalf("sign-in %d: no second-factor step: %d %.600s", i, p.Status, p.Body)
		}
		if p, err = br.Submit(p, "/second-factor/totp", map[string][]string{"code": {code}}); err != nil {
			t.Fatal(err)
		}
		if want == http.StatusUnauthorized {
			if p.Status != want || p.Location != "" {
				t.Fatalf("the same code again: %d %s", p.Status, p.Location)
			}
			continue
		}
		loc, _ := p.URL.Parse(p.Location)
		_, idt, claims := shop.exchange(a, shop.code(a, loc))
		if idt.Subject != w.u.ID || claims["acr"] != directory.ACRMFA || !sameAMR(claims["amr"], "pwd", "otp", "mfa") {
			t.Fatalf("ID token claims %v", claims)
		}
	}
}

// sameAMR compares an amr claim with want.
func sameAMR(v any, want ...string) bool {
	list, _ := v.([]any)
	var got []string
	for _, x := range list {
		s, _ := x.(string)
		got = append(got, s)
	}
	return slices.Equal(got, want)
}

var (
	beginRe = regexp.MustCompile(`data-begin="([^"]+)"`)
	csrfRe  = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// passkeyCeremony reads the ceremony's options as the page's script does.
func passkeyCeremony(t *testing.T, br *rptest.Browser, p *rptest.Page) []byte {
	t.Helper()
	m, c := beginRe.FindStringSubmatch(p.Body), csrfRe.FindStringSubmatch(p.Body)
	if m == nil || c == nil {
		t.Fatalf("no passkey on the page: %.800s", p.Body)
	}
	target, _ := p.URL.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	req, _ := http.NewRequest(http.MethodPost, target.String(), nil)
	req.Header.Set("X-CSRF-Token", c[1])
	req.Header.Set("Origin", target.Scheme+"://"+target.Host)
	resp, err := br.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("begin: %d %s", resp.StatusCode, body)
	}
	return body
}

// A passkey alone through the binary (discoverable credential, user
// verified): amr hwk+user+mfa, acr mfa in the ID token. The answer of an
// authenticator on another origin is refused.
func TestPasskeySignInThroughTheBinary(t *testing.T) {
	w := startFactorsWorld(t)
	a := factorstest.New("localhost", w.srv.Issuer, factorstest.FlagUV)
	id, opts, err := w.f.BeginPasskeyRegistration(t.Context(), w.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.f.FinishPasskeyRegistration(t.Context(), tester, w.u.ID, id, "laptop", strings.NewReader(string(body))); err != nil {
		t.Fatal(err)
	}
	shop := shopRP(t, w.srv)
	for _, origin := range []string{"http://evil.example", w.srv.Issuer} {
		a.Origin = origin
		br := rptest.NewBrowser("http://127.0.0.1:8765/")
		br.Lang = "en"
		auth := shop.authorization()
		p, err := br.Get(auth.URL)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Body, `autocomplete="username webauthn"`) || !strings.Contains(p.Body, "Sign in with a passkey") {
			t.Fatalf("the sign-in form offers no passkey: %.800s", p.Body)
		}
		cred, err := a.Get(passkeyCeremony(t, br, p))
		if err != nil {
			t.Fatal(err)
		}
		p, err = br.Submit(p, "/passkey/finish", map[string][]string{"credential": {string(cred)}})
		if err != nil {
			t.Fatal(err)
		}
		if origin != w.srv.Issuer {
			if p.Status != http.StatusUnauthorized || p.Location != "" {
				t.Fatalf("another origin: %d %s", p.Status, p.Location)
			}
			continue
		}
		loc, _ := p.URL.Parse(p.Location)
		_, idt, claims := shop.exchange(auth, shop.code(auth, loc))
		if idt.Subject != w.u.ID || claims["acr"] != directory.ACRMFA || !sameAMR(claims["amr"], "hwk", "user", "mfa") {
			t.Fatalf("ID token claims %v", claims)
		}
	}
}
