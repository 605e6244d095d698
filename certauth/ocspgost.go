package certauth

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

var oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}

// parseOCSP reads an OCSP answer about cert and checks who signed it. For a
// GOST issuer, x/crypto/ocsp can read the answer but not verify it, so the
// signature (and a delegated responder's certificate) is checked here and the
// answer is then read without its certificates.
func (v *Verifier) parseOCSP(b []byte, cert, issuer *x509.Certificate) (*ocsp.Response, error) {
	if !IsGOST(issuer) {
		r, err := ocsp.ParseResponseForCert(b, cert, issuer)
		if err != nil {
			return nil, err
		}
		// x/crypto/ocsp checks that a delegated responder was issued by the CA,
		// but not that it was made for answering OCSP.
		if r.Certificate != nil && !r.Certificate.Equal(issuer) && !slices.Contains(r.Certificate.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return nil, errors.New("responder certificate lacks id-kp-OCSPSigning")
		}
		return r, nil
	}
	s := cryptobyte.String(b)
	var resp, responseBytes, inner, basicOctets cryptobyte.String
	var status int
	var typ asn1.ObjectIdentifier
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !resp.ReadASN1Enum(&status) {
		return nil, errors.New("malformed OCSP response")
	}
	if status != 0 {
		return ocsp.ParseResponseForCert(b, cert, nil) // x/crypto/ocsp reports the status as an error
	}
	if !resp.ReadASN1(&responseBytes, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!responseBytes.ReadASN1(&inner, cbasn1.SEQUENCE) || !inner.ReadASN1ObjectIdentifier(&typ) ||
		!inner.ReadASN1(&basicOctets, cbasn1.OCTET_STRING) || !typ.Equal(oidOCSPBasic) {
		return nil, errors.New("malformed OCSP response")
	}
	var basicRaw, basic, tbs, alg cryptobyte.String
	var sig asn1.BitString
	if !basicOctets.ReadASN1Element(&basicRaw, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed basic OCSP response")
	}
	basic = basicRaw
	if !basic.ReadASN1(&basic, cbasn1.SEQUENCE) || !basic.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!basic.ReadASN1Element(&alg, cbasn1.SEQUENCE) || !basic.ReadASN1BitString(&sig) {
		return nil, errors.New("malformed basic OCSP response")
	}
	signer := issuer
	var certs cryptobyte.String
	var present bool
	if !basic.ReadOptionalASN1(&certs, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errors.New("malformed OCSP responder certificates")
	}
	if present {
		var seq, first cryptobyte.String
		if !certs.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Element(&first, cbasn1.SEQUENCE) {
			return nil, errors.New("malformed OCSP responder certificates")
		}
		rc, err := x509.ParseCertificate(first)
		if err != nil {
			return nil, err
		}
		// A CA may answer itself; anyone else needs the CA's delegation.
		if !rc.Equal(issuer) {
			if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
				return nil, errors.New("responder certificate lacks id-kp-OCSPSigning")
			}
			if err := v.verified.check(issuer.Raw, rc.Raw, func() error {
				return checkSigned(rc.Raw, rc.RawTBSCertificate, rc.Signature, rc.SignatureAlgorithm, issuer)
			}); err != nil {
				return nil, err
			}
			now := v.cfg.Now()
			if now.Before(rc.NotBefore) || now.After(rc.NotAfter) {
				return nil, errors.New("responder certificate out of its validity")
			}
			signer = rc
		}
	}
	if err := checkSigned(basicRaw, tbs, sig.RightAlign(), x509.UnknownSignatureAlgorithm, signer); err != nil {
		return nil, err
	}
	// Read the verified answer with x/crypto/ocsp, without the certificates it
	// would try (and fail) to verify itself.
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(0)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidOCSPBasic)
				b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddBytes(tbs)
						b.AddBytes(alg)
						b.AddASN1BitString(sig.RightAlign())
					})
				})
			})
		})
	})
	stripped, err := out.Bytes()
	if err != nil {
		return nil, err
	}
	return ocsp.ParseResponseForCert(stripped, cert, nil)
}
