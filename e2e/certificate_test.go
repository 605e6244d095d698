package e2e

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/internal/fixtures"
	"github.com/vhod-id/vhod/internal/rptest"
)

// certClients are relying parties of the certificate tests: esign asks for the
// certificate scopes; gov accepts only qualified certificates (min_acr).
const certClients = `    - id: esign
      secret: esign-secret
      name: E-sign portal
      redirect_uris: [http://127.0.0.1:8765/callback]
      first_party: true
      scopes: [ru_ids, cert]
    - id: gov
      secret: gov-secret
      name: State system
      redirect_uris: [http://127.0.0.1:8765/callback]
      first_party: true
      min_acr: urn:vhod:acr:qualified-certificate
      scopes: [ru_ids, cert]
`

// corpPKI is a corporate CA made for the test (ECDSA), with its CRL served locally.
type corpPKI struct {
	root     *certtest.CA
	rootFile string
	revoked  []*x509.Certificate
}

func newCorpPKI(t *testing.T) *corpPKI {
	p := &corpPKI{root: certtest.NewRoot(t, certtest.Options{CommonName: "Corp Root CA"})}
	crl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(p.root.CRL(t, p.revoked...))
	}))
	t.Cleanup(crl.Close)
	p.root.CRLURL = crl.URL + "/corp.crl"
	p.rootFile = filepath.Join(t.TempDir(), "corp-root.pem")
	if err := os.WriteFile(p.rootFile, certtest.PEM(p.root.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// person issues a corporate certificate and writes its key and certificate to files.
func (p *corpPKI) person(t *testing.T, name string) (cert *x509.Certificate, keyFile, certFile string) {
	cert, key := p.root.Leaf(t, certtest.Options{CommonName: name})
	dir := t.TempDir()
	keyFile, certFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(keyFile, certtest.KeyPEM(t, key), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, certtest.PEM(cert), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, keyFile, certFile
}

// certConfig trusts the fixtures' GOST root as an accredited CA (its CRLs as
// files: their URLs do not resolve) and the corporate root (CRL fetched).
func certConfig(t *testing.T, corp *corpPKI, extra string) string {
	f := fixtures.Dir(t)
	block := "certauth:\n" +
		"  trust_anchors:\n" +
		"    - {file: " + filepath.Join(f, "gost/root-ca.crt.pem") + ", qualified: true}\n" +
		"    - {file: " + corp.rootFile + "}\n" +
		"  crl: {files: [" + filepath.Join(f, "gost/int-ca.crl.pem") + ", " + filepath.Join(f, "gost/root-ca.crl.pem") + "], fetch: true}\n" +
		"  ocsp: {enabled: true, fail_open: false}\n" + extra
	cfg := strings.Replace(testConfig, "bootstrap:\n", block+"bootstrap:\n", 1)
	return strings.Replace(cfg, "  clients:\n", "  clients:\n"+certClients, 1)
}

var (
	challengeRe = regexp.MustCompile(`(?s)<textarea id="challenge"[^>]*>(.*?)</textarea>`)
	certLinkRe  = regexp.MustCompile(`href="([^"]*/certificate(?:/tls)?\?[^"]*)"`)
)

// vhodSign signs the page's challenge with `vhod sign`, as a person without the
// plug-in would.
func vhodSign(t *testing.T, page *rptest.Page, keyFile, certFile, chainFile string) string {
	t.Helper()
	m := challengeRe.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no challenge on %s (%d): %.600s", page.URL, page.Status, page.Body)
	}
	args := []string{"sign", "--key", keyFile, "--cert", certFile, "--detached"}
	if chainFile != "" {
		args = append(args, "--chain", chainFile)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(html.UnescapeString(m[1]))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("vhod sign: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// fixtureSigner is a GOST key of the fixtures with its certificate and chain.
func fixtureSigner(t *testing.T, name string) (keyFile, certFile, chainFile string) {
	f := fixtures.Dir(t)
	return filepath.Join(f, name+".key.pem"), filepath.Join(f, name+".crt.pem"), filepath.Join(f, "gost/int-ca.crt.pem")
}

// follow opens the first link of the page matching re.
func follow(t *testing.T, b *rptest.Browser, p *rptest.Page, re *regexp.Regexp) *rptest.Page {
	t.Helper()
	m := re.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no link %s on %s: %.600s", re, p.URL, p.Body)
	}
	u, _ := p.URL.Parse(html.UnescapeString(m[1]))
	next, err := b.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func mustSubmit(t *testing.T, b *rptest.Browser, p *rptest.Page, action string, fields url.Values) *rptest.Page {
	t.Helper()
	next, err := b.Submit(p, action, fields)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func fingerprint(t *testing.T, certFile string) string {
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := certauth.ParseCertificates(b)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(certs[0].Raw)
	return hex.EncodeToString(sum[:])
}

// TestCertificateSignIn: a qualified GOST certificate (OpenSSL-made, signed with
// `vhod sign`) creates an account after "Continue", signs in with the qualified
// acr and releases its SNILS and certificate; every bad signature is refused with
// its own sentence; a renewed certificate with the same SNILS reaches the same account.
func TestCertificateSignIn(t *testing.T) {
	corp := newCorpPKI(t)
	srv := startServer(t, certConfig(t, corp, ""))
	esign := newRP(t, srv, "esign", "esign-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader,
		"openid", "profile", "ru_ids", "cert")
	certPage := func(b *rptest.Browser, a authorization) *rptest.Page {
		t.Helper()
		p, err := b.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		p = follow(t, b, p, certLinkRe)
		if !strings.Contains(p.Body, `<label for="challenge">Challenge</label>`) || !strings.Contains(p.Body, `<label for="signature">Signature</label>`) {
			t.Fatalf("certificate page without Challenge and Signature: %.800s", p.Body)
		}
		return p
	}
	newBrowser := func() *rptest.Browser {
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		b.Lang = "en"
		return b
	}

	b := newBrowser()
	a := esign.authorization(oauth2.SetAuthURLParam("ui_locales", "en"))
	p := certPage(b, a)
	key, cert, chain := fixtureSigner(t, "gost/director")
	sig := vhodSign(t, p, key, cert, chain)
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {sig}})
	for _, want := range []string{"Check your certificate", "Петров Иван Сергеевич", "565-591-361\u00a027", "ООО\u00a0«Ромашка»", "Jan 1, 2036", "772425522949",
		"7728824599", "1177746151021", "qualified electronic signature", ">Create an account<"} {
		if !strings.Contains(p.Body, want) {
			t.Fatalf("confirmation page lacks %q: %.1500s", want, p.Body)
		}
	}
	p = mustSubmit(t, b, p, "/certificate/confirm", nil)
	cb, _ := url.Parse(p.Location)
	_, _, claims := esign.exchange(a, esign.code(a, cb))
	if claims["acr"] != "urn:vhod:acr:qualified-certificate" || !slices.Equal(toStrings(claims["amr"]), []string{"swk"}) {
		t.Fatalf("acr/amr: %v %v", claims["acr"], claims["amr"])
	}
	if claims["snils"] != "56559136127" || claims["inn"] != "772425522949" {
		t.Fatalf("claims: %v", claims)
	}
	c, _ := claims["cert"].(map[string]any)
	if c["sha256"] != fingerprint(t, cert) || !strings.Contains(c["issuer"].(string), "O=ООО «Тестовый УЦ»") ||
		!strings.Contains(c["subject"].(string), "SNILS=56559136127") {
		t.Fatalf("cert claim: %v", claims["cert"])
	}
	director := claims["sub"]

	// Refusals, each with its sentence; the page keeps a fresh challenge.
	refuse := func(name, keyFile, certFile, chainFile string, mangle func(string) string, want string) {
		t.Helper()
		b := newBrowser()
		p := certPage(b, esign.authorization(oauth2.SetAuthURLParam("ui_locales", "en")))
		s := vhodSign(t, p, keyFile, certFile, chainFile)
		if mangle != nil {
			s = mangle(s)
		}
		p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {s}})
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, want) || !challengeRe.MatchString(p.Body) {
			t.Fatalf("%s: %d, want %q: %.800s", name, p.Status, want, p.Body)
		}
	}
	refuse("replayed", key, cert, chain, func(string) string { return sig }, "The signature is of another text, not of this challenge")
	refuse("tampered", key, cert, chain, func(s string) string {
		der, _ := base64.StdEncoding.DecodeString(s)
		der[len(der)-1] ^= 1
		return base64.StdEncoding.EncodeToString(der)
	}, "The signature does not match")
	rk, rc, _ := fixtureSigner(t, "gost/revoked")
	refuse("revoked", rk, rc, chain, nil, "The certificate has been revoked")
	ek, ec, _ := fixtureSigner(t, "gost/expired")
	refuse("expired", ek, ec, chain, nil, "The certificate has expired")
	f := fixtures.Dir(t)
	refuse("untrusted", filepath.Join(f, "rsa/director.key.pem"), filepath.Join(f, "rsa/director.crt.pem"), filepath.Join(f, "rsa/int-ca.crt.pem"),
		nil, "not issued by a certification authority we trust")
	refuse("garbage", key, cert, chain, func(string) string { return "not a signature" }, "This is not a signature we can read")

	// The employee's certificate carries another SNILS: another account, made
	// after confirmation; the paramset certificates share the employee's SNILS and
	// reach that account without asking (the yearly renewal).
	signIn := func(name string) (subject any, confirmed bool) {
		t.Helper()
		b := newBrowser()
		a := esign.authorization()
		p := certPage(b, a)
		k, c, ch := fixtureSigner(t, name)
		p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, k, c, ch)}})
		if p.Location == "" {
			p, confirmed = mustSubmit(t, b, p, "/certificate/confirm", nil), true
		}
		cb, _ := url.Parse(p.Location)
		_, _, claims := esign.exchange(a, esign.code(a, cb))
		return claims["sub"], confirmed
	}
	employee, confirmed := signIn("gost/employee")
	if !confirmed || employee == director {
		t.Fatalf("employee: confirmed=%v sub=%v", confirmed, employee)
	}
	for _, renewed := range []string{"gost-paramsets/gost256-A", "gost-paramsets/gost512-C"} {
		if sub, confirmed := signIn(renewed); confirmed || sub != employee {
			t.Fatalf("%s with the same SNILS: confirmed=%v sub=%v, want %v", renewed, confirmed, sub, employee)
		}
	}
	if again, confirmed := signIn("gost/director"); confirmed || again != director {
		t.Fatalf("director again: confirmed=%v sub=%v", confirmed, again)
	}
}

// TestCertificateStepUpAndProxy: a password session meets a client that wants a
// qualified certificate: the person lands on the certificate page, and the new
// certificate joins their account. A trusted proxy's header signs in too; from
// anyone else the header is ignored.
func TestCertificateStepUpAndProxy(t *testing.T) {
	corp := newCorpPKI(t)
	srv := startServer(t, certConfig(t, corp, "  proxy_header: {name: X-SSL-Client-Cert, trusted: [127.0.0.1/32]}\n"))
	shop := shopRP(t, srv)
	gov := newRP(t, srv, "gov", "gov-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "ru_ids")
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	a, code := shop.signIn(b, "ivanov", "S3cure-pass!")
	_, _, claims := shop.exchange(a, code)
	ivanov := claims["sub"]

	ga := gov.authorization()
	p, err := b.Get(ga.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.URL.Path, "/certificate") || !challengeRe.MatchString(p.Body) {
		t.Fatalf("a password session was not sent to the certificate page: %s %.400s", p.URL, p.Body)
	}
	key, cert, chain := fixtureSigner(t, "gost/director")
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, key, cert, chain)}})
	if !strings.Contains(p.Body, "link it to the account you are signed in to") {
		t.Fatalf("no binding offer: %.800s", p.Body)
	}
	p = mustSubmit(t, b, p, "/certificate/confirm", nil)
	cb, _ := url.Parse(p.Location)
	_, _, claims = gov.exchange(ga, gov.code(ga, cb))
	if claims["sub"] != ivanov || claims["acr"] != "urn:vhod:acr:qualified-certificate" || claims["snils"] != "56559136127" {
		t.Fatalf("after step-up: %v", claims)
	}
	// The stepped-up session now satisfies the shop asking acr_values without a page.
	a2 := shop.authorization(oauth2.SetAuthURLParam("acr_values", "urn:vhod:acr:certificate"))
	if p, err = b.Get(a2.URL); err != nil || p.Location == "" {
		t.Fatalf("SSO after step-up: %v %s", err, p.URL)
	}

	// The proxy path: a corporate (ECDSA) certificate in nginx's escaped form.
	leaf, _, _ := corp.person(t, "Сотрудник Прокси")
	escaped := url.QueryEscape(string(certtest.PEM(leaf)))
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	b2.Lang = "en"
	esign := newRP(t, srv, "esign", "esign-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "cert")
	ea := esign.authorization()
	p = mustGet(t, b2, ea.URL)
	p = follow(t, b2, p, certLinkRe)
	tlsURL, _ := p.URL.Parse(strings.Replace(p.URL.Path, "/certificate", "/certificate/tls", 1) + "?" + p.URL.RawQuery)
	req, _ := http.NewRequest(http.MethodGet, tlsURL.String(), nil)
	req.Header.Set("X-SSL-Client-Cert", escaped)
	resp, err := b2.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	p = mustGet(t, b2, resp.Request.URL.String())
	if !strings.Contains(p.Body, "Сотрудник Прокси") || !strings.Contains(p.Body, "certificate of a trusted CA") {
		t.Fatalf("proxy certificate not shown for confirmation: %.800s", p.Body)
	}
	p = mustSubmit(t, b2, p, "/certificate/confirm", nil)
	cb, _ = url.Parse(p.Location)
	_, _, claims = esign.exchange(ea, esign.code(ea, cb))
	if claims["acr"] != "urn:vhod:acr:certificate" {
		t.Fatalf("proxy sign-in acr %v", claims["acr"])
	}
	c, _ := claims["cert"].(map[string]any)
	if c["sha256"] != certauth.Fingerprint(leaf) {
		t.Fatalf("cert claim %v", claims["cert"])
	}
}

// TestProxyHeaderFromUntrustedAddressIsIgnored: the same header from an
// address that is not the proxy signs nobody in.
func TestProxyHeaderFromUntrustedAddressIsIgnored(t *testing.T) {
	corp := newCorpPKI(t)
	srv := startServer(t, certConfig(t, corp, "  proxy_header: {name: X-SSL-Client-Cert, trusted: [10.9.9.9/32]}\n"))
	esign := newRP(t, srv, "esign", "esign-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid")
	leaf, _, _ := corp.person(t, "Чужой")
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	p := mustGet(t, b, esign.authorization().URL)
	p = follow(t, b, p, certLinkRe)
	u, _ := p.URL.Parse(strings.Replace(p.URL.Path, "/certificate", "/certificate/tls", 1) + "?" + p.URL.RawQuery)
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	req.Header.Set("X-SSL-Client-Cert", url.QueryEscape(string(certtest.PEM(leaf))))
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("header from an untrusted address: status %d", resp.StatusCode)
	}
}

// newTLSListener picks a port for Vhod's TLS listener and makes its server
// certificate: the certauth configuration lines and the roots a client trusts.
func newTLSListener(t *testing.T) (addr, config string, roots *x509.CertPool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	serverCA := certtest.NewRoot(t, certtest.Options{CommonName: "Server CA"})
	serverCert, serverKey := serverCA.Leaf(t, certtest.Options{CommonName: "127.0.0.1", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, certtest.PEM(serverCert), 0o600)
	os.WriteFile(keyFile, certtest.KeyPEM(t, serverKey), 0o600)
	roots = x509.NewCertPool()
	roots.AddCert(serverCA.Cert)
	return addr, "  tls_listen: " + addr + "\n  tls_cert_file: " + certFile + "\n  tls_key_file: " + keyFile + "\n", roots
}

// TestCertificateOverOwnTLSListener: Vhod's own listener asks for the client
// certificate; the handshake and certauth check it; the flow ends at the RP.
func TestCertificateOverOwnTLSListener(t *testing.T) {
	corp := newCorpPKI(t)
	_, listener, roots := newTLSListener(t)
	srv := startServer(t, certConfig(t, corp, listener))

	leaf, leafKey := corp.root.Leaf(t, certtest.Options{CommonName: "Смарт-карта"})
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots,
		Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw}, PrivateKey: leafKey}}}}
	b := rptest.NewBrowserWith("http://127.0.0.1:8765/", transport)
	b.Lang = "en"
	esign := newRP(t, srv, "esign", "esign-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "cert")
	a := esign.authorization()
	p := mustGet(t, b, a.URL)
	p = follow(t, b, p, certLinkRe)
	p = follow(t, b, p, regexp.MustCompile(`href="(https://[^"]*/certificate/tls\?[^"]*)"`))
	if p.URL.Scheme != "https" || !strings.Contains(p.Body, "Смарт-карта") {
		t.Fatalf("TLS sign-in did not reach the confirmation: %s %d %.600s", p.URL, p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/certificate/confirm", nil)
	if p.Location == "" {
		t.Fatalf("confirmation did not reach the RP: %s %d %.600s\n%s", p.URL, p.Status, p.Body, srv.Log())
	}
	cb, _ := url.Parse(p.Location)
	_, _, claims := esign.exchange(a, esign.code(a, cb))
	if claims["acr"] != "urn:vhod:acr:certificate" {
		t.Fatalf("acr %v", claims["acr"])
	}
	// Without a client certificate the listener still serves, and the page says so.
	plain := rptest.NewBrowserWith("http://127.0.0.1:8765/", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}})
	plain.Lang = "en"
	p = mustGet(t, plain, esign.authorization().URL)
	p = follow(t, plain, p, certLinkRe)
	p = follow(t, plain, p, regexp.MustCompile(`href="(https://[^"]*/certificate/tls\?[^"]*)"`))
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "presented no certificate") {
		t.Fatalf("no client certificate: %d %.400s", p.Status, p.Body)
	}
}

// TestAccountCertificates: the account page links a certificate by signing a
// challenge while signed in, lists it, and unlinks it; the last way into an
// account made from a certificate cannot be unlinked.
func TestAccountCertificates(t *testing.T) {
	corp := newCorpPKI(t)
	srv := startServer(t, certConfig(t, corp, ""))
	b := rptest.NewBrowser("")
	b.Lang = "en"
	p := mustGet(t, b, srv.Issuer+"/account")
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if !strings.Contains(p.Body, "No certificate is linked to your account.") {
		t.Fatalf("account page: %.600s", p.Body)
	}
	p = follow(t, b, p, regexp.MustCompile(`href="(/account/certificate)"`))
	if !challengeRe.MatchString(p.Body) {
		t.Fatalf("Link a certificate did not open the challenge: %s %.600s", p.URL, p.Body)
	}
	_, keyFile, certFile := corp.person(t, "Иванов Рабочий")
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, keyFile, certFile, "")}})
	if !strings.Contains(p.Body, "link it to the account you are signed in to") {
		t.Fatalf("no binding offer: %.600s", p.Body)
	}
	p = mustSubmit(t, b, p, "/certificate/confirm", nil)
	if !strings.Contains(p.Body, "The certificate is now linked to your account.") || !strings.Contains(p.Body, "Иванов Рабочий") {
		t.Fatalf("after linking: %s %.900s", p.URL, p.Body)
	}
	// The linked certificate signs in to ivanov's account.
	esign := newRP(t, srv, "esign", "esign-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "profile")
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := esign.authorization()
	q := mustGet(t, b2, a.URL)
	q = follow(t, b2, q, certLinkRe)
	q = mustSubmit(t, b2, q, "/certificate", url.Values{"signature": {vhodSign(t, q, keyFile, certFile, "")}})
	if q.Location == "" {
		t.Fatalf("a linked certificate asked again: %.600s", q.Body)
	}
	cb, _ := url.Parse(q.Location)
	_, _, claims := esign.exchange(a, esign.code(a, cb))
	p = mustGet(t, b, srv.Issuer+"/account")
	p = mustConfirm(t, b, p, "/account/certificate/remove", nil, "Unlink the certificate?")
	if !strings.Contains(p.Body, "The certificate is no longer linked to your account.") {
		t.Fatalf("unlink: %d %.600s", p.Status, p.Body)
	}
	// Unlinked, the same certificate is a stranger again.
	b3 := rptest.NewBrowser("http://127.0.0.1:8765/")
	b3.Lang = "en"
	q = mustGet(t, b3, esign.authorization().URL)
	q = follow(t, b3, q, certLinkRe)
	q = mustSubmit(t, b3, q, "/certificate", url.Values{"signature": {vhodSign(t, q, keyFile, certFile, "")}})
	if !strings.Contains(q.Body, "is not linked to an account yet") {
		t.Fatalf("unlinked certificate still signs in as %v: %.400s", claims["sub"], q.Body)
	}
	// An account made from the certificate has nothing else: unlinking is refused.
	q = mustSubmit(t, b3, q, "/certificate/confirm", nil)
	p = mustGet(t, b3, srv.Issuer+"/account")
	p = mustConfirm(t, b3, p, "/account/certificate/remove", nil, "Unlink the certificate?")
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "only way to sign in") {
		t.Fatalf("last credential: %d %.400s", p.Status, p.Body)
	}
}
