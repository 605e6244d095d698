package certauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth/certtest"
)

// A stranger's signature may carry CA certificates that all issue one another
// (one name, one key): path building must not try every ordering of them. Old
// main walked 16^5 paths (seconds of CPU); now a few signature checks decide.
func TestBoundedCostChainOfLookalikes(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(key.Public())
	ski := sha1.Sum(spki)
	name := pkix.Name{CommonName: "Lookalike CA"}
	now := time.Now()
	var cas []*x509.Certificate
	for i := range maxCMSCertificates - 1 {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: name,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign, SubjectKeyId: ski[:], AuthorityKeyId: ski[:]}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		cas = append(cas, c)
	}
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(1000), Subject: pkix.Name{CommonName: "Stranger"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), AuthorityKeyId: ski[:],
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, leafTmpl, cas[0], leafKey.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	sig, err := Sign([]byte("challenge"), leaf, leafKey, SignOptions{Detached: true, Chain: cas})
	if err != nil {
		t.Fatal(err)
	}
	v := New(Config{Anchors: []Anchor{{Cert: certtest.NewRoot(t, certtest.Options{}).Cert}}})
	runtime.GC()
	before := cpuTime()
	_, err = v.VerifyCMS(context.Background(), sig, [][]byte{[]byte("challenge")})
	spent := cpuTime() - before
	t.Logf("%d lookalike CAs: %v of CPU: %v", len(cas), spent, err)
	if ReasonOf(err) != ReasonUntrusted {
		t.Fatalf("reason %v, want %v", ReasonOf(err), ReasonUntrusted)
	}
	if spent > 200*time.Millisecond {
		t.Fatalf("%v of CPU for path building", spent)
	}
}
