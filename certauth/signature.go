package certauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vhod-id/vhod/certauth/gost"
)

// publicKey returns the certificate's key: what crypto/x509 parsed, or a GOST key.
func publicKey(c *x509.Certificate) (crypto.PublicKey, error) {
	if c.PublicKey != nil {
		return c.PublicKey, nil
	}
	k, err := gost.ParsePublicKey(c.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, refuse(ReasonUnsupported, "public key of %q: %v", c.Subject.CommonName, err)
	}
	return k, nil
}

// IsGOST tells whether the certificate carries a GOST R 34.10-2012 key.
func IsGOST(c *x509.Certificate) bool {
	_, err := gost.ParsePublicKey(c.RawSubjectPublicKeyInfo)
	return err == nil
}

// outerAlgorithm reads the signatureAlgorithm of a signed X.509 structure
// (certificate, CRL, OCSP basic response): SEQUENCE { tbs, algorithm, signature }.
func outerAlgorithm(der []byte) (asn1.ObjectIdentifier, error) {
	s := cryptobyte.String(der)
	var seq, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.SkipASN1(cbasn1.SEQUENCE) ||
		!seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("malformed signed structure")
	}
	return oid, nil
}

// checkSigned verifies the signature of a certificate, CRL or OCSP answer (the
// outer structure der, its tbs bytes and signature) by issuer. std is what
// crypto/x509 recognised; GOST algorithms come back unknown and are checked here.
func checkSigned(der, tbs, sig []byte, std x509.SignatureAlgorithm, issuer *x509.Certificate) error {
	oid, err := outerAlgorithm(der)
	if err != nil {
		return refuse(ReasonMalformed, "%v", err)
	}
	if bits, ok := gost.AlgorithmBits(oid); ok {
		k, err := gost.ParsePublicKey(issuer.RawSubjectPublicKeyInfo)
		if err != nil {
			return refuse(ReasonBadSignature, "GOST signature by a non-GOST key: %v", err)
		}
		if k.Bits != bits {
			return refuse(ReasonBadSignature, "a %d-bit GOST signature by a %d-bit key", bits, k.Bits)
		}
		if err := k.Verify(tbs, sig); err != nil {
			return refuse(ReasonBadSignature, "%v", err)
		}
		return nil
	}
	if std == x509.UnknownSignatureAlgorithm {
		return refuse(ReasonUnsupported, "signature algorithm %v", oid)
	}
	if err := issuer.CheckSignature(std, tbs, sig); err != nil {
		var insecure x509.InsecureAlgorithmError
		if errors.As(err, &insecure) || errors.Is(err, x509.ErrUnsupportedAlgorithm) {
			return refuse(ReasonUnsupported, "%v", err)
		}
		return refuse(ReasonBadSignature, "%v", err)
	}
	return nil
}

// Object identifiers of CMS signature and digest algorithms.
var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
)

// digester makes the hash a CMS digestAlgorithm names. SHA-1 and MD5 are refused.
type digester struct {
	std  crypto.Hash // for RSA, ECDSA, Ed25519
	gost int         // Streebog size, when GOST
}

func digestAlgorithm(oid asn1.ObjectIdentifier) (digester, error) {
	switch {
	case oid.Equal(oidSHA256):
		return digester{std: crypto.SHA256}, nil
	case oid.Equal(oidSHA384):
		return digester{std: crypto.SHA384}, nil
	case oid.Equal(oidSHA512):
		return digester{std: crypto.SHA512}, nil
	}
	if bits, ok := gost.DigestBits(oid); ok {
		return digester{gost: bits}, nil
	}
	return digester{}, refuse(ReasonUnsupported, "digest algorithm %v", oid)
}

func (d digester) sum(b []byte) []byte {
	if d.gost != 0 {
		h := gost.NewHash(d.gost)
		h.Write(b)
		return h.Sum(nil)
	}
	h := d.std.New()
	h.Write(b)
	return h.Sum(nil)
}

// checkCMSSignature verifies a SignerInfo's signature over signed (the signed
// attributes, or the content itself when there are none) with the signer's key.
// CMS names the digest and the signature algorithm apart, and signers write the
// latter loosely (rsaEncryption, or a GOST key OID), so the key decides the scheme
// and the algorithms must agree with it.
func checkCMSSignature(pub crypto.PublicKey, digestAlg, sigAlg pkix.AlgorithmIdentifier, signed, sig []byte) error {
	d, err := digestAlgorithm(digestAlg.Algorithm)
	if err != nil {
		return err
	}
	alg := sigAlg.Algorithm
	bad := func(err error) error { return refuse(ReasonBadSignature, "%v", err) }
	mismatch := func() error {
		return refuse(ReasonUnsupported, "signature algorithm %v with digest %v for a %T key", alg, digestAlg.Algorithm, pub)
	}
	switch k := pub.(type) {
	case *gost.PublicKey:
		bits, ok := gost.AlgorithmBits(alg)
		if !ok || bits != k.Bits || d.gost != k.Bits {
			return mismatch()
		}
		if err := k.VerifyDigest(d.sum(signed), sig); err != nil {
			return bad(err)
		}
	case *rsa.PublicKey:
		if d.std == 0 {
			return mismatch()
		}
		if alg.Equal(oidRSAPSS) {
			opts, err := pssOptions(sigAlg, d.std)
			if err != nil {
				return err
			}
			if err := rsa.VerifyPSS(k, d.std, d.sum(signed), sig, opts); err != nil {
				return bad(err)
			}
			return nil
		}
		if !alg.Equal(oidRSAEncryption) && !alg.Equal(map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA}[d.std]) {
			return mismatch()
		}
		if err := rsa.VerifyPKCS1v15(k, d.std, d.sum(signed), sig); err != nil {
			return bad(err)
		}
	case *ecdsa.PublicKey:
		want := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidECDSASHA256, crypto.SHA384: oidECDSASHA384, crypto.SHA512: oidECDSASHA512}[d.std]
		if d.std == 0 || (!alg.Equal(want) && !alg.Equal(oidECPublicKey)) {
			return mismatch()
		}
		if !ecdsa.VerifyASN1(k, d.sum(signed), sig) {
			return bad(errors.New("ECDSA signature does not match"))
		}
	case ed25519.PublicKey:
		// RFC 8419: pure Ed25519 over the signed bytes; SHA-512 for messageDigest.
		if !alg.Equal(oidEd25519) || d.std != crypto.SHA512 {
			return mismatch()
		}
		if !ed25519.Verify(k, signed, sig) {
			return bad(errors.New("Ed25519 signature does not match"))
		}
	default:
		return mismatch()
	}
	return nil
}

// pssOptions reads RSASSA-PSS-params; the hash and MGF1 hash must be the digest's.
func pssOptions(alg pkix.AlgorithmIdentifier, h crypto.Hash) (*rsa.PSSOptions, error) {
	var p struct {
		Hash         pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
		MGF          pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
		SaltLength   int                      `asn1:"explicit,optional,default:20,tag:2"`
		TrailerField int                      `asn1:"explicit,optional,default:1,tag:3"`
	}
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
		return nil, refuse(ReasonMalformed, "RSASSA-PSS parameters: %v", err)
	}
	hd, err := digestAlgorithm(p.Hash.Algorithm)
	if err != nil || hd.std != h || !p.MGF.Algorithm.Equal(oidMGF1) || p.TrailerField != 1 {
		return nil, refuse(ReasonUnsupported, "RSASSA-PSS parameters other than the digest's hash")
	}
	var mgfHash pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil {
		return nil, refuse(ReasonMalformed, "MGF1 parameters: %v", err)
	}
	if md, err := digestAlgorithm(mgfHash.Algorithm); err != nil || md.std != h {
		return nil, refuse(ReasonUnsupported, "MGF1 with another hash")
	}
	return &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}, nil
}

// keyDescription names a key for logs and pages: "GOST R 34.10-2012 256", "ECDSA P-256".
func keyDescription(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *gost.PublicKey:
		return fmt.Sprintf("GOST R 34.10-2012 %d", k.Bits)
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return "unknown"
}

// KeyDescription names a certificate's key ("GOST R 34.10-2012 256", "RSA 2048").
func KeyDescription(c *x509.Certificate) string {
	pub, err := publicKey(c)
	if err != nil {
		return "unsupported"
	}
	return keyDescription(pub)
}
