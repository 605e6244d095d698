package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// devPKI is the certificate authority of `vhod dev`: a CA, its (empty) CRL and
// one person's certificate and key, made once under data/dev-pki, so that
// "Sign in with a certificate" can be tried with `vhod sign` at once.
type devPKI struct {
	dir                                string
	CAFile, CRLFile, CertFile, KeyFile string
}

func newDevPKI(dataDir string) devPKI {
	dir := filepath.Join(dataDir, "dev-pki")
	return devPKI{dir: dir, CAFile: filepath.Join(dir, "ca.pem"), CRLFile: filepath.Join(dir, "ca.crl.pem"),
		CertFile: filepath.Join(dir, "person.pem"), KeyFile: filepath.Join(dir, "person.key")}
}

// ensure makes the files unless they exist (a second start reuses them).
func (p devPKI) ensure() error {
	if _, err := os.Stat(p.KeyFile); err == nil {
		return nil
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Vhod dev CA", Organization: []string{"Vhod dev"}},
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	ca, _ = x509.ParseCertificate(caDER)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now,
		NextUpdate: now.AddDate(10, 0, 0)}, ca, caKey)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	person := &x509.Certificate{SerialNumber: big.NewInt(2),
		Subject:   pkix.Name{CommonName: "Сидоров Пётр Петрович", Country: []string{"RU"}},
		NotBefore: now, NotAfter: now.AddDate(2, 0, 0), BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}}
	personDER, err := x509.CreateCertificate(rand.Reader, person, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(crypto.Signer(key))
	if err != nil {
		return err
	}
	return errors.Join(
		writePEM(p.CAFile, "CERTIFICATE", caDER, 0o644),
		writePEM(p.CRLFile, "X509 CRL", crlDER, 0o644),
		writePEM(p.CertFile, "CERTIFICATE", personDER, 0o644),
		writePEM(p.KeyFile, "PRIVATE KEY", keyDER, 0o600))
}

func writePEM(path, kind string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), mode)
}
