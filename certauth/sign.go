package certauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vhod-id/vhod/certauth/gost"
)

// SignOptions shape a CMS signature made by Sign.
type SignOptions struct {
	Detached bool
	// Chain adds certificates (the issuing CAs) after the signer's.
	Chain []*x509.Certificate
	// Time is the signingTime attribute (now when zero).
	Time time.Time
	// PSS signs with RSASSA-PSS (SHA-256, salt of the hash's length) instead of
	// PKCS#1 v1.5; RSA keys only.
	PSS bool
}

// Sign makes a CMS SignedData (DER) of content with signed attributes
// (contentType, signingTime, messageDigest), as `openssl cms -sign -binary` and
// the CryptoPro plug-in make them. key is an *rsa.PrivateKey (PKCS#1 v1.5,
// SHA-256), *ecdsa.PrivateKey (SHA-256 for P-256, SHA-384 for P-384),
// ed25519.PrivateKey or *gost.PrivateKey (Streebog of the key's size).
func Sign(content []byte, cert *x509.Certificate, key any, o SignOptions) ([]byte, error) {
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	digestOID, sigOID, d, err := signAlgorithms(key)
	if err != nil {
		return nil, err
	}
	var sigParams []byte
	if o.PSS {
		if _, ok := key.(*rsa.PrivateKey); !ok {
			return nil, errors.New("certauth: PSS needs an RSA key")
		}
		sigOID, sigParams = oidRSAPSS, pssParamsSHA256
	}
	attrs, err := signedAttributes(d.sum(content), o.Time)
	if err != nil {
		return nil, err
	}
	var sig []byte
	switch k := key.(type) {
	case *gost.PrivateKey:
		sig, err = k.Sign(rand.Reader, attrs)
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, attrs)
	case crypto.Signer:
		var opts crypto.SignerOpts = d.std
		if o.PSS {
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: d.std}
		}
		sig, err = k.Sign(rand.Reader, d.sum(attrs), opts)
	}
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlgorithm(b, digestOID, false) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidData)
					if !o.Detached {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(content)
						})
					}
				})
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(cert.Raw)
					for _, c := range o.Chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						addAlgorithm(b, digestOID, false)
						implicit := append([]byte{}, attrs...)
						implicit[0] = 0xA0
						b.AddBytes(implicit)
						if sigParams != nil {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1ObjectIdentifier(sigOID)
								b.AddBytes(sigParams)
							})
						} else {
							addAlgorithm(b, sigOID, sigOID.Equal(oidRSAEncryption))
						}
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	return b.Bytes()
}

func signAlgorithms(key any) (digestOID, sigOID asn1.ObjectIdentifier, d digester, err error) {
	switch k := key.(type) {
	case *gost.PrivateKey:
		if k.Bits == 512 {
			return gost.OIDStreebog512, gost.OIDKey512, digester{gost: 512}, nil
		}
		return gost.OIDStreebog256, gost.OIDKey256, digester{gost: 256}, nil
	case *rsa.PrivateKey:
		return oidSHA256, oidRSAEncryption, digester{std: crypto.SHA256}, nil
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P384() {
			return oidSHA384, oidECDSASHA384, digester{std: crypto.SHA384}, nil
		}
		return oidSHA256, oidECDSASHA256, digester{std: crypto.SHA256}, nil
	case ed25519.PrivateKey:
		return oidSHA512, oidEd25519, digester{std: crypto.SHA512}, nil
	}
	return nil, nil, digester{}, errors.New("certauth: unsupported signing key")
}

func addAlgorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

// signedAttributes encodes the attributes as the DER SET OF that is signed:
// elements sorted by their encodings.
func signedAttributes(digest []byte, at time.Time) ([]byte, error) {
	var elems [][]byte
	add := func(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) error {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
		e, err := b.Bytes()
		elems = append(elems, e)
		return err
	}
	if err := add(oidAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }); err != nil {
		return nil, err
	}
	if err := add(oidAttrSigningTime, func(b *cryptobyte.Builder) { b.AddASN1UTCTime(at.UTC().Truncate(time.Second)) }); err != nil {
		return nil, err
	}
	if err := add(oidAttrDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }); err != nil {
		return nil, err
	}
	slices.SortFunc(elems, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, e := range elems {
			b.AddBytes(e)
		}
	})
	return b.Bytes()
}

// pssParamsSHA256 is RSASSA-PSS-params for SHA-256, MGF1 with SHA-256 and a
// 32-byte salt (RFC 4055), DER.
var pssParamsSHA256 = func() []byte {
	var b cryptobyte.Builder
	sha256Alg := func(b *cryptobyte.Builder) { addAlgorithm(b, oidSHA256, true) }
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), sha256Alg)
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidMGF1)
				sha256Alg(b)
			})
		})
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(32) })
	})
	return b.BytesOrPanic()
}()
