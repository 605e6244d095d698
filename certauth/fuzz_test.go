package certauth

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vhod-id/vhod/certauth/gost"
	"github.com/vhod-id/vhod/internal/fixtures"
)

func addFixtureSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join(fixtures.Dir(f), pattern))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

// FuzzParseCMS drives the parser alone (fast, so the fuzzer gets far); the
// verifier's fuzz below adds the GOST arithmetic, which is slow per input.
func FuzzParseCMS(f *testing.F) {
	addFixtureSeeds(f, "cms/*.der")
	addFixtureSeeds(f, "cms/*.b64")
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := ParseCMS(b)
		if err == nil && len(sd.Content) > MaxCMSBytes {
			t.Fatalf("content of %d bytes from a bounded input", len(sd.Content))
		}
	})
}

// Signatures come from strangers: parsing and verifying must never panic, and
// anything over the size limit is refused before it is decoded.
func FuzzVerifyCMS(f *testing.F) {
	addFixtureSeeds(f, "cms/*-detached.der")
	addFixtureSeeds(f, "cms/gost-director-*")
	f.Add([]byte("MIAGCSqGSIb3DQEHAqCAMIACAQE="))
	v := fixtureVerifier(f)
	challenge := ChallengeContents(string(fixtures.Read(f, "cms/challenge.txt")))
	f.Fuzz(func(t *testing.T, b []byte) {
		if sd, err := ParseCMS(b); err == nil && len(sd.Content) > MaxCMSBytes {
			t.Fatalf("content of %d bytes from a bounded input", len(sd.Content))
		}
		v.VerifyCMS(context.Background(), b, challenge)
	})
}

// Certificates from headers, files and signatures: parsing, the subject's
// fields and the GOST key must never panic.
func FuzzCertificate(f *testing.F) {
	addFixtureSeeds(f, "gost/*.crt.pem")
	addFixtureSeeds(f, "gost-paramsets/*.crt.pem")
	addFixtureSeeds(f, "rsa/director.crt.pem")
	f.Fuzz(func(t *testing.T, b []byte) {
		FromProxyHeader(string(b))
		certs, err := ParseCertificates(b)
		if err != nil {
			return
		}
		for _, c := range certs {
			ReadSubject(c)
			gost.ParsePublicKey(c.RawSubjectPublicKeyInfo)
		}
	})
}
