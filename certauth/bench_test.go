package certauth

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/internal/fixtures"
)

// BenchmarkVerifyCMS measures a whole challenge signature check of the OpenSSL
// vectors: parsing, the signature, the chain of three and the (cached) CRLs.
func BenchmarkVerifyCMS(b *testing.B) {
	v := fixtureVerifier(b)
	challenge := ChallengeContents(string(fixtures.Read(b, "cms/challenge.txt")))
	for _, name := range []string{"gost-director-detached", "gost-ip-detached", "ecdsa-director-detached", "rsa-director-detached"} {
		raw := fixtures.Read(b, "cms/"+name+".der")
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyCMS(context.Background(), raw, challenge); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignatureOnly measures one signature verification per algorithm.
func BenchmarkSignatureOnly(b *testing.B) {
	cases := map[string]string{"GOST-256": "gost-director-detached", "GOST-512": "gost-ip-detached",
		"ECDSA-P256": "ecdsa-director-detached", "RSA-2048": "rsa-director-detached"}
	for alg, name := range cases {
		sd, err := ParseCMS(fixtures.Read(b, "cms/"+name+".der"))
		if err != nil {
			b.Fatal(err)
		}
		cert := findSigner(sd.Signer, sd.Certificates)
		pub, _ := publicKey(cert)
		signed := append([]byte{}, sd.Signer.SignedAttrs...)
		signed[0] = 0x31
		if err := checkCMSSignature(pub, sd.Signer.DigestAlgorithm, sd.Signer.SignatureAlgorithm, signed, sd.Signer.Signature); err != nil {
			b.Fatal(err)
		}
		b.Run(alg, func(b *testing.B) {
			for b.Loop() {
				checkCMSSignature(pub, sd.Signer.DigestAlgorithm, sd.Signer.SignatureAlgorithm, signed, sd.Signer.Signature)
			}
		})
	}
	p := certtest.NewRoot(b, certtest.Options{})
	leaf, key := p.Leaf(b, certtest.Options{Key: "ed25519"})
	raw, _ := Sign([]byte("x"), leaf, key, SignOptions{})
	v := New(Config{Anchors: []Anchor{{Cert: p.Cert}}})
	b.Run("Ed25519-whole-VerifyCMS", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.VerifyCMS(context.Background(), raw, [][]byte{[]byte("x")}, []*x509.Certificate{}...); err != nil {
				b.Fatal(err)
			}
		}
	})
}
