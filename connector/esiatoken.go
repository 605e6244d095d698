package connector

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"

	"github.com/vhod-id/vhod/certauth/gost"
)

// ESIA's names for its ID token signatures (the "alg" header).
const (
	algGOST256 = "GOST3410_2012_256"
	algGOST512 = "GOST3410_2012_512"
	algRS256   = "RS256"
)

// verify checks t's signature with ESIA's certificate. The algorithm must
// fit the certificate's key: "alg" is the token's claim, the key is ours.
func (k *esiaTokenKey) verify(t *jwt) error {
	alg := claimString(t.Header["alg"])
	switch alg {
	case algGOST256, algGOST512:
		pub, err := gost.ParsePublicKey(k.cert.RawSubjectPublicKeyInfo)
		if err != nil {
			return fmt.Errorf("alg %s with a certificate whose key is not GOST: %w", alg, err)
		}
		if (alg == algGOST512) != (pub.Bits == 512) {
			return fmt.Errorf("alg %s with a %d-bit key", alg, pub.Bits)
		}
		// ESIA's signature is s‖r big-endian, as in X.509 and CMS.
		return pub.Verify(t.SigningInput, t.Signature)
	case algRS256:
		pub, ok := k.cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("alg RS256 with a certificate whose key is not RSA")
		}
		sum := sha256.Sum256(t.SigningInput)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], t.Signature)
	}
	return fmt.Errorf("alg %q is not one ESIA signs with", alg)
}
