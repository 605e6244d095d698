// Package gost is certauth's narrow window on GOST R 34.10-2012 signatures with
// Streebog (GOST R 34.11-2012) digests. The arithmetic is the gost package of
// github.com/deatil/go-cryptobin (Apache-2.0), which knows every parameter set by
// its OID and checks that points lie on the curve; this package adds the X.509 and
// CMS conventions around it, which are where interoperability breaks:
//
//   - the public key is X‖Y little-endian inside an OCTET STRING in the BIT STRING;
//   - the signature value is s‖r, big-endian;
//   - the digest is read as a little-endian number;
//   - a 256-bit key signs Streebog-256 digests, a 512-bit key Streebog-512 ones;
//   - signatureAlgorithm may name the key OID instead of the signature OID.
package gost

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"

	cg "github.com/deatil/go-cryptobin/gost"
	"github.com/deatil/go-cryptobin/hash/gost/gost34112012256"
	"github.com/deatil/go-cryptobin/hash/gost/gost34112012512"
)

// Object identifiers of GOST R 34.10-2012 keys and signatures and of Streebog.
var (
	OIDKey256       = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	OIDKey512       = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	OIDSignature256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
	OIDSignature512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}
	OIDStreebog256  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	OIDStreebog512  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
)

// ErrVerification means the signature does not match.
var ErrVerification = errors.New("gost: signature does not match")

// AlgorithmBits tells, for a signature or key algorithm OID, whether it is GOST
// R 34.10-2012 and of which key size (256 or 512).
func AlgorithmBits(oid asn1.ObjectIdentifier) (int, bool) {
	switch {
	case oid.Equal(OIDKey256), oid.Equal(OIDSignature256):
		return 256, true
	case oid.Equal(OIDKey512), oid.Equal(OIDSignature512):
		return 512, true
	}
	return 0, false
}

// DigestBits tells whether oid is Streebog and of which size.
func DigestBits(oid asn1.ObjectIdentifier) (int, bool) {
	switch {
	case oid.Equal(OIDStreebog256):
		return 256, true
	case oid.Equal(OIDStreebog512):
		return 512, true
	}
	return 0, false
}

// NewHash returns Streebog of the given size (256 or 512).
func NewHash(bits int) hash.Hash {
	if bits == 512 {
		return gost34112012512.New()
	}
	return gost34112012256.New()
}

// PublicKey is a GOST R 34.10-2012 public key.
type PublicKey struct {
	key  *cg.PublicKey
	Bits int // 256 or 512
}

// ParsePublicKey reads a SubjectPublicKeyInfo (DER) of a GOST R 34.10-2012 key.
// GOST R 34.10-2001 keys are refused: their certificates are no longer issued.
func ParsePublicKey(spki []byte) (*PublicKey, error) {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(spki, &info); err != nil || len(rest) != 0 {
		return nil, errors.New("gost: malformed public key info")
	}
	bits, ok := AlgorithmBits(info.Algorithm.Algorithm)
	if !ok || info.Algorithm.Algorithm.Equal(OIDSignature256) || info.Algorithm.Algorithm.Equal(OIDSignature512) {
		return nil, fmt.Errorf("gost: %v is not a GOST R 34.10-2012 key", info.Algorithm.Algorithm)
	}
	key, err := parseKey(spki)
	if err != nil {
		return nil, err
	}
	if got := 8 * key.Curve.PointSize(); got != bits {
		return nil, fmt.Errorf("gost: a %d-bit curve under a %d-bit key OID", got, bits)
	}
	return &PublicKey{key: key, Bits: bits}, nil
}

// parseKey calls the library, which panics on some malformed points instead of
// failing; outside input must never take the process down.
func parseKey(spki []byte) (key *cg.PublicKey, err error) {
	defer func() {
		if recover() != nil {
			key, err = nil, errors.New("gost: malformed public key")
		}
	}()
	key, err = cg.ParsePublicKey(spki)
	if err != nil {
		return nil, fmt.Errorf("gost: %w", err)
	}
	return key, nil
}

// VerifyDigest checks sig (s‖r, big-endian) over a Streebog digest of the key's size.
func (k *PublicKey) VerifyDigest(digest, sig []byte) error {
	if len(digest) != k.Bits/8 {
		return fmt.Errorf("gost: a %d-byte digest for a %d-bit key", len(digest), k.Bits)
	}
	ok, err := k.key.Verify(digest, sig)
	if err != nil {
		return fmt.Errorf("gost: %w", err)
	}
	if !ok {
		return ErrVerification
	}
	return nil
}

// Verify hashes msg with the Streebog of the key's size and checks sig.
func (k *PublicKey) Verify(msg, sig []byte) error {
	h := NewHash(k.Bits)
	h.Write(msg)
	return k.VerifyDigest(h.Sum(nil), sig)
}

// PrivateKey is a GOST R 34.10-2012 private key, for `vhod sign` and tests.
type PrivateKey struct {
	key  *cg.PrivateKey
	Bits int
}

// ParsePrivateKey reads a PKCS#8 GOST R 34.10-2012 private key as OpenSSL's GOST
// engine writes it: the key is an OCTET STRING of little-endian bytes (or, from
// some tools, an INTEGER).
func ParsePrivateKey(der []byte) (*PrivateKey, error) {
	var p8 struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		PrivateKey []byte
		Attributes asn1.RawValue `asn1:"optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &p8); err != nil {
		return nil, errors.New("gost: malformed PKCS#8 key")
	}
	bits, ok := AlgorithmBits(p8.Algorithm.Algorithm)
	if !ok {
		return nil, errors.New("gost: not a GOST R 34.10-2012 key")
	}
	var params struct {
		Curve  asn1.ObjectIdentifier
		Digest asn1.ObjectIdentifier `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(p8.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, errors.New("gost: malformed key parameters")
	}
	curve := cg.NamedCurveFromOid(params.Curve)
	if curve == nil {
		return nil, fmt.Errorf("gost: unknown parameter set %v", params.Curve)
	}
	// The key is its little-endian bytes, bare (OpenSSL's engine) or wrapped in an
	// OCTET STRING; some tools write a big-endian INTEGER instead.
	le := p8.PrivateKey
	if len(le) != curve.PointSize() {
		var inner asn1.RawValue
		if rest, err := asn1.Unmarshal(p8.PrivateKey, &inner); err != nil || len(rest) != 0 {
			return nil, errors.New("gost: malformed private key")
		}
		switch inner.Tag {
		case asn1.TagOctetString:
			le = inner.Bytes
		case asn1.TagInteger:
			le = cg.Reverse(inner.Bytes)
		default:
			return nil, errors.New("gost: malformed private key")
		}
	}
	key, err := cg.NewPrivateKey(curve, le)
	if err != nil {
		return nil, fmt.Errorf("gost: %w", err)
	}
	if got := 8 * curve.PointSize(); got != bits {
		return nil, fmt.Errorf("gost: a %d-bit curve under a %d-bit key OID", got, bits)
	}
	return &PrivateKey{key: key, Bits: bits}, nil
}

// Sign hashes msg with the key's Streebog and returns s‖r.
func (k *PrivateKey) Sign(rand io.Reader, msg []byte) ([]byte, error) {
	h := NewHash(k.Bits)
	h.Write(msg)
	return k.key.Sign(rand, h.Sum(nil), nil)
}

// MarshalPublicKey returns the SubjectPublicKeyInfo of the key's public half.
func (k *PrivateKey) MarshalPublicKey() ([]byte, error) {
	return cg.MarshalPublicKey(&k.key.PublicKey)
}
