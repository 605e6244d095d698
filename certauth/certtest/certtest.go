// Package certtest makes throw-away PKIs for tests, like net/http/httptest: a
// root, intermediates, leaves with chosen key types, usages and validity, CRLs
// and OCSP answers. Certificates are made at test time so none expire in the
// repository.
package certtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// CA is a certificate authority of a test.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// CRLURL and OCSPURL, when set, go into the certificates this CA issues.
	CRLURL, OCSPURL string
}

var serial atomic.Int64

// nextSerial is unique within the process and positive.
func nextSerial() *big.Int {
	return new(big.Int).Add(new(big.Int).Lsh(big.NewInt(time.Now().UnixNano()), 16), big.NewInt(serial.Add(1)))
}

// Options describe a certificate; zero values give a typical one.
type Options struct {
	Key          string // "ecdsa" (P-256, default), "p384", "rsa", "ed25519"
	CommonName   string
	Names        []pkix.AttributeTypeAndValue // extra subject attributes (SNILS, INN…)
	NotBefore    time.Time                    // default: an hour ago
	NotAfter     time.Time                    // default: in a year
	KeyUsage     x509.KeyUsage                // default for leaves: digitalSignature | nonRepudiation
	ExtKeyUsage  []x509.ExtKeyUsage           // default for leaves: clientAuth, emailProtection
	EmailAddress string
	// DNSNames and IPAddresses make a TLS server certificate (with serverAuth).
	DNSNames    []string
	IPAddresses []net.IP
}

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "rsa":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (o Options) times() (time.Time, time.Time) {
	nb, na := o.NotBefore, o.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = time.Now().Add(365 * 24 * time.Hour)
	}
	return nb, na
}

func keyID(pub crypto.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha1.Sum(der)
	return sum[:]
}

// NewRoot makes a self-signed root CA.
func NewRoot(t testing.TB, o Options) *CA {
	t.Helper()
	if o.CommonName == "" {
		o.CommonName = "Test Root CA"
	}
	key := newKey(t, o.Key)
	nb, na := o.times()
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: o.CommonName, Organization: []string{"Vhod tests"}},
		NotBefore: nb, NotAfter: na, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: keyID(key.Public()),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &CA{Cert: c, Key: key}
}

// Intermediate makes an issuing CA under ca (pathlen 0).
func (ca *CA) Intermediate(t testing.TB, o Options) *CA {
	t.Helper()
	if o.CommonName == "" {
		o.CommonName = "Test Issuing CA"
	}
	key := newKey(t, o.Key)
	nb, na := o.times()
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: o.CommonName, Organization: []string{"Vhod tests"}},
		NotBefore: nb, NotAfter: na, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: keyID(key.Public()),
	}
	ca.addURLs(tmpl)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &CA{Cert: c, Key: key}
}

func (ca *CA) addURLs(tmpl *x509.Certificate) {
	if ca.CRLURL != "" {
		tmpl.CRLDistributionPoints = []string{ca.CRLURL}
	}
	if ca.OCSPURL != "" {
		tmpl.OCSPServer = []string{ca.OCSPURL}
	}
}

// Leaf issues an end-entity certificate and returns it with its key.
func (ca *CA) Leaf(t testing.TB, o Options) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	if o.CommonName == "" {
		o.CommonName = "Test Person"
	}
	if o.KeyUsage == 0 {
		o.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	if o.ExtKeyUsage == nil {
		o.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}
	}
	key := newKey(t, o.Key)
	nb, na := o.times()
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: o.CommonName, ExtraNames: o.Names},
		NotBefore: nb, NotAfter: na, BasicConstraintsValid: true,
		KeyUsage: o.KeyUsage, ExtKeyUsage: o.ExtKeyUsage, SubjectKeyId: keyID(key.Public()),
	}
	if o.EmailAddress != "" {
		tmpl.EmailAddresses = []string{o.EmailAddress}
	}
	tmpl.DNSNames, tmpl.IPAddresses = o.DNSNames, o.IPAddresses
	ca.addURLs(tmpl)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

// CRL makes a current CRL (DER) listing revoked.
func (ca *CA) CRL(t testing.TB, revoked ...*x509.Certificate) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, c := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: nextSerial(), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// OCSPHandler answers OCSP requests for ca's certificates: status(serial) is
// ocsp.Good, ocsp.Revoked or ocsp.Unknown. Requests counts the calls.
func (ca *CA) OCSPHandler(t testing.TB, status func(serial *big.Int) int, requests *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests != nil {
			requests.Add(1)
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		st := status(req.SerialNumber)
		resp := ocsp.Response{Status: st, SerialNumber: req.SerialNumber,
			ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
		if st == ocsp.Revoked {
			resp.RevokedAt = time.Now().Add(-time.Minute)
		}
		der, err := ocsp.CreateResponse(ca.Cert, ca.Cert, resp, ca.Key)
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(der)
	})
}

// PEM encodes certificates.
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// KeyPEM encodes a private key as PKCS#8 PEM.
func KeyPEM(t testing.TB, key crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
