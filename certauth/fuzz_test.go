package certauth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// Time budgets per input, in CPU time of the calling thread: a slow input is a
// finding as much as a crash (a stranger posts it as often as the limits let).
// Parsing is bounded by the input's size; verification adds a few signature
// checks (a GOST-512 one costs milliseconds).
const (
	parseBudget  = 50 * time.Millisecond
	verifyBudget = 500 * time.Millisecond
)

func within(t *testing.T, budget time.Duration, what string, f func()) {
	t.Helper()
	if spent := threadCPU(f); spent > budget {
		t.Fatalf("%s took %v of CPU, budget %v", what, spent, budget)
	}
}

// FuzzBERToDER: the converter never panics, answers within the budget, and what
// it returns is DER (converting it again changes nothing) no longer than the
// input allows.
func FuzzBERToDER(f *testing.F) {
	addFixtureSeeds(f, "cms/*.der")
	for _, s := range []string{"30 80 02 01 05 00 00", "24 80 04 01 61 24 80 04 01 62 00 00 00 00",
		"30 80 a0 80 30 80 02 01 05 00 00 00 00 04 00 00 00", "3f 81 01 03 02 01 05", "04 82 00 02 61 62"} {
		f.Add(unhex(s))
	}
	// Small bombs: the fuzzer minimises every new input, which for 256 KiB
	// ones takes longer than the run.
	for _, b := range berBombs(4 << 10) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > MaxCMSBytes {
			return // ParseCMS refuses it before
		}
		var out []byte
		var err error
		within(t, parseBudget, "berToDER", func() { out, err = berToDER(b) })
		if err != nil {
			return
		}
		// Each element's header grows by at most four bytes (80 → 84 xx xx xx xx).
		if len(out) > 3*len(b) {
			t.Fatalf("%d bytes out of %d", len(out), len(b))
		}
		again, err := berToDER(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("output is not DER: %v\n% x\n% x", err, out, again)
		}
	})
}

// FuzzParseCMS drives the parser alone (fast, so the fuzzer gets far); the
// verifier's fuzz below adds the GOST arithmetic, which is slow per input.
func FuzzParseCMS(f *testing.F) {
	addFixtureSeeds(f, "cms/*.der")
	addFixtureSeeds(f, "cms/*.b64")
	// Small bombs: the fuzzer minimises every new input, which for 256 KiB
	// ones takes longer than the run.
	for _, b := range berBombs(4 << 10) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var sd *SignedData
		var err error
		within(t, parseBudget, "ParseCMS", func() { sd, err = ParseCMS(b) })
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
		within(t, verifyBudget, "VerifyCMS", func() { v.VerifyCMS(context.Background(), b, challenge) })
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
