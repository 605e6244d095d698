package certauth

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxCMSBytes bounds a signature taken from outside: a challenge signature with
// its chain is a few kilobytes.
const MaxCMSBytes = 256 << 10

// maxCMSCertificates bounds the certificates a signature may carry: a signer
// sends its chain, a handful; each one costs parsing and chain building.
const maxCMSCertificates = 16

var (
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidAttrContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrDigest      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// SignedData is a parsed CMS SignedData (RFC 5652) with one signer.
type SignedData struct {
	ContentType  asn1.ObjectIdentifier
	Content      []byte // nil when detached
	Certificates []*x509.Certificate
	Signer       SignerInfo
}

// SignerInfo is the signer's part. SignedAttrs keeps the bytes as received: the
// signature covers them with the first byte turned into a SET tag, and
// re-encoding would break signatures of signers that do not sort or that encode
// differently.
type SignerInfo struct {
	IssuerSerial       *issuerSerial // issuerAndSerialNumber, or
	SubjectKeyID       []byte        // subjectKeyIdentifier
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        []byte // [0] IMPLICIT SET OF Attribute, raw; nil when absent
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte

	// From the signed attributes:
	AttrContentType asn1.ObjectIdentifier
	MessageDigest   []byte
	SigningTime     time.Time
}

type issuerSerial struct {
	RawIssuer []byte
	Serial    *big.Int
}

// ParseCMS reads a SignedData in DER, BER (indefinite lengths, as `openssl cms
// -stream` writes), PEM or base64 (wrapped or not).
func ParseCMS(in []byte) (*SignedData, error) {
	if len(in) > MaxCMSBytes*2 {
		return nil, refuse(ReasonTooLarge, "signature larger than %d bytes", MaxCMSBytes)
	}
	der, err := decodeArmour(in)
	if err != nil {
		return nil, refuse(ReasonMalformed, "%v", err)
	}
	if len(der) > MaxCMSBytes {
		return nil, refuse(ReasonTooLarge, "signature larger than %d bytes", MaxCMSBytes)
	}
	// Everything goes through the converter, DER as well (it comes out
	// unchanged): its limits then bound every signature, whatever its encoding.
	converted, err := berToDER(der)
	if errors.Is(err, errTooComplex) {
		return nil, refuse(ReasonTooLarge, "signature %v", err)
	}
	if err != nil {
		return nil, refuse(ReasonMalformed, "not a CMS SignedData: %v", err)
	}
	sd, err := parseSignedData(converted)
	if errors.Is(err, errTooComplex) {
		return nil, refuse(ReasonTooLarge, "%v", err)
	}
	if err != nil {
		return nil, refuse(ReasonMalformed, "not a CMS SignedData: %v", err)
	}
	return sd, nil
}

// decodeArmour turns PEM or base64 text into DER; DER passes through.
func decodeArmour(in []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(in)
	if len(trimmed) == 0 {
		return nil, errors.New("empty signature")
	}
	if trimmed[0] == 0x30 {
		return in, nil
	}
	if blk, _ := pem.Decode(trimmed); blk != nil {
		return blk.Bytes, nil
	}
	compact := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, trimmed)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(string(compact)); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("neither DER, PEM nor base64")
}

func parseSignedData(der []byte) (*SignedData, error) {
	s := cryptobyte.String(der)
	var ci, content, sd cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ctype) || !ci.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errors.New("malformed ContentInfo")
	}
	if !ctype.Equal(oidSignedData) {
		return nil, fmt.Errorf("content type %v is not signedData", ctype)
	}
	if !content.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed SignedData")
	}
	var version int
	var digestAlgs, encap, signerInfos cryptobyte.String
	if !sd.ReadASN1Integer(&version) || !sd.ReadASN1(&digestAlgs, cbasn1.SET) || !sd.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed SignedData")
	}
	out := &SignedData{}
	if !encap.ReadASN1ObjectIdentifier(&out.ContentType) {
		return nil, errors.New("malformed encapsulated content")
	}
	var econtent cryptobyte.String
	var present bool
	if !encap.ReadOptionalASN1(&econtent, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errors.New("malformed encapsulated content")
	}
	if present {
		c, err := octets(econtent)
		if err != nil {
			return nil, err
		}
		out.Content = c
	}
	var certs cryptobyte.String
	if !sd.ReadOptionalASN1(&certs, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errors.New("malformed certificates")
	}
	for present && !certs.Empty() {
		var raw cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&raw, &tag) {
			return nil, errors.New("malformed certificates")
		}
		if tag != cbasn1.SEQUENCE {
			continue // attribute certificates and other choices are not ours
		}
		if len(out.Certificates) == maxCMSCertificates {
			return nil, fmt.Errorf("%w: more than %d certificates", errTooComplex, maxCMSCertificates)
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, fmt.Errorf("certificate in the signature: %w", err)
		}
		out.Certificates = append(out.Certificates, c)
	}
	var skipped cryptobyte.String
	if !sd.ReadOptionalASN1(&skipped, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
		!sd.ReadASN1(&signerInfos, cbasn1.SET) {
		return nil, errors.New("malformed SignedData")
	}
	var si cryptobyte.String
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) {
		return nil, errors.New("no signer")
	}
	if !signerInfos.Empty() {
		return nil, errors.New("more than one signer")
	}
	signer, err := parseSignerInfo(si)
	if err != nil {
		return nil, err
	}
	out.Signer = *signer
	return out, nil
}

// octets reads an OCTET STRING. The converter has made a constructed one (as
// streaming signers write attached content) primitive.
func octets(s cryptobyte.String) ([]byte, error) {
	var raw cryptobyte.String
	if !s.ReadASN1(&raw, cbasn1.OCTET_STRING) {
		return nil, errors.New("content is not an OCTET STRING")
	}
	return append([]byte{}, raw...), nil
}

func parseSignerInfo(si cryptobyte.String) (*SignerInfo, error) {
	out := &SignerInfo{}
	var version int
	if !si.ReadASN1Integer(&version) {
		return nil, errors.New("malformed SignerInfo")
	}
	var sid cryptobyte.String
	var tag cbasn1.Tag
	if !si.ReadAnyASN1Element(&sid, &tag) {
		return nil, errors.New("malformed signer identifier")
	}
	switch tag {
	case cbasn1.SEQUENCE:
		var inner, issuer cryptobyte.String
		serial := new(big.Int)
		if !sid.ReadASN1(&inner, cbasn1.SEQUENCE) || !inner.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !inner.ReadASN1Integer(serial) {
			return nil, errors.New("malformed issuerAndSerialNumber")
		}
		out.IssuerSerial = &issuerSerial{RawIssuer: issuer, Serial: serial}
	case cbasn1.Tag(0).ContextSpecific():
		var ski cryptobyte.String
		if !sid.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return nil, errors.New("malformed subjectKeyIdentifier")
		}
		out.SubjectKeyID = ski
	default:
		return nil, errors.New("unknown signer identifier")
	}
	var err error
	if out.DigestAlgorithm, err = readAlgorithm(&si); err != nil {
		return nil, err
	}
	if attrTag := cbasn1.Tag(0).Constructed().ContextSpecific(); si.PeekASN1Tag(attrTag) {
		var attrs cryptobyte.String
		if !si.ReadASN1Element(&attrs, attrTag) {
			return nil, errors.New("malformed signed attributes")
		}
		out.SignedAttrs = append([]byte{}, attrs...)
		if err := out.readAttributes(); err != nil {
			return nil, err
		}
	}
	if out.SignatureAlgorithm, err = readAlgorithm(&si); err != nil {
		return nil, err
	}
	var sig cryptobyte.String
	if !si.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return nil, errors.New("malformed signature value")
	}
	out.Signature = sig
	return out, nil
}

func readAlgorithm(s *cryptobyte.String) (pkix.AlgorithmIdentifier, error) {
	var raw cryptobyte.String
	var a pkix.AlgorithmIdentifier
	if !s.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
		return a, errors.New("malformed algorithm identifier")
	}
	if rest, err := asn1.Unmarshal(raw, &a); err != nil || len(rest) != 0 {
		return a, errors.New("malformed algorithm identifier")
	}
	return a, nil
}

// readAttributes picks contentType, messageDigest and signingTime out of the
// signed attributes; each must appear at most once, with one value.
func (si *SignerInfo) readAttributes() error {
	s := cryptobyte.String(si.SignedAttrs)
	var set cryptobyte.String
	if !s.ReadASN1(&set, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return errors.New("malformed signed attributes")
	}
	seen := map[string]bool{}
	for !set.Empty() {
		var attr, values, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		var tag cbasn1.Tag
		if !set.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) || !attr.ReadASN1(&values, cbasn1.SET) {
			return errors.New("malformed signed attribute")
		}
		if seen[oid.String()] {
			return fmt.Errorf("attribute %v twice", oid)
		}
		seen[oid.String()] = true
		if !values.ReadAnyASN1Element(&value, &tag) {
			return fmt.Errorf("attribute %v without a value", oid)
		}
		single := values.Empty()
		switch {
		case oid.Equal(oidAttrContentType):
			if !single || !value.ReadASN1ObjectIdentifier(&si.AttrContentType) {
				return errors.New("malformed contentType attribute")
			}
		case oid.Equal(oidAttrDigest):
			var d cryptobyte.String
			if !single || !value.ReadASN1(&d, cbasn1.OCTET_STRING) {
				return errors.New("malformed messageDigest attribute")
			}
			si.MessageDigest = d
		case oid.Equal(oidAttrSigningTime):
			var t time.Time
			if !single {
				return errors.New("malformed signingTime attribute")
			}
			switch tag {
			case cbasn1.UTCTime:
				if !value.ReadASN1UTCTime(&t) {
					return errors.New("malformed signingTime attribute")
				}
			case cbasn1.GeneralizedTime:
				if !value.ReadASN1GeneralizedTime(&t) {
					return errors.New("malformed signingTime attribute")
				}
			default:
				return errors.New("malformed signingTime attribute")
			}
			si.SigningTime = t
		}
	}
	return nil
}
