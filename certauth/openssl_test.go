package certauth

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/certauth/gost"
	"github.com/vhod-id/vhod/internal/fixtures"
)

// Interop the other way round: signatures made by Sign verify in OpenSSL (with
// its GOST engine, an independent implementation), for every fixture key type.
// scripts/test installs openssl and libengine-gost-openssl.
func TestOpenSSLVerifiesOurSignatures(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed (apt-get install openssl libengine-gost-openssl)")
	}
	dir := fixtures.Dir(t)
	conf := filepath.Join(dir, "conf", "openssl-gost.cnf")
	challenge := filepath.Join(dir, "cms", "challenge.txt")
	content := fixtures.Read(t, "cms/challenge.txt")
	for _, c := range []struct {
		hier, who string
		pss       bool
	}{{"gost", "director", false}, {"gost", "ip", false}, {"ecdsa", "director", false}, {"rsa", "director", false}, {"rsa", "employee", true}} {
		t.Run(c.hier+"-"+c.who, func(t *testing.T) {
			key := readFixtureKey(t, c.hier+"/"+c.who+".key.pem")
			certs, err := ParseCertificates(fixtures.Read(t, c.hier+"/"+c.who+".crt.pem"))
			if err != nil {
				t.Fatal(err)
			}
			inter, _ := ParseCertificates(fixtures.Read(t, c.hier+"/int-ca.crt.pem"))
			sig, err := Sign(content, certs[0], key, SignOptions{Detached: true, Chain: inter, PSS: c.pss})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "sig.der")
			if err := os.WriteFile(path, sig, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", path, "-content", challenge,
				"-CAfile", filepath.Join(dir, c.hier, "root-ca.crt.pem"), "-purpose", "any", "-out", os.DevNull)
			cmd.Env = append(os.Environ(), "OPENSSL_CONF="+conf)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification successful") {
				t.Fatalf("openssl: %v\n%s", err, out)
			}
		})
	}
}

func readFixtureKey(t *testing.T, name string) any {
	t.Helper()
	blk, _ := pem.Decode(fixtures.Read(t, name))
	if blk == nil {
		t.Fatalf("%s: no PEM", name)
	}
	if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		return k
	}
	k, err := gost.ParsePrivateKey(blk.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k
}

// openSSLOCSP makes, with OpenSSL's GOST engine, an OCSP answer of the fixtures'
// GOST issuing CA about the director (good) and the revoked person (revoked),
// signed by the CA itself with its certificate inside, as OpenSSL does.
func openSSLOCSP(t *testing.T) []byte {
	t.Helper()
	dir, tmp := fixtures.Dir(t), t.TempDir()
	serial := func(name string) string {
		certs, err := ParseCertificates(fixtures.Read(t, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.ToUpper(certs[0].SerialNumber.Text(16))
	}
	index := "V\t360101000000Z\t\t" + serial("gost/director.crt.pem") + "\tunknown\t/CN=director\n" +
		"R\t360101000000Z\t260101000000Z,keyCompromise\t" + serial("gost/revoked.crt.pem") + "\tunknown\t/CN=revoked\n"
	if err := os.WriteFile(filepath.Join(tmp, "index.txt"), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "OPENSSL_CONF="+filepath.Join(dir, "conf", "openssl-gost.cnf"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	ca := filepath.Join(dir, "gost", "int-ca.crt.pem")
	run("ocsp", "-issuer", ca, "-cert", filepath.Join(dir, "gost", "director.crt.pem"),
		"-cert", filepath.Join(dir, "gost", "revoked.crt.pem"), "-reqout", "req.der", "-no_nonce")
	run("ocsp", "-index", "index.txt", "-rsigner", ca, "-rkey", filepath.Join(dir, "gost", "int-ca.key.pem"),
		"-CA", ca, "-reqin", "req.der", "-respout", "resp.der", "-ndays", "1")
	b, err := os.ReadFile(filepath.Join(tmp, "resp.der"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ocspTransport answers the fixtures' OCSP URL with a fixed answer and counts.
type ocspTransport struct {
	answer []byte
	calls  *int
}

func (o ocspTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.String() != "http://pki.test-ca.example/gost/ocsp" {
		return nil, errors.New("unreachable in tests")
	}
	*o.calls++
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(o.answer)), Request: r}, nil
}

// A GOST-signed OCSP answer made by OpenSSL decides the status: good, revoked;
// a damaged signature leaves it unknown, and the default policy refuses.
func TestGOSTOCSPFromOpenSSL(t *testing.T) {
	answer := openSSLOCSP(t)
	anchors, err := LoadAnchors(filepath.Join(fixtures.Dir(t), "gost", "root-ca.crt.pem"), true)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := ParseCRL(fixtures.Read(t, "gost/root-ca.crl.pem")) // the intermediate's own status
	calls := 0
	v := New(Config{Anchors: anchors, OCSP: true, CRLs: []*x509.RevocationList{root},
		HTTPClient: &http.Client{Transport: ocspTransport{answer, &calls}}})
	inter, _ := ParseCertificates(fixtures.Read(t, "gost/int-ca.crt.pem"))
	leaf := func(name string) *x509.Certificate {
		c, _ := ParseCertificates(fixtures.Read(t, name))
		return c[0]
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, leaf("gost/director.crt.pem"), inter, PurposeSigning); err != nil {
		t.Fatalf("good by OCSP: %v", err)
	}
	if _, err := v.Verify(ctx, leaf("gost/revoked.crt.pem"), inter, PurposeSigning); ReasonOf(err) != ReasonRevoked {
		t.Fatalf("revoked by OCSP: %v", err)
	}
	v.Verify(ctx, leaf("gost/director.crt.pem"), inter, PurposeSigning)
	if calls != 2 {
		t.Errorf("%d OCSP requests, want 2 (answers cached)", calls)
	}
	damaged := bytes.Clone(answer)
	i := bytes.Index(damaged, fixtures.Read(t, "gost/int-ca.crt.der")) // the signature sits just before the CA certificate
	damaged[i-20] ^= 1
	strict := New(Config{Anchors: anchors, OCSP: true, CRLs: []*x509.RevocationList{root},
		HTTPClient: &http.Client{Transport: ocspTransport{damaged, &calls}}})
	if _, err := strict.Verify(ctx, leaf("gost/director.crt.pem"), inter, PurposeSigning); ReasonOf(err) != ReasonRevocationUnknown {
		t.Fatalf("damaged OCSP answer: %v", err)
	}
}
