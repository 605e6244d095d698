package certificate

import (
	"context"
	"crypto"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/fixtures"
	"github.com/vhod-id/vhod/storage"
)

// fixtureEnv trusts the OpenSSL-made fixture roots (GOST as accredited) and
// verifies at a fixed time inside their validity: the vectors expire.
func fixtureEnv(t *testing.T) *testEnv {
	t.Helper()
	var anchors []certauth.Anchor
	for _, hier := range []string{"gost", "ecdsa"} {
		a, err := certauth.LoadAnchors(filepath.Join(fixtures.Dir(t), hier, "root-ca.crt.pem"), hier == "gost")
		if err != nil {
			t.Fatal(err)
		}
		anchors = append(anchors, a...)
	}
	at := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	v := certauth.New(certauth.Config{Anchors: anchors, Now: func() time.Time { return at }, MaxSignatureAge: 100 * 365 * 24 * time.Hour})
	return newEnv(t, nil, Config{Verifier: v, Install: InstallLinks{CSP: "https://csp.example/get", Plugin: "https://plugin.example/get", Tool: "https://tool.example/get"}})
}

// useFixtureChallenge replaces the flow's challenge by the one the fixtures
// signed, as if Vhod had shown it.
func useFixtureChallenge(t *testing.T, e *testEnv, fp string) {
	t.Helper()
	f := e.Flow(fp)
	f.Challenge = string(fixtures.Read(t, "cms/challenge.txt"))
	if _, err := e.Store.SaveFlow(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

// A person without the plug-in uploads a signature file made by OpenSSL's GOST
// engine (or ECDSA), detached or attached, DER, PEM or base64: the same check
// as the plug-in's path accepts it and the certificate waits for confirmation.
func TestUploadedSignatureFiles(t *testing.T) {
	e := fixtureEnv(t)
	for _, name := range []string{"gost-director-detached.der", "gost-director-attached.der", "gost-employee-detached.pem", "ecdsa-ip-detached.b64", "ecdsa-employee-attached.der"} {
		t.Run(name, func(t *testing.T) {
			b := e.Browser()
			ar := e.AuthRequest(b, "portal", nil)
			fp, _ := b.Start(ar)
			b.Get(fp + "/certificate" + q(ar))
			useFixtureChallenge(t, e, fp)
			p := b.PostFile(fp+"/certificate"+q(ar), url.Values{}, "signature_file", "signature.p7s", fixtures.Read(t, "cms/"+name))
			if p.Status != http.StatusSeeOther || e.Flow(fp).State != string(flows.StateCertConfirm) {
				t.Fatalf("upload: %v", p)
			}
			confirm := b.Follow(p)
			for _, want := range []string{e.Text("en", "certhelp.create"), e.Text("en", "certhelp.existing")} {
				if !confirm.Has(want) {
					t.Errorf("confirmation lacks %q: %v", want, confirm)
				}
			}
		})
	}
	// A tampered file and one over another challenge are refused with their
	// sentence; the upload keeps CSRF like every form.
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := b.Start(ar)
	b.Get(fp + "/certificate" + q(ar))
	if p := b.PostFile(fp+"/certificate"+q(ar), url.Values{}, "signature_file", "s.sig", fixtures.Read(t, "cms/gost-director-detached.der")); p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "cert.error.content_mismatch")) {
		t.Errorf("signature of another challenge: %v", p)
	}
	useFixtureChallenge(t, e, fp)
	if p := b.PostFile(fp+"/certificate"+q(ar), url.Values{}, "signature_file", "s.sig", fixtures.Read(t, "cms/gost-director-detached-tampered.der")); p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "cert.error.bad_signature")) {
		t.Errorf("tampered: %v", p)
	}
	if p := b.PostFile(fp+"/certificate"+q(ar), url.Values{"csrf_token": {"forged"}}, "signature_file", "s.sig", fixtures.Read(t, "cms/gost-director-detached.der")); p.Status != http.StatusForbidden {
		t.Errorf("without CSRF: %v", p)
	}
	if e.Flow(fp).State != string(flows.StateStarted) {
		t.Error("a refused upload moved the flow on")
	}
	// A file past the pages' body limit is refused in words, never a 500.
	b.Get(fp + "/certificate" + q(ar))
	if p := b.PostFile(fp+"/certificate"+q(ar), url.Values{}, "signature_file", "big.p7s", make([]byte, 1<<20+1)); p.Status != http.StatusRequestEntityTooLarge || !p.Has(e.Text("en", "forms.too_large")) {
		t.Errorf("oversized file: %v", p)
	}
}

// The page without the plug-in: says how to install it (the operator's
// links), gives the challenge as a file, and keeps the paste for experts
// folded; the file is the challenge byte for byte.
func TestPageWithoutPlugin(t *testing.T) {
	e := fixtureEnv(t)
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := e.Browser()
			b.Lang = lang
			ar := e.AuthRequest(b, "portal", nil)
			fp, _ := b.Start(ar)
			p := b.Get(fp + "/certificate" + q(ar))
			for _, want := range []string{`id="plugin-missing"`, "https://csp.example/get", "https://plugin.example/get", "https://tool.example/get",
				fp + "/certificate/challenge", `<details class="hint" id="manual">`, `name="signature_file"`, `accept=".sig,.p7s`,
				e.Text(lang, "certhelp.missing_title"), e.Text(lang, "certhelp.step_sign"), e.Text(lang, "certhelp.manual_summary")} {
				if !p.Has(want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(p.Body, "certhelp.") || strings.Contains(p.Body, "<script>") {
				t.Error("a raw key or an inline script on the page")
			}
			file := b.Get(fp + "/certificate/challenge" + q(ar))
			if file.Status != http.StatusOK || file.Body != e.Flow(fp).Challenge || !strings.Contains(file.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("challenge file: %v %v", file, file.Header)
			}
		})
	}
	// An expired challenge is not handed out: the page makes a new one.
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := b.Start(ar)
	b.Get(fp + "/certificate" + q(ar))
	e.Advance(challengeLifetime + time.Second)
	if p := b.Get(fp + "/certificate/challenge" + q(ar)); p.Status != http.StatusSeeOther || !strings.Contains(p.Location, fp+"/certificate?") {
		t.Errorf("expired challenge file: %v", p)
	}
}

// "I already have an account": the certificate waits while the person signs in
// with the password, then joins that account after the binding's confirmation
// (audited, the person told), and the next sign-in with it goes straight in.
func TestExistingAccountGetsTheCertificate(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Test CA"})
	e := existingEnv(t, root)
	leaf, key := root.Leaf(t, certtest.Options{CommonName: "Ivanova Olga"})
	u := e.User(directory.NewUser{})

	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp := signInToExisting(t, e, b, ar, leaf, key, u)
	p := b.Post(fp+"/certificate/confirm"+q(ar), nil)
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("confirm: %v", p)
	}
	if s, _ := b.Session(); s.UserID != u.ID || s.ACR != directory.ACRCertificate {
		t.Errorf("session %+v", s)
	}
	if !e.HasAudit(u.ID, directory.EventCertificateBound, directory.OutcomeSuccess, map[string]string{"sha256": certauth.Fingerprint(leaf)}) {
		t.Error("binding not audited")
	}
	got, _, err := e.Dir.UserByCertificate(context.Background(), leaf, false)
	if err != nil || got.ID != u.ID {
		t.Errorf("certificate's account %q, %v; want %q", got.ID, err, u.ID)
	}
	e.WaitEmail(u.Email) // the owner is told a way in was added
	// "Existing" is for a confirmation only.
	b2 := e.Browser()
	ar2 := e.AuthRequest(b2, "portal", nil)
	fp2, _ := b2.Start(ar2)
	if p := b2.Post(fp2+"/certificate/existing"+q(ar2), nil); p.Status != http.StatusBadRequest {
		t.Errorf("existing without a certificate: %v", p)
	}
}

// existingEnv trusts root and keeps the binding's fresh-sign-in rule (a minute).
func existingEnv(t *testing.T, root *certtest.CA) *testEnv {
	t.Helper()
	st := testStore(t)
	var e *testEnv
	reauths := flows.NewReauths(st, directory.NewAuditor(st, slog.New(slog.NewTextHandler(io.Discard, nil))), time.Minute, 30*time.Minute,
		func() time.Time { return e.Now() })
	e = newEnv(t, nil, Config{Verifier: certauth.New(certauth.Config{Anchors: []certauth.Anchor{{Cert: root.Cert}}}), Reauths: reauths})
	return e
}

// signInToExisting signs the challenge with a certificate no account has,
// answers "I already have an account" and signs in as u with the password:
// it returns the flow's path, at the binding's confirmation.
func signInToExisting(t *testing.T, e *testEnv, b *testBrowser, ar storage.AuthRequest, leaf *x509.Certificate, key crypto.Signer, u storage.User) string {
	t.Helper()
	fp, _ := b.Start(ar)
	p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {signChallenge(t, e, b, fp, ar, leaf, key)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("signature: %v", p)
	}
	b.Follow(p)
	p = b.Post(fp+"/certificate/existing"+q(ar), nil)
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "method=password") {
		t.Fatalf("existing: %v", p)
	}
	if f := e.Flow(fp); f.State != string(flows.StateStarted) || f.Certificate == nil || !f.Certificate.LinkAfterSignIn {
		t.Fatalf("flow after 'existing': %+v", f)
	}
	if form := b.Follow(p); !form.Has(e.Text("en", "certhelp.linking")) {
		t.Errorf("the password form does not say why: %v", form)
	}
	p = b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther || e.Flow(fp).State != string(flows.StateCertConfirm) {
		t.Fatalf("password: %v", p)
	}
	confirm := b.Follow(p)
	if !confirm.Has(e.Text("en", "cert.confirm_bind")) || confirm.Has(e.Text("en", "certhelp.existing")) {
		t.Fatalf("binding confirmation: %v", confirm)
	}
	return fp
}

// The binding after "existing" keeps the fresh-sign-in rule: confirmed long
// after the password sign-in, it asks to sign in again and binds nothing yet.
func TestExistingAccountBindingNeedsFreshSignIn(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{})
	e := existingEnv(t, root)
	leaf, key := root.Leaf(t, certtest.Options{CommonName: "Late Binder"})
	u := e.User(directory.NewUser{})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp := signInToExisting(t, e, b, ar, leaf, key, u)
	e.Advance(10 * time.Minute)
	p := b.Post(fp+"/certificate/confirm"+q(ar), nil)
	if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/callback") || !strings.Contains(p.Location, "prompt=login") {
		t.Fatalf("stale confirmation: %v", p)
	}
	if _, _, err := e.Dir.UserByCertificate(context.Background(), leaf, false); err == nil {
		t.Error("bound without a fresh sign-in")
	}
}
