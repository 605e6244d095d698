package certauth

import (
	"crypto/x509"
	"encoding/pem"
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
