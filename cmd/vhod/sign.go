package main

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/gost"
)

// runSign prints a base64 CMS signature of stdin, so that anyone can sign a
// certificate challenge without the CryptoPro plug-in (and tests can drive the
// flow): vhod sign --key KEY.pem --cert CERT.pem [--chain CA.pem] [--detached] < challenge
func runSign(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	keyFile := fs.String("key", "", "private key, PEM (PKCS#8, PKCS#1 or SEC 1; GOST R 34.10-2012 PKCS#8 too)")
	certFile := fs.String("cert", "", "the signer's certificate, PEM")
	chainFile := fs.String("chain", "", "issuing CA certificates to include, PEM (optional)")
	detached := fs.Bool("detached", false, "leave the content out of the signature")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyFile == "" || *certFile == "" {
		return errors.New("usage: vhod sign --key KEY.pem --cert CERT.pem [--chain CA.pem] [--detached] < challenge")
	}
	key, err := readSigningKey(*keyFile)
	if err != nil {
		return err
	}
	certPEM, err := os.ReadFile(*certFile)
	if err != nil {
		return err
	}
	certs, err := certauth.ParseCertificates(certPEM)
	if err != nil {
		return fmt.Errorf("%s: %w", *certFile, err)
	}
	chain := certs[1:]
	if *chainFile != "" {
		b, err := os.ReadFile(*chainFile)
		if err != nil {
			return err
		}
		more, err := certauth.ParseCertificates(b)
		if err != nil {
			return fmt.Errorf("%s: %w", *chainFile, err)
		}
		chain = append(chain, more...)
	}
	content, err := io.ReadAll(io.LimitReader(stdin, certauth.MaxCMSBytes+1))
	if err != nil {
		return err
	}
	if len(content) > certauth.MaxCMSBytes {
		return fmt.Errorf("the content is larger than %d bytes", certauth.MaxCMSBytes)
	}
	sig, err := certauth.Sign(content, certs[0], key, certauth.SignOptions{Detached: *detached, Chain: chain})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(sig))
	return err
}

// readSigningKey reads a PEM private key of any kind Sign accepts.
func readSigningKey(path string) (any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	if k, err := gost.ParsePrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("%s: not a private key Vhod can sign with (RSA, ECDSA, Ed25519, GOST R 34.10-2012)", path)
}
