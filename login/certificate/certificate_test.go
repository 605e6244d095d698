package certificate

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/login"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// certEnv is an env with certificate sign-in on: one trusted root, and the
// proxy header X-Client-Cert read from loopback peers.
func certEnv(t *testing.T, root *certtest.CA) *testEnv {
	t.Helper()
	v := certauth.New(certauth.Config{Anchors: []certauth.Anchor{{Cert: root.Cert}}})
	return newEnv(t, func(c *login.Config) { c.Limits = login.Limits{Window: time.Hour, PerIP: 4} },
		Config{Verifier: v, TLSURL: "https://tls.vhod.test", Header: "X-Client-Cert",
			Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
}

// signChallenge opens the certificate page of flow fp and signs its challenge.
func signChallenge(t *testing.T, e *testEnv, b *testBrowser, fp string, ar storage.AuthRequest, leaf *x509.Certificate, key crypto.Signer) string {
	t.Helper()
	if p := b.Get(fp + "/certificate" + q(ar)); p.Status != http.StatusOK {
		t.Fatalf("certificate page: %v", p)
	}
	ch := e.Flow(fp).Challenge
	if ch == "" {
		t.Fatal("no challenge in the flow")
	}
	sig, err := certauth.Sign([]byte(ch), leaf, key, certauth.SignOptions{Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// A certificate without an account: the person confirms, an account is made
// from it and signed in (acr certificate); the next time it signs straight in.
func TestCertificateSignIn(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Test CA"})
	e := certEnv(t, root)
	leaf, key := root.Leaf(t, certtest.Options{CommonName: "Petrov Petr"})

	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, form := b.Start(ar)
	if !form.Has(fp + "/certificate") {
		t.Fatalf("no certificate link: %v", form)
	}
	sig := signChallenge(t, e, b, fp, ar, leaf, key)
	p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {sig}})
	if p.Status != http.StatusSeeOther || e.Flow(fp).State != string(flows.StateCertConfirm) {
		t.Fatalf("signature: %v", p)
	}
	confirm := b.Follow(p)
	if !confirm.Has("Petrov Petr") || !confirm.Has("Test CA") {
		t.Fatalf("confirmation page: %v", confirm)
	}
	p = b.Post(fp+"/certificate/confirm"+q(ar), nil)
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("confirm: %v", p)
	}
	s, ok := b.Session()
	if !ok || s.ACR != directory.ACRCertificate || s.Certificate == nil || s.Certificate.SHA256 != certauth.Fingerprint(leaf) {
		t.Fatalf("session %+v", s)
	}
	if !e.HasAudit(s.UserID, directory.EventRegistration, directory.OutcomeSuccess, map[string]string{"method": "certificate"}) ||
		!e.HasAudit(s.UserID, directory.EventCertificateBound, directory.OutcomeSuccess, map[string]string{"via": "cms"}) {
		t.Error("account or binding not audited")
	}
	// Confirming again is a bad request (the flow is done).
	if p := b.Post(fp+"/certificate/confirm"+q(ar), nil); p.Status != http.StatusBadRequest {
		t.Errorf("second confirmation: %v", p)
	}

	// Another browser: the certificate's account signs in at once, and meets
	// the client that needs a certificate.
	b2 := e.Browser()
	ar2 := e.AuthRequest(b2, "strict", nil)
	p = b2.Get("/login" + q(ar2))
	if !strings.Contains(p.Location, "/certificate?") {
		t.Fatalf("strict client not sent to the certificate page: %v", p)
	}
	fp2 := flowPathOf(p.Location)
	p = b2.Post(fp2+"/certificate"+q(ar2), url.Values{"signature": {signChallenge(t, e, b2, fp2, ar2, leaf, key)}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("second sign-in: %v", p)
	}
	if c := e.AR(ar2.ID).Completion; c == nil || c.UserID != s.UserID || c.Certificate == nil {
		t.Errorf("completion %+v", c)
	}
	if !e.HasAudit(s.UserID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "certificate", "via": "cms"}) {
		t.Error("sign-in not audited")
	}
}

// Refused signatures: of an untrusted CA, empty, replayed, of an expired
// challenge, too many; each with its sentence, counted against the address.
func TestCertificateRefusals(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{})
	e := certEnv(t, root)
	stranger := certtest.NewRoot(t, certtest.Options{CommonName: "Other CA"})
	leaf, key := stranger.Leaf(t, certtest.Options{})
	good, goodKey := root.Leaf(t, certtest.Options{})

	b := e.Browser()
	b.Lang = "ru"
	ar := e.AuthRequest(b, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{"ru"} })
	fp, _ := b.Start(ar)
	// Before the page made a challenge, a signature is a replay.
	if p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {"MIIB"}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "cert.error.replayed")) {
		t.Errorf("no challenge: %v", p)
	}
	sig := signChallenge(t, e, b, fp, ar, leaf, key)
	p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {sig}})
	if p.Status != http.StatusUnauthorized || !p.Has(e.Text("ru", "cert.error.untrusted")) {
		t.Fatalf("untrusted: %v", p)
	}
	found := false
	for _, ev := range e.Audits(storage.AuditQuery{ClientID: "portal", Type: directory.EventCertificateRefused}) {
		found = found || (ev.IP == e.IP && ev.Details["reason"] == "untrusted")
	}
	if !found {
		t.Error("refusal not audited")
	}
	if p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {""}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "cert.error.empty")) {
		t.Errorf("empty: %v", p)
	}
	if p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {"not a signature"}}); p.Status != http.StatusUnauthorized || !p.Has(e.Text("ru", "cert.error.malformed")) {
		t.Errorf("malformed: %v", p)
	}
	// The challenge expires: a good signature of it is refused, and a new one is shown.
	sig = signChallenge(t, e, b, fp, ar, good, goodKey)
	old := e.Flow(fp).Challenge
	e.Advance(challengeLifetime + time.Second)
	if p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {sig}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "cert.error.challenge_expired")) {
		t.Errorf("expired challenge: %v", p)
	}
	if e.Flow(fp).Challenge == old {
		t.Error("no new challenge")
	}
	// Two failures counted so far (untrusted, malformed); two more reach the address's limit.
	for range 2 {
		b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {"not a signature"}})
	}
	sig = signChallenge(t, e, b, fp, ar, good, goodKey)
	if p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {sig}}); p.Status != http.StatusTooManyRequests {
		t.Errorf("past the address limit: %v", p)
	}
}

// TLS sign-in: the certificate a trusted proxy passes on signs in; without one
// the page says so.
func TestCertificateTLS(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{})
	e := certEnv(t, root)
	leaf, _ := root.Leaf(t, certtest.Options{CommonName: "Sidorov"})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, _ := b.Start(ar)
	if p := b.Get(fp + "/certificate" + q(ar)); !p.Has("https://tls.vhod.test" + fp + "/certificate/tls") {
		t.Errorf("no TLS link: %v", p)
	}
	if p := b.Get(fp + "/certificate/tls" + q(ar)); p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "cert.error.no_tls_certificate")) {
		t.Errorf("no certificate: %v", p)
	}
	b.Header.Set("X-Client-Cert", url.QueryEscape(string(certtest.PEM(leaf))))
	p := b.Get(fp + "/certificate/tls" + q(ar))
	if p.Status != http.StatusSeeOther || e.Flow(fp).State != string(flows.StateCertConfirm) {
		t.Fatalf("TLS: %v", p)
	}
	b.Header.Del("X-Client-Cert")
	if p := b.Get(fp + "/certificate" + q(ar)); !p.Has("Sidorov") {
		t.Errorf("confirmation page: %v", p)
	}
	if p := b.Post(fp+"/certificate/confirm"+q(ar), nil); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("confirm: %v", p)
	}
	if s, _ := b.Session(); s.AMR == nil || !e.HasAudit(s.UserID, directory.EventCertificateBound, directory.OutcomeSuccess, map[string]string{"via": "tls"}) {
		t.Errorf("session %+v or audit", s)
	}
}

// StripCertificateHeader drops the header from untrusted peers only.
func TestStripCertificateHeader(t *testing.T) {
	var got string
	h := StripCertificateHeader("X-Client-Cert", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.Header.Get("X-Client-Cert") }))
	for _, tc := range []struct{ peer, want string }{{"10.1.2.3:5000", "pem"}, {"192.0.2.1:5000", ""}} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.peer
		r.Header.Set("X-Client-Cert", "pem")
		h.ServeHTTP(nil, r)
		if got != tc.want {
			t.Errorf("from %s: %q", tc.peer, got)
		}
	}
	if StripCertificateHeader("", nil, h) == nil {
		t.Error("nil handler")
	}
}

// Without trusted CAs the certificate pages do not exist.
func TestCertificateOff(t *testing.T) {
	e := newEnv(t, nil, Config{Verifier: certauth.New(certauth.Config{})})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, form := b.Start(ar)
	if form.Has(fp + "/certificate") {
		t.Error("certificate link shown")
	}
	if p := b.Get(fp + "/certificate" + q(ar)); p.Status != http.StatusNotFound {
		t.Errorf("certificate page: %v", p)
	}
}
