// Package mtls is OAuth 2.0 Mutual-TLS (RFC 8705) from the provider's side:
// the two TLS client authentication methods, the check of the certificate a
// client presents, the thumbprint that binds tokens to it, and the discovery
// metadata. It is separate because certificate rules are their own subject
// (with certauth underneath); reading the certificate off the request and
// binding tokens to it stay in the provider, with the rest of the request.
package mtls

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/provider/clientjwt"
	"github.com/vhod-id/vhod/storage"
)

// Client authentication methods of RFC 8705 section 2, which op does not know:
// the provider authenticates such clients before op sees the request.
const (
	AuthMethodTLS           = "tls_client_auth"
	AuthMethodSelfSignedTLS = "self_signed_tls_client_auth"
)

// IsMethod tells whether m is one of the TLS client authentication methods.
func IsMethod(m string) bool { return m == AuthMethodTLS || m == AuthMethodSelfSignedTLS }

// Metadata adds RFC 8705 section 5's metadata to a discovery document: the TLS
// methods, bound tokens and, when certificates are presented at origin rather
// than at the issuer, its endpoint aliases.
func Metadata(doc map[string]any, issuer, origin string) {
	for _, key := range []string{"token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported",
		"introspection_endpoint_auth_methods_supported"} {
		if methods, ok := doc[key].([]any); ok {
			doc[key] = append(methods, AuthMethodTLS, AuthMethodSelfSignedTLS)
		}
	}
	doc["tls_client_certificate_bound_access_tokens"] = true
	if o := strings.TrimSuffix(origin, "/"); o != "" && o != issuer {
		doc["mtls_endpoint_aliases"] = map[string]string{
			"token_endpoint":                        o + "/oauth/token",
			"revocation_endpoint":                   o + "/revoke",
			"introspection_endpoint":                o + "/oauth/introspect",
			"userinfo_endpoint":                     o + "/userinfo",
			"pushed_authorization_request_endpoint": o + "/par",
		}
	}
}

// Thumbprint is a certificate's thumbprint as cnf.x5t#S256 carries it.
func Thumbprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Verify checks a tls_client_auth client's certificate: chain to a trust
// anchor, validity, revocation.
type Verify func(ctx context.Context, leaf *x509.Certificate, chain []*x509.Certificate) error

// CheckClient is RFC 8705's check of the certificate a client presented: a
// tls_client_auth client's certificate passes verify (nil: none is trusted)
// and has the registered subject DN (and pinned fingerprint, when pinned); a
// self_signed_tls_client_auth client's certificate is one of its registered
// keys (JWKS) or pinned fingerprints. The error's text is for the client; why
// verify refused goes to log.
func CheckClient(ctx context.Context, c storage.Client, leaf *x509.Certificate, chain []*x509.Certificate, verify Verify, log *slog.Logger) error {
	if leaf == nil {
		return errors.New("the client must present its TLS client certificate")
	}
	pinned := slices.Contains(c.CertificatePins, certauth.Fingerprint(leaf))
	switch c.AuthMethod {
	case AuthMethodTLS:
		if verify == nil {
			return errors.New("no trust anchors are configured for client certificates")
		}
		if err := verify(ctx, leaf, chain); err != nil {
			log.Info("client certificate refused", "client", c.ID, "err", err)
			return errors.New("the client certificate is not trusted")
		}
		if c.TLSSubjectDN != "" && leaf.Subject.String() != c.TLSSubjectDN {
			return errors.New("the client certificate's subject is not the registered one")
		}
		if len(c.CertificatePins) > 0 && !pinned {
			return errors.New("the client certificate is not the registered one")
		}
		return nil
	default:
		now := time.Now()
		if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
			return errors.New("the client certificate is not valid now")
		}
		if pinned || clientjwt.HasKey(c.JWKS, leaf.PublicKey) {
			return nil
		}
		return errors.New("the client certificate is not one of the registered keys")
	}
}
