package connector

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/gost"
)

// esiaSigner makes ESIA's client_secret with the system's GOST key.
//
// What is signed (Методические рекомендации по использованию ЕСИА, sections
// on v2/ac and v3/te): the concatenation, without separators, of client_id,
// scope, timestamp, state and redirect_uri, and of the code at the token
// endpoint, as UTF-8. How: a GOST R 34.10-2012 signature with Streebog of
// the key's size. The v2/ac and v3/te endpoints take the bare signature
// value ("raw": what CryptoPro's csptest writes, byte-reversed, i.e. s‖r
// big-endian, the form Go's GOST code and OpenSSL's engine use), base64url;
// ESIA finds the certificate to check it by client_certificate_hash. The
// older /ac and /te endpoints took a detached CMS SignedData with the
// certificate inside (secret_format: cms). Both are made here with
// certauth's GOST code (certauth.Sign for CMS).
type esiaSigner struct {
	cert   *x509.Certificate
	key    *gost.PrivateKey
	format string
	// hash is client_certificate_hash.
	hash string
}

func loadESIASigner(c Config) (*esiaSigner, error) {
	certPEM, err := os.ReadFile(c.CertFile)
	if err != nil {
		return nil, fmt.Errorf("cert_file: %w", err)
	}
	certs, err := certauth.ParseCertificates(certPEM)
	if err != nil {
		return nil, fmt.Errorf("cert_file %s: %w", c.CertFile, err)
	}
	keyPEM, keyName := []byte(c.Key), "key"
	if c.KeyFile != "" {
		if keyPEM, err = os.ReadFile(c.KeyFile); err != nil {
			return nil, fmt.Errorf("key_file: %w", err)
		}
		keyName = "key_file " + c.KeyFile
	}
	key, err := parseGOSTKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyName, err)
	}
	s := &esiaSigner{cert: certs[0], key: key, format: c.SecretFormat, hash: strings.ToUpper(c.CertificateHash)}
	if s.format == "" {
		s.format = SecretRaw
	}
	if s.hash == "" {
		s.hash = certificateHash(s.cert)
	}
	// A key that is not the certificate's would make every sign-in fail at
	// ESIA with ESIA-007053; say so at start instead.
	pub, err := gost.ParsePublicKey(s.cert.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, fmt.Errorf("cert_file %s: %w", c.CertFile, err)
	}
	probe := []byte("vhod: key matches certificate")
	sig, err := key.Sign(rand.Reader, probe)
	if err != nil || pub.Verify(probe, sig) != nil {
		return nil, errors.New("key_file is not the private key of cert_file")
	}
	return s, nil
}

// parseGOSTKey reads the first PRIVATE KEY block of a PEM file (OpenSSL's
// GOST engine writes PKCS#8; keys taken out of a CryptoPro container with
// the usual tools come out the same way).
func parseGOSTKey(b []byte) (*gost.PrivateKey, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("no PRIVATE KEY block (an unencrypted PKCS#8 PEM is needed)")
		}
		if blk.Type == "PRIVATE KEY" {
			return gost.ParsePrivateKey(blk.Bytes)
		}
	}
}

// certificateHash is client_certificate_hash: the Streebog-256 (GOST R
// 34.11-2012, 256 bits) digest of the certificate's DER encoding, in hex.
// The methodology calls it the certificate's "fingerprint in hex" and points
// to ESIA's tooling; that tooling is CryptoPro's `cpverify -mk -alg
// GR3411_2012_256 cert.der`, which prints the digest in upper-case hex. The
// input is the DER, never the PEM file (a hash of the PEM text is refused
// with ESIA-007053, as ofstudio/go-api-epgu documents). The digest's bytes
// are in the order RFC 6986 and `openssl dgst -md_gost12_256` give; should a
// tool print another, certificate_hash in the config overrides this.
func certificateHash(c *x509.Certificate) string {
	h := gost.NewHash(256)
	h.Write(c.Raw)
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// secret signs the concatenation of parts.
func (s *esiaSigner) secret(parts ...string) (string, error) {
	content := []byte(strings.Join(parts, ""))
	var sig []byte
	var err error
	if s.format == SecretCMS {
		sig, err = certauth.Sign(content, s.cert, s.key, certauth.SignOptions{Detached: true})
	} else {
		sig, err = s.key.Sign(rand.Reader, content)
	}
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sig), nil
}

// esiaTokenKey checks ESIA's ID tokens: a GOST key (alg GOST3410_2012_256 or
// _512, the names ESIA's tech portal offers) or, where the system chose
// RS256 on the portal, RSA.
type esiaTokenKey struct {
	cert *x509.Certificate
}

func loadESIACert(path string) (*esiaTokenKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("provider_cert_file: %w", err)
	}
	certs, err := certauth.ParseCertificates(bytes.TrimSpace(b))
	if err != nil {
		return nil, fmt.Errorf("provider_cert_file %s: %w", path, err)
	}
	return &esiaTokenKey{cert: certs[0]}, nil
}
