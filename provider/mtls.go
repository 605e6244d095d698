package provider

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider/clientjwt"
	"github.com/vhod-id/vhod/storage"
)

// Client authentication methods of RFC 8705 section 2, which op does not know:
// the layer below authenticates such clients before op sees the request.
const (
	AuthMethodTLS           = "tls_client_auth"
	AuthMethodSelfSignedTLS = "self_signed_tls_client_auth"
)

func isTLSMethod(m string) bool { return m == AuthMethodTLS || m == AuthMethodSelfSignedTLS }

// publicURL is the URL (without query) a client called: at the issuer, or at the
// mTLS endpoint alias when the request came to that origin.
func (p *Provider) publicURL(r *http.Request) string {
	if p.cfg.MTLSOrigin != "" {
		if u, err := url.Parse(p.cfg.MTLSOrigin); err == nil && u.Host == r.Host {
			return p.cfg.MTLSOrigin + r.URL.Path
		}
	}
	return p.cfg.Issuer + r.URL.Path
}

// mtlsMetadata adds RFC 8705 section 5's metadata: the TLS methods, bound tokens
// and, when certificates are presented at another origin, its endpoint aliases.
func (p *Provider) mtlsMetadata(doc map[string]any) {
	for _, key := range []string{"token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported",
		"introspection_endpoint_auth_methods_supported"} {
		if methods, ok := doc[key].([]any); ok {
			doc[key] = append(methods, AuthMethodTLS, AuthMethodSelfSignedTLS)
		}
	}
	doc["tls_client_certificate_bound_access_tokens"] = true
	if o := strings.TrimSuffix(p.cfg.MTLSOrigin, "/"); o != "" && o != p.cfg.Issuer {
		doc["mtls_endpoint_aliases"] = map[string]string{
			"token_endpoint":                        o + "/oauth/token",
			"revocation_endpoint":                   o + "/revoke",
			"introspection_endpoint":                o + "/oauth/introspect",
			"userinfo_endpoint":                     o + "/userinfo",
			"pushed_authorization_request_endpoint": o + "/par",
		}
	}
}

// x5tS256 is a certificate's thumbprint as cnf.x5t#S256 carries it.
func x5tS256(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tlsCertificate puts the request's TLS client certificate (Vhod's listener, or a
// trusted proxy's header) into the request's holder: the token endpoint binds
// tokens to it, userinfo compares it with a token's binding.
func (p *Provider) tlsCertificate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := holder(r.Context()); h != nil && p.cfg.ClientCertificate != nil {
			if leaf, chain := p.cfg.ClientCertificate(r); leaf != nil {
				h.cert, h.certChain, h.x5t = leaf, chain, x5tS256(leaf)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkClientCertificate is RFC 8705's check of the presented certificate: a
// tls_client_auth client's certificate chains to a trust anchor, is not revoked
// and has the registered subject DN (and pinned fingerprint, when pinned); a
// self_signed_tls_client_auth client's certificate is one of its registered
// keys (JWKS) or pinned fingerprints.
func (p *Provider) checkClientCertificate(ctx context.Context, c *client, leaf *x509.Certificate, chain []*x509.Certificate) error {
	if leaf == nil {
		return errors.New("the client must present its TLS client certificate")
	}
	pinned := slices.Contains(c.c.CertificatePins, certauth.Fingerprint(leaf))
	switch c.c.AuthMethod {
	case AuthMethodTLS:
		if p.cfg.VerifyCertificate == nil {
			return errors.New("no trust anchors are configured for client certificates")
		}
		if err := p.cfg.VerifyCertificate(ctx, leaf, chain); err != nil {
			p.cfg.Logger.Info("client certificate refused", "client", c.c.ID, "err", err)
			return errors.New("the client certificate is not trusted")
		}
		if c.c.TLSSubjectDN != "" && leaf.Subject.String() != c.c.TLSSubjectDN {
			return errors.New("the client certificate's subject is not the registered one")
		}
		if len(c.c.CertificatePins) > 0 && !pinned {
			return errors.New("the client certificate is not the registered one")
		}
		return nil
	default:
		now := time.Now()
		if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
			return errors.New("the client certificate is not valid now")
		}
		if pinned || clientjwt.HasKey(c.c.JWKS, leaf.PublicKey) {
			return nil
		}
		return errors.New("the client certificate is not one of the registered keys")
	}
}

func (p *Provider) refuseClient(ctx context.Context, clientID, method, reason string) {
	p.storage.audit(ctx, storage.AuditEvent{Type: directory.EventClientAuthFailed, Outcome: directory.OutcomeFailure,
		ClientID: clientID, Details: map[string]string{"method": method, "reason": reason}})
}

// certBinding is the certificate thumbprint the tokens of this request are bound
// to: the certificate a TLS-authenticated client presented, or any presented by a
// client registered for bound tokens (RFC 8705 section 3); "" unbound.
func (s *Storage) certBinding(ctx context.Context, clientID string) (string, error) {
	h := holder(ctx)
	c, err := s.loadClient(ctx, clientID)
	if err != nil || h == nil {
		return "", nil
	}
	if !isTLSMethod(c.c.AuthMethod) && !c.c.TLSBoundTokens {
		return "", nil
	}
	if h.x5t == "" {
		return "", oidc.ErrInvalidRequest().WithDescription("this client's tokens are bound to its TLS client certificate: present it")
	}
	return h.x5t, nil
}
