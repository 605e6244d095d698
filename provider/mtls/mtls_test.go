package mtls

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/storage"
)

// TestClientCertificateRules: which presented certificate authenticates a
// client of each RFC 8705 method.
func TestClientCertificateRules(t *testing.T) {
	ca := certtest.NewRoot(t, certtest.Options{CommonName: "CA"})
	erp, _ := ca.Leaf(t, certtest.Options{CommonName: "ERP"})
	other, _ := ca.Leaf(t, certtest.Options{CommonName: "Other"})
	self := certtest.NewRoot(t, certtest.Options{CommonName: "robot"})
	expired := certtest.NewRoot(t, certtest.Options{CommonName: "robot", NotAfter: time.Now().Add(-time.Hour)})
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: self.Cert.PublicKey, KeyID: "k"}}})
	trusted := func(_ context.Context, leaf *x509.Certificate, _ []*x509.Certificate) error {
		if leaf.Issuer.CommonName != "CA" {
			return errors.New("unknown issuer")
		}
		return nil
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name   string
		client storage.Client
		cert   *x509.Certificate
		ok     bool
	}{
		{"subject DN matches", storage.Client{AuthMethod: AuthMethodTLS, TLSSubjectDN: "CN=ERP"}, erp, true},
		{"another subject", storage.Client{AuthMethod: AuthMethodTLS, TLSSubjectDN: "CN=ERP"}, other, false},
		{"untrusted issuer, same subject", storage.Client{AuthMethod: AuthMethodTLS, TLSSubjectDN: "CN=robot"}, self.Cert, false},
		{"pinned certificate", storage.Client{AuthMethod: AuthMethodTLS, CertificatePins: []string{certauth.Fingerprint(erp)}}, erp, true},
		{"DN matches, pin does not", storage.Client{AuthMethod: AuthMethodTLS, TLSSubjectDN: "CN=ERP", CertificatePins: []string{certauth.Fingerprint(other)}}, erp, false},
		{"no certificate", storage.Client{AuthMethod: AuthMethodTLS, TLSSubjectDN: "CN=ERP"}, nil, false},
		{"self-signed by JWKS", storage.Client{AuthMethod: AuthMethodSelfSignedTLS, JWKS: string(set)}, self.Cert, true},
		{"self-signed by pin", storage.Client{AuthMethod: AuthMethodSelfSignedTLS, CertificatePins: []string{certauth.Fingerprint(self.Cert)}}, self.Cert, true},
		{"self-signed, another key", storage.Client{AuthMethod: AuthMethodSelfSignedTLS, JWKS: string(set)}, erp, false},
		{"self-signed, expired", storage.Client{AuthMethod: AuthMethodSelfSignedTLS, CertificatePins: []string{certauth.Fingerprint(expired.Cert)}}, expired.Cert, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckClient(context.Background(), tc.client, tc.cert, nil, trusted, log)
			if (err == nil) != tc.ok {
				t.Fatalf("ok %v, got %v", tc.ok, err)
			}
		})
	}
}

// BenchmarkClientCertificate: the per-request check of a self-signed client's
// certificate against its registered key set (thumbprints of every key).
func BenchmarkClientCertificate(b *testing.B) {
	self := certtest.NewRoot(b, certtest.Options{CommonName: "robot"})
	other := certtest.NewRoot(b, certtest.Options{CommonName: "other"})
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: other.Cert.PublicKey, KeyID: "a"}, {Key: self.Cert.PublicKey, KeyID: "b"}}})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := storage.Client{AuthMethod: AuthMethodSelfSignedTLS, JWKS: string(set)}
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckClient(context.Background(), c, self.Cert, nil, nil, log); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMetadata: the TLS methods join the listed ones; aliases only for
// another origin than the issuer.
func TestMetadata(t *testing.T) {
	doc := map[string]any{"token_endpoint_auth_methods_supported": []any{"client_secret_basic"}}
	Metadata(doc, "https://id.example", "https://id.example")
	if m := doc["token_endpoint_auth_methods_supported"].([]any); len(m) != 3 || m[1] != AuthMethodTLS ||
		doc["tls_client_certificate_bound_access_tokens"] != true || doc["mtls_endpoint_aliases"] != nil {
		t.Fatalf("same origin: %v", doc)
	}
	doc = map[string]any{}
	Metadata(doc, "https://id.example", "https://mtls.id.example/")
	if a, _ := doc["mtls_endpoint_aliases"].(map[string]string); a["token_endpoint"] != "https://mtls.id.example/oauth/token" {
		t.Fatalf("another origin: %v", doc)
	}
}
