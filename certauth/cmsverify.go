package certauth

import (
	"bytes"
	"context"
	"crypto/x509"
	"time"
)

// Signed is a verified CMS signature and its signer's verified certificate.
type Signed struct {
	*Result
	// Content is what was signed: the attached content, or the candidate a
	// detached signature matched.
	Content     []byte
	SigningTime time.Time
}

// VerifyCMS checks a CMS SignedData (DER, BER, PEM or base64). A detached
// signature must cover one of candidates; an attached one must carry one of them
// when any are given. known adds certificates the signature may not carry.
func (v *Verifier) VerifyCMS(ctx context.Context, raw []byte, candidates [][]byte, known ...*x509.Certificate) (*Signed, error) {
	sd, err := ParseCMS(raw)
	if err != nil {
		return nil, err
	}
	pool := append(append([]*x509.Certificate{}, sd.Certificates...), known...)
	cert := findSigner(sd.Signer, pool)
	if cert == nil {
		return nil, refuse(ReasonSignerNotFound, "the signer's certificate is not in the signature")
	}
	contents := candidates
	if sd.Content != nil {
		if len(candidates) > 0 && !containsBytes(candidates, sd.Content) {
			return nil, refuse(ReasonContentMismatch, "the signature carries other content")
		}
		contents = [][]byte{sd.Content}
	}
	if len(contents) == 0 {
		return nil, refuse(ReasonMalformed, "a detached signature without its content")
	}
	pub, err := publicKey(cert)
	if err != nil {
		return nil, err
	}
	si := sd.Signer
	var content []byte
	if si.SignedAttrs == nil {
		if !sd.ContentType.Equal(oidData) {
			return nil, refuse(ReasonMalformed, "content type %v without signed attributes", sd.ContentType)
		}
		for _, c := range contents {
			if err = checkCMSSignature(pub, si.DigestAlgorithm, si.SignatureAlgorithm, c, si.Signature); err == nil {
				content = c
				break
			}
		}
		if content == nil {
			return nil, err
		}
	} else {
		// What was signed is the attributes as received, tagged as a SET.
		signed := append([]byte{}, si.SignedAttrs...)
		signed[0] = 0x31
		if err := checkCMSSignature(pub, si.DigestAlgorithm, si.SignatureAlgorithm, signed, si.Signature); err != nil {
			return nil, err
		}
		if si.AttrContentType == nil || !si.AttrContentType.Equal(sd.ContentType) || si.MessageDigest == nil {
			return nil, refuse(ReasonMalformed, "signed attributes without contentType or messageDigest")
		}
		d, err := digestAlgorithm(si.DigestAlgorithm.Algorithm)
		if err != nil {
			return nil, err
		}
		for _, c := range contents {
			if bytes.Equal(d.sum(c), si.MessageDigest) {
				content = c
				break
			}
		}
		if content == nil {
			if sd.Content != nil {
				return nil, refuse(ReasonBadSignature, "messageDigest does not match the content")
			}
			return nil, refuse(ReasonContentMismatch, "the signature is of other content")
		}
		if err := v.checkSigningTime(si.SigningTime, cert); err != nil {
			return nil, err
		}
	}
	res, err := v.Verify(ctx, cert, pool, PurposeSigning)
	if err != nil {
		return nil, err
	}
	return &Signed{Result: res, Content: content, SigningTime: si.SigningTime}, nil
}

// checkSigningTime: a signingTime, when present, must be recent, not in the
// future, and within the certificate's validity.
func (v *Verifier) checkSigningTime(t time.Time, cert *x509.Certificate) error {
	if t.IsZero() {
		return nil
	}
	now := v.cfg.Now()
	if t.After(now.Add(v.cfg.SigningTimeSkew)) || t.Before(now.Add(-v.cfg.MaxSignatureAge-v.cfg.SigningTimeSkew)) {
		return refuse(ReasonSigningTime, "signed at %s", t.UTC().Format(time.RFC3339))
	}
	if t.Before(cert.NotBefore) || t.After(cert.NotAfter) {
		return refuse(ReasonExpired, "signed at %s, outside the certificate's validity", t.UTC().Format(time.RFC3339))
	}
	return nil
}

func findSigner(si SignerInfo, pool []*x509.Certificate) *x509.Certificate {
	for _, c := range pool {
		switch {
		case si.IssuerSerial != nil:
			if bytes.Equal(c.RawIssuer, si.IssuerSerial.RawIssuer) && c.SerialNumber.Cmp(si.IssuerSerial.Serial) == 0 {
				return c
			}
		case len(si.SubjectKeyID) > 0:
			if bytes.Equal(c.SubjectKeyId, si.SubjectKeyID) {
				return c
			}
		}
	}
	return nil
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}
