package certauth

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Anchor is a trusted root (or a trusted intermediate). Qualified marks an
// accredited CA: its certificates are qualified and their SNILS may identify a
// person across renewals.
type Anchor struct {
	Cert      *x509.Certificate
	Qualified bool
}

// ParseCertificates reads every certificate in b: PEM (any number of blocks) or a
// single DER certificate.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	if !strings.Contains(string(b), "-----BEGIN") {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate found")
	}
	return out, nil
}

// LoadAnchors reads the certificates of a PEM or DER file, or of every *.pem,
// *.crt, *.cer and *.der file in a folder.
func LoadAnchors(path string, qualified bool) ([]Anchor, error) {
	files := []string{path}
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if st.IsDir() {
		files = nil
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".pem", ".crt", ".cer", ".der":
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no certificate files", path)
		}
	}
	var out []Anchor
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		certs, err := ParseCertificates(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, c := range certs {
			if !c.IsCA {
				return nil, fmt.Errorf("%s: %q is not a CA certificate", f, c.Subject.CommonName)
			}
			out = append(out, Anchor{Cert: c, Qualified: qualified})
		}
	}
	return out, nil
}
