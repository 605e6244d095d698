package main

import (
	"encoding/base64"
	"encoding/pem"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/gost"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/fixtures"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// withFixtureCA trusts the fixtures' GOST root as an accredited CA.
func withFixtureCA(t testing.TB) func(*Config) {
	f := fixtures.Dir(t)
	no := false
	return func(c *Config) {
		c.CertAuth.TrustAnchors = []TrustAnchorConfig{{File: filepath.Join(f, "gost/root-ca.crt.pem"), Qualified: true}}
		c.CertAuth.CRL = CRLConfig{Files: []string{filepath.Join(f, "gost/int-ca.crl.pem"), filepath.Join(f, "gost/root-ca.crl.pem")}, Fetch: &no}
	}
}

// fixtureSignature signs the challenge on the page with a fixture GOST key.
func fixtureSignature(t testing.TB, page, who string) []byte {
	t.Helper()
	m := regexp.MustCompile(`(?s)<textarea id="challenge"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no challenge: %.400s", page)
	}
	key, err := gost.ParsePrivateKey(pemBytes(t, fixtures.Read(t, "gost/"+who+".key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	certs, _ := certauth.ParseCertificates(fixtures.Read(t, "gost/"+who+".crt.pem"))
	chain, _ := certauth.ParseCertificates(fixtures.Read(t, "gost/int-ca.crt.pem"))
	sig, err := certauth.Sign([]byte(html.UnescapeString(m[1])), certs[0], key, certauth.SignOptions{Detached: true, Chain: chain})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// Certificate sign-in leaves its trail: the refused signature with its reason,
// the account made from the certificate, the binding and the sign-in.
func TestAuditOfCertificates(t *testing.T) {
	ta := newTestApp(t, withFixtureCA(t))
	b := rptest.NewBrowser(testRedirect)
	p, err := b.Get(ta.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="([^"]*/certificate\?[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no certificate link on the sign-in page")
	}
	u, _ := p.URL.Parse(html.UnescapeString(link[1]))
	if p, err = b.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	tampered := fixtureSignature(t, p.Body, "director")
	tampered[len(tampered)-1] ^= 1
	if p, err = b.Submit(p, "/certificate", url.Values{"signature": {base64.StdEncoding.EncodeToString(tampered)}}); err != nil {
		t.Fatal(err)
	}
	if p, err = b.Submit(p, "/certificate", url.Values{"signature": {base64.StdEncoding.EncodeToString(fixtureSignature(t, p.Body, "director"))}}); err != nil {
		t.Fatal(err)
	}
	if p, err = b.Submit(p, "/certificate/confirm", nil); err != nil || p.Location == "" {
		t.Fatalf("confirmation: %v %.300s", err, p.Body)
	}
	events, err := ta.app.store.QueryAudit(t.Context(), storage.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]storage.AuditEvent{}
	for _, e := range events {
		seen[e.Type+"/"+e.Outcome] = e
	}
	if e := seen[directory.EventCertificateRefused+"/failure"]; e.Details["reason"] != string(certauth.ReasonBadSignature) || e.IP == "" {
		t.Errorf("refusal event %+v", e)
	}
	for _, want := range []string{directory.EventRegistration + "/success", directory.EventCertificateBound + "/success", directory.EventSignIn + "/success"} {
		if _, ok := seen[want]; !ok {
			t.Errorf("no %s event", want)
		}
	}
	if e := seen[directory.EventSignIn+"/success"]; e.Details["method"] != "certificate" || e.Details["acr"] != directory.ACRQualifiedCertificate {
		t.Errorf("sign-in event %+v", e)
	}
}

func pemBytes(t testing.TB, b []byte) []byte {
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM block")
	}
	return blk.Bytes
}

// certificateSignIn runs the browser part of a certificate sign-in with the
// fixtures' director certificate (GOST R 34.10-2012, 256 bits): the sign-in page,
// the challenge, the signature, and (first time only) the confirmation.
func certificateSignIn(t testing.TB, ta *testApp) *url.URL {
	b := rptest.NewBrowser(testRedirect)
	p, err := b.Get(ta.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="([^"]*/certificate\?[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no certificate link")
	}
	u, _ := p.URL.Parse(html.UnescapeString(link[1]))
	if p, err = b.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	sig := base64.StdEncoding.EncodeToString(fixtureSignature(t, p.Body, "director"))
	if p, err = b.Submit(p, "/certificate", url.Values{"signature": {sig}}); err != nil {
		t.Fatal(err)
	}
	if p.Location == "" {
		if p, err = b.Submit(p, "/certificate/confirm", nil); err != nil {
			t.Fatal(err)
		}
	}
	cb, err := url.Parse(p.Location)
	if err != nil || cb.Query().Get("code") == "" {
		t.Fatalf("no code: %v %.300s", err, p.Body)
	}
	return cb
}

// BenchmarkCertificateSignIn measures a whole signed-challenge sign-in against
// the in-process server and embedded store, signing included (the client's
// share: about 5 ms of GOST arithmetic).
func BenchmarkCertificateSignIn(b *testing.B) {
	ta := newTestApp(b, withFixtureCA(b))
	certificateSignIn(b, ta) // the account exists from here on
	b.ReportAllocs()
	for b.Loop() {
		certificateSignIn(b, ta)
	}
}

// A challenge older than its five minutes is refused with its own sentence and
// replaced; after a sign-in, the same signature posted to the same flow finds
// its challenge spent.
func TestExpiredAndSpentChallenges(t *testing.T) {
	ta := newTestApp(t, withFixtureCA(t))
	b := rptest.NewBrowser(testRedirect)
	b.Lang = "en"
	p, err := b.Get(ta.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="([^"]*/certificate\?[^"]*)"`).FindStringSubmatch(p.Body)
	u, _ := p.URL.Parse(html.UnescapeString(link[1]))
	if p, err = b.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	f, err := ta.app.store.FlowByID(t.Context(), strings.Split(p.URL.Path, "/")[2])
	if err != nil {
		t.Fatal(err)
	}
	f.ChallengeExpiresAt = time.Now().Add(-time.Second)
	if _, err := ta.app.store.SaveFlow(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	challengeOf := func(page string) string {
		return regexp.MustCompile(`(?s)<textarea id="challenge"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)[1]
	}
	expired := challengeOf(p.Body)
	old := base64.StdEncoding.EncodeToString(fixtureSignature(t, p.Body, "director"))
	if p, err = b.Submit(p, "/certificate", url.Values{"signature": {old}}); err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "The challenge expired before the signature arrived") {
		t.Fatalf("expired challenge: %d %.500s", p.Status, p.Body)
	}
	challengePage := p
	fresh := base64.StdEncoding.EncodeToString(fixtureSignature(t, p.Body, "director"))
	if challengeOf(p.Body) == expired {
		t.Fatal("the expired challenge was not replaced")
	}
	if p, err = b.Submit(p, "/certificate", url.Values{"signature": {fresh}}); err != nil {
		t.Fatal(err)
	}
	if p, err = b.Submit(p, "/certificate/confirm", nil); err != nil || p.Location == "" {
		t.Fatalf("sign-in with the new challenge: %v %.300s", err, p.Body)
	}
	if p, err = b.Submit(challengePage, "/certificate", url.Values{"signature": {fresh}}); err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusBadRequest || p.Location != "" {
		t.Fatalf("replay into a finished flow: %d %q", p.Status, p.Location)
	}
}
