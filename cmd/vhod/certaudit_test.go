package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"html"
	"io"
	"mime/multipart"
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
	p := certificatePage(t, ta, b)
	var err error
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
	seen := auditEvents(t, ta)
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
	p := certificatePage(t, ta, b)
	var err error
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
	p := certificatePage(t, ta, b)
	var err error
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

// Refused certificates count against the address like wrong passwords; past the
// limit no signature is even checked. A signature may also come as a file.
func TestCertificateAttemptsAreLimitedAndFilesAccepted(t *testing.T) {
	ta := newTestApp(t, withFixtureCA(t), func(c *Config) { c.Limits.SigninFailuresPerIP = 2 })
	b := rptest.NewBrowser(testRedirect)
	b.Lang = "en"
	// The DER file of a signature, uploaded as the form does (multipart).
	p := certificatePage(t, ta, b)
	upload := func(p *rptest.Page, der []byte) *rptest.Page {
		t.Helper()
		action := regexp.MustCompile(`<form method="post" action="([^"]*/certificate\?[^"]*)"`).FindStringSubmatch(p.Body)
		token := regexp.MustCompile(`name="csrf_token" value="([^"]*)"`).FindStringSubmatch(p.Body)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf_token", html.UnescapeString(token[1]))
		fw, _ := mw.CreateFormFile("signature_file", "signature.p7s")
		fw.Write(der)
		mw.Close()
		target, _ := p.URL.Parse(html.UnescapeString(action[1]))
		req, _ := http.NewRequest(http.MethodPost, target.String(), &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", ta.URL)
		req.Header.Set("Accept-Language", "en")
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return &rptest.Page{Status: resp.StatusCode, URL: resp.Request.URL, Body: string(out), Location: resp.Header.Get("Location")}
	}
	tampered := fixtureSignature(t, p.Body, "director")
	tampered[len(tampered)-1] ^= 1
	for i := 0; i < 2; i++ {
		if q := upload(p, tampered); q.Status != http.StatusUnauthorized || !strings.Contains(q.Body, "The signature does not match") {
			t.Fatalf("tampered upload %d: %d %.300s", i, q.Status, q.Body)
		}
	}
	if q := upload(p, fixtureSignature(t, p.Body, "director")); q.Status != http.StatusTooManyRequests ||
		!strings.Contains(q.Body, "Too many failed sign-in attempts") {
		t.Fatalf("over the limit: %d %.300s", q.Status, q.Body)
	}
	// Below the limit (a fresh server), the uploaded file signs in.
	ta2 := newTestApp(t, withFixtureCA(t))
	ta, b = ta2, rptest.NewBrowser(testRedirect)
	b.Lang = "en"
	p = certificatePage(t, ta, b)
	if q := upload(p, fixtureSignature(t, p.Body, "director")); q.Status != http.StatusOK || !strings.Contains(q.Body, "Check your certificate") {
		t.Fatalf("uploaded signature: %d %.300s", q.Status, q.Body)
	}
}

// certificatePage opens the sign-in of the test client and follows "Sign in with
// a certificate".
func certificatePage(t testing.TB, ta *testApp, b *rptest.Browser) *rptest.Page {
	t.Helper()
	return certificatePageAt(t, b, ta.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
}

// certificatePageAt opens an authorization URL and follows "Sign in with a certificate".
func certificatePageAt(t testing.TB, b *rptest.Browser, authURL string) *rptest.Page {
	t.Helper()
	p, err := b.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="([^"]*/certificate\?[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatalf("no certificate link on the sign-in page: %.300s", p.Body)
	}
	u, _ := p.URL.Parse(html.UnescapeString(link[1]))
	if p, err = b.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	return p
}

// auditEvents returns the recorded events by "type/outcome" (the last of each).
func auditEvents(t testing.TB, ta *testApp) map[string]storage.AuditEvent {
	t.Helper()
	events, err := ta.app.store.QueryAudit(t.Context(), storage.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]storage.AuditEvent{}
	for _, e := range events {
		seen[e.Type+"/"+e.Outcome] = e
	}
	return seen
}

// Five signatures against one challenge, then a new challenge, and the page says so.
func TestChallengeAllowsFiveAttempts(t *testing.T) {
	ta := newTestApp(t, withFixtureCA(t))
	b := rptest.NewBrowser(testRedirect)
	b.Lang = "en"
	p := certificatePage(t, ta, b)
	challenge := func() string {
		return regexp.MustCompile(`(?s)<textarea id="challenge"[^>]*>(.*?)</textarea>`).FindStringSubmatch(p.Body)[1]
	}
	first := challenge()
	var err error
	for i := 1; i <= 5; i++ {
		if p, err = b.Submit(p, "/certificate", url.Values{"signature": {"garbage"}}); err != nil || p.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %v %d", i, err, p.Status)
		}
		if replaced := challenge() != first; replaced != (i == 5) {
			t.Fatalf("after attempt %d the challenge was replaced: %v", i, replaced)
		}
	}
	if !strings.Contains(p.Body, "Too many signatures were tried against this challenge") {
		t.Fatalf("no notice of the new challenge: %.600s", p.Body)
	}
}

// A JWT access token has no record: its userinfo still gives the certificate
// of the sign-in (from the fingerprint the token carries) and the SNILS.
func TestCertClaimsInUserinfoOfJWTAccessToken(t *testing.T) {
	ta := newTestApp(t, withFixtureCA(t), func(c *Config) { c.Bootstrap.Clients[0].Scopes = []string{"cert", "ru_ids"} })
	oc := ta.oauth()
	oc.Scopes = []string{"openid", "cert", "ru_ids"}
	verifier := oauth2.GenerateVerifier()
	b := rptest.NewBrowser(testRedirect)
	p := certificatePageAt(t, b, oc.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	p, err := b.Submit(p, "/certificate", url.Values{"signature": {base64.StdEncoding.EncodeToString(fixtureSignature(t, p.Body, "director"))}})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = b.Submit(p, "/certificate/confirm", nil); err != nil || p.Location == "" {
		t.Fatalf("confirmation: %v %.300s", err, p.Body)
	}
	cb, _ := url.Parse(p.Location)
	tok, err := oc.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/userinfo", nil)
	tok.SetAuthHeader(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var claims struct {
		SNILS string `json:"snils"`
		Cert  struct {
			SHA256, Subject string
		} `json:"cert"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&claims); err != nil {
		t.Fatal(err)
	}
	certs, _ := certauth.ParseCertificates(fixtures.Read(t, "gost/director.crt.pem"))
	if claims.SNILS != "56559136127" || claims.Cert.SHA256 != certauth.Fingerprint(certs[0]) || !strings.Contains(claims.Cert.Subject, "SNILS=56559136127") {
		t.Fatalf("userinfo: %+v", claims)
	}
}
