package account

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/storage"
)

// newSecurityServer is newTestServer with second factors (passkeys for
// id.example.ru, which the test registers in storage directly).
func newSecurityServer(t *testing.T) (*testServer, *factors.Service) {
	t.Helper()
	var svc *factors.Service
	ts := newTestServer(t, func(c *Config) {
		log := slog.New(slog.DiscardHandler)
		st := c.OrgStore.(storage.Store)
		pk, _ := factors.PasskeyConfigFromIssuer("https://id.example.ru")
		var err error
		svc, err = factors.New(st, factors.Config{SecretKey: bytes.Repeat([]byte{3}, 32), Passkeys: pk, Audit: c.Audit,
			Notifier: directory.NewNotifier(st, c.Email, nil, log), Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		c.Factors = svc
	})
	return ts, svc
}

var (
	secretRe = regexp.MustCompile(`data-secret="([A-Z2-7]+)"`)
	codeLi   = regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`)
)

func TestSecurityTOTP(t *testing.T) {
	ts, svc := newSecurityServer(t)
	ts.get("/account").has(t, `href="/account/security"`)
	ts.get("/account/security").has(t, "Sign-in and security", "No authenticator app is set up.", "0 recovery codes left",
		"Set up an authenticator app or a passkey first.")

	p := ts.post("/account/security/totp", nil)
	if p.code != http.StatusSeeOther || p.location != "/account/security/totp" {
		t.Fatalf("start: %d %s", p.code, p.location)
	}
	p = ts.get("/account/security/totp")
	p.has(t, `<img src="/account/security/totp/qr.png"`, "Code from the app")
	m := secretRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no secret on the page: %.1500s", p.body)
	}
	qr := ts.get("/account/security/totp/qr.png")
	if qr.code != http.StatusOK || !strings.HasPrefix(qr.body, "\x89PNG") {
		t.Fatalf("QR code: %d %.20q", qr.code, qr.body)
	}
	// A wrong code is refused on the same page.
	ts.post("/account/security/totp/confirm", url.Values{"code": {"000000"}}).has(t, "The code is wrong")
	code, _ := totp.GenerateCode(m[1], time.Now())
	p = ts.post("/account/security/totp/confirm", url.Values{"code": {code}})
	p.has(t, "Save your recovery codes", "The authenticator app is set up.", "They are shown only now")
	if n := len(codeLi.FindAllString(p.body, -1)); n != factors.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown", n)
	}
	if !ts.audited(directory.EventFactorEnrolled, directory.OutcomeSuccess) {
		t.Error("the app was not audited")
	}
	// From now on a change needs a sign-in that used the app.
	ts.signInMFA(ts.user.ID, time.Minute)
	ts.get("/account/security").has(t, "An authenticator app confirms your sign-ins", "10 recovery codes left", "Make new recovery codes")

	// New codes: asked on a page of its own first.
	confirmed := ts.asks("/account/security/recovery-codes", nil, "Make new recovery codes?")
	if e, _ := svc.Enrolment(t.Context(), ts.user.ID); e.RecoveryCodesLeft != 10 {
		t.Fatal("the question changed the codes")
	}
	p = ts.post("/account/security/recovery-codes", confirmed)
	p.has(t, "the old ones no longer work")
	if n := len(codeLi.FindAllString(p.body, -1)); n != 10 {
		t.Fatalf("%d new codes", n)
	}

	// Always ask: on and off.
	if p = ts.post("/account/security/always-ask", url.Values{"on": {"yes"}}); p.location != "/account/security?notice=always_on" {
		t.Fatalf("always ask: %d %s", p.code, p.location)
	}
	ts.get("/account/security?notice=always_on").has(t, "Every sign-in asks for a second factor.")
	ts.post("/account/security/always-ask", url.Values{"on": {"no"}})
	if e, _ := svc.Enrolment(t.Context(), ts.user.ID); e.AlwaysAsk {
		t.Fatal("always ask stayed on")
	}

	// Removal: confirmed first.
	confirmed = ts.asks("/account/security/totp/remove", nil, "Remove the authenticator app?")
	if p = ts.post("/account/security/totp/remove", confirmed); p.location != "/account/security?notice=totp_removed" {
		t.Fatalf("remove: %d %s", p.code, p.location)
	}
	if e, _ := svc.Enrolment(t.Context(), ts.user.ID); e.TOTP {
		t.Fatal("the app stayed")
	}
	if !ts.audited(directory.EventFactorRemoved, directory.OutcomeSuccess) {
		t.Error("the removal was not audited")
	}
}

func TestSecurityNeedsFreshSignIn(t *testing.T) {
	ts, svc := newSecurityServer(t)
	ts.signIn(ts.user.ID, time.Hour)
	for _, path := range []string{"/account/security/totp", "/account/security/passkeys/begin", "/account/security/always-ask"} {
		p := ts.post(path, url.Values{"on": {"yes"}})
		if p.code != http.StatusFound && p.code != http.StatusSeeOther || !strings.Contains(p.location, "prompt=login") {
			t.Fatalf("%s with a stale session: %d %s", path, p.code, p.location)
		}
	}
	if e, _ := svc.Enrolment(t.Context(), ts.user.ID); e.TOTPPending {
		t.Fatal("a stale session began an app")
	}
	if p := ts.get("/account/security/totp/qr.png"); p.code != http.StatusForbidden {
		t.Fatalf("QR code for a stale session: %d", p.code)
	}
	if !ts.audited(directory.EventReauthRequired, directory.OutcomeFailure) {
		t.Error("the reauth was not audited")
	}
	// A removal is confirmed first, then waits for the sign-in.
	if err := ts.store.CreatePasskey(t.Context(), storage.Passkey{ID: "cred1", UserID: ts.user.ID, Name: "Phone", PublicKey: []byte{1},
		CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	confirmed := ts.asks("/account/security/passkeys/cred1/remove", nil, "Remove the passkey?")
	if p := ts.post("/account/security/passkeys/cred1/remove", confirmed); !strings.Contains(p.location, "prompt=login") {
		t.Fatalf("remove with a stale session: %d %s", p.code, p.location)
	}
	if list, _ := svc.Passkeys(t.Context(), ts.user.ID); len(list) != 1 {
		t.Fatal("a stale session removed a passkey")
	}
}

func TestSecurityPasskeys(t *testing.T) {
	ts, svc := newSecurityServer(t)
	now := time.Now().UTC()
	for _, p := range []storage.Passkey{
		{ID: "cred1", UserID: ts.user.ID, Name: "Phone", PublicKey: []byte{1}, BackupEligible: true, BackupState: true, CreatedAt: now},
		{ID: "cred2", UserID: ts.user.ID, Name: "YubiKey", PublicKey: []byte{2}, CreatedAt: now, LastUsedAt: now},
	} {
		if err := ts.store.CreatePasskey(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	ts.signInMFA(ts.user.ID, time.Minute) // an account with passkeys changes with a second factor
	ts.get("/account/security").has(t, "Passkeys", "Phone", "copied to your other devices", "not used yet", "YubiKey",
		"kept on one device", "last used", `src="/static/passkey-add.js"`, "Add a passkey")

	// The options for the browser: a discoverable credential for id.example.ru,
	// the registered ones excluded.
	p := ts.post("/account/security/passkeys/begin", nil)
	if p.code != http.StatusOK || !strings.Contains(p.body, `"ceremony":`) || !strings.Contains(p.body, `"id":"id.example.ru"`) ||
		!strings.Contains(p.body, `"residentKey":"required"`) || !strings.Contains(p.body, "excludeCredentials") {
		t.Fatalf("begin: %d %s", p.code, p.body)
	}
	// A forged answer is refused with a sentence, never a 500.
	p = ts.post("/account/security/passkeys", url.Values{"ceremony": {"nope"}, "name": {"x"}, "credential": {"{}"}})
	if p.code != http.StatusBadRequest {
		t.Fatalf("forged credential: %d", p.code)
	}
	p.has(t, "The passkey was not added.")

	if p = ts.post("/account/security/passkeys/cred1/rename", url.Values{"name": {"Work phone"}}); p.location != "/account/security?notice=passkey_renamed" {
		t.Fatalf("rename: %d %s", p.code, p.location)
	}
	ts.get("/account/security").has(t, "Work phone")
	if p = ts.post("/account/security/passkeys/other/rename", url.Values{"name": {"x"}}); p.code != http.StatusNotFound {
		t.Fatalf("rename of another's passkey: %d", p.code)
	}
	confirmed := ts.asks("/account/security/passkeys/cred2/remove", nil, "Remove the passkey?", "«YubiKey»")
	if p = ts.post("/account/security/passkeys/cred2/remove", confirmed); p.location != "/account/security?notice=passkey_removed" {
		t.Fatalf("remove: %d %s", p.code, p.location)
	}
	list, _ := svc.Passkeys(t.Context(), ts.user.ID)
	if len(list) != 1 || list[0].ID != "cred1" {
		t.Fatalf("left %+v", list)
	}
	if p = ts.post("/account/security/passkeys/missing/remove", nil); p.code != http.StatusNotFound {
		t.Fatalf("remove of an unknown passkey: %d", p.code)
	}
	if !ts.audited(directory.EventFactorRenamed, directory.OutcomeSuccess) || !ts.audited(directory.EventFactorRemoved, directory.OutcomeSuccess) {
		t.Error("rename or removal not audited")
	}
}
