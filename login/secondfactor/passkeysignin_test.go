package secondfactor_test

// Passkey sign-in alone (login/passkey) runs on this package's harness, which
// mounts it beside the second-factor step it may lead to.

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors/factorstest"
	"github.com/vhod-id/vhod/login/logintest"
	"github.com/vhod-id/vhod/storage"
)

// passkeySignIn runs the ceremony of the sign-in form of a new flow for ar
// with a, and returns the answer to the finish post.
func passkeySignIn(t *testing.T, b *logintest.Browser, ar storage.AuthRequest, a *factorstest.Authenticator) logintest.Page {
	t.Helper()
	fp, form := b.Start(ar)
	if !form.Has(`autocomplete="username webauthn"`) || !form.Has(`data-conditional="1"`) {
		t.Fatalf("the sign-in form offers no passkey: %s", form.Body)
	}
	opts := b.Post(fp+"/passkey/begin"+q(ar), nil)
	if opts.Status != http.StatusOK {
		t.Fatalf("begin: %v", opts)
	}
	if _, pk, err := factorstest.Challenge([]byte(opts.Body)); err != nil || pk["allowCredentials"] != nil {
		t.Fatalf("not a discoverable ceremony: %s (%v)", opts.Body, err)
	}
	cred, err := a.Get([]byte(opts.Body))
	if err != nil {
		t.Fatal(err)
	}
	return b.Post(fp+"/passkey/finish"+q(ar), url.Values{"credential": {string(cred)}})
}

// A passkey with user verification signs in alone as two factors: amr
// hwk+user+mfa, acr mfa (the person's "always ask" is met).
func TestPasskeyAloneWithUserVerification(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	a := e.registerPasskey(u, factorstest.FlagUV)
	e.alwaysAsk(u)
	b := e.Browser()
	ar := e.AuthRequest(b, "mfa", nil)
	b.Lang = "ru"
	if _, form := b.Start(e.AuthRequest(b, "portal", nil)); !form.Has(e.Text("ru", "passkey.button")) {
		t.Fatalf("no button in Russian: %s", form.Body)
	}
	// The mfa client starts at the second-factor step, which sends a browser
	// without a session to the sign-in form.
	p := b.Follow(b.Get("/login" + q(ar)))
	fp := logintest.FlowPathOf(p.Location)
	opts := b.Post(fp+"/passkey/begin"+q(ar), nil)
	cred, err := a.Get([]byte(opts.Body))
	if err != nil {
		t.Fatal(err)
	}
	p = b.Post(fp+"/passkey/finish"+q(ar), url.Values{"credential": {string(cred)}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("finish: %v", p)
	}
	c := e.AR(ar.ID).Completion
	if c == nil || c.UserID != u.ID || c.ACR != directory.ACRMFA || !slices.Equal(c.AMR, []string{"hwk", "user", "mfa"}) {
		t.Fatalf("completion %+v", c)
	}
	if !e.HasAudit(u.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "passkey"}) {
		t.Error("sign-in not audited")
	}
}

// Without user verification a synced passkey counts for a password: swk,
// acr password, and the person's "always ask" asks for a second factor.
func TestPasskeyAloneWithoutUserVerification(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	a := e.registerPasskey(u, factorstest.FlagBE|factorstest.FlagBS)
	b := e.Browser()
	p := passkeySignIn(t, b, e.AuthRequest(b, "portal", nil), a)
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("finish: %v", p)
	}
	if s, _ := b.Session(); s.ACR != directory.ACRPassword || !slices.Equal(s.AMR, []string{"swk"}) {
		t.Fatalf("session %+v", s)
	}

	secret, _ := e.enrolTOTP(u)
	e.alwaysAsk(u)
	b2 := e.Browser()
	ar := e.AuthRequest(b2, "portal", nil)
	p = passkeySignIn(t, b2, ar, a)
	fp := logintest.FlowPathOf(p.Location)
	if page := b2.Follow(p); !page.Has(e.Text("en", "mfa.totp_label")) || page.Has(e.Text("en", "mfa.passkey_button")) {
		t.Fatalf("step after a passkey: %s", page.Body)
	}
	p = b2.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {e.code(secret)}})
	if s, _ := b2.Session(); !strings.HasPrefix(p.Location, "/callback") || s.ACR != directory.ACRMFA || !slices.Equal(s.AMR, []string{"swk", "otp", "mfa"}) {
		t.Fatalf("after the code: %v, session %+v", p, s)
	}
}

// An answer made for another origin is refused (go-webauthn checks the
// client data), audited, and signs nobody in.
func TestPasskeyOfAnotherOriginRefused(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	a := e.registerPasskey(u, factorstest.FlagUV)
	a.Origin = "https://phish.example"
	b := e.Browser()
	p := passkeySignIn(t, b, e.AuthRequest(b, "portal", nil), a)
	if p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "passkey.failed")) {
		t.Fatalf("another origin: %v", p)
	}
	if _, ok := b.Session(); ok {
		t.Fatal("signed in from another origin")
	}
	if !e.HasAudit(u.ID, directory.EventFactorChecked, directory.OutcomeFailure, map[string]string{"factor": "passkey"}) {
		t.Error("refusal not audited")
	}
}

// A ceremony belongs to the flow that began it: its answer posted to another
// flow is refused.
func TestPasskeyCeremonyBoundToItsFlow(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	a := e.registerPasskey(u, factorstest.FlagUV)
	b := e.Browser()
	ar1, ar2 := e.AuthRequest(b, "portal", nil), e.AuthRequest(b, "portal", nil)
	fp1, _ := b.Start(ar1)
	fp2, _ := b.Start(ar2)
	opts := b.Post(fp1+"/passkey/begin"+q(ar1), nil)
	cred, err := a.Get([]byte(opts.Body))
	if err != nil {
		t.Fatal(err)
	}
	if p := b.Post(fp2+"/passkey/finish"+q(ar2), url.Values{"credential": {string(cred)}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("another flow's ceremony: %v", p)
	}
	if _, ok := b.Session(); ok {
		t.Fatal("signed in")
	}
}
