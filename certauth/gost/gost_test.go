package gost

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/vhod-id/vhod/internal/fixtures"
)

func readPEM(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	return blk.Bytes
}

// Every parameter set of the fixtures: the key made by OpenSSL's GOST engine signs,
// and its certificate's public key verifies.
func TestParameterSets(t *testing.T) {
	dir := filepath.Join(fixtures.Dir(t), "gost-paramsets")
	for _, name := range []string{"gost256-A", "gost256-B", "gost256-C", "gost256-XA", "gost256-XB",
		"gost256-TCA", "gost256-TCB", "gost256-TCC", "gost256-TCD", "gost512-A", "gost512-B", "gost512-C"} {
		t.Run(name, func(t *testing.T) {
			priv, err := ParsePrivateKey(readPEM(t, filepath.Join(dir, name+".key.pem")))
			if err != nil {
				t.Fatal(err)
			}
			cert, err := x509.ParseCertificate(readPEM(t, filepath.Join(dir, name+".crt.pem")))
			if err != nil {
				t.Fatal(err)
			}
			pub, err := ParsePublicKey(cert.RawSubjectPublicKeyInfo)
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("esig-login:test")
			sig, err := priv.Sign(rand.Reader, msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.Verify(msg, sig); err != nil {
				t.Fatalf("own signature: %v", err)
			}
			sig[len(sig)-1] ^= 1
			if err := pub.Verify(msg, sig); err == nil {
				t.Fatal("a changed signature verified")
			}
		})
	}
}

func TestParsePublicKeyRefusesOthers(t *testing.T) {
	cert, err := x509.ParseCertificate(readPEM(t, filepath.Join(fixtures.Dir(t), "ecdsa/director.crt.pem")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePublicKey(cert.RawSubjectPublicKeyInfo); err == nil {
		t.Fatal("an ECDSA key parsed as GOST")
	}
	if _, err := ParsePublicKey([]byte{0x30, 0x03, 0x02, 0x01}); err == nil {
		t.Fatal("garbage parsed")
	}
}
