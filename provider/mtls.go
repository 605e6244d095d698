package provider

import (
	"context"
	"net/http"
	"net/url"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider/mtls"
	"github.com/vhod-id/vhod/storage"
)

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

// tlsCertificate puts the request's TLS client certificate (Vhod's listener, or a
// trusted proxy's header) into the request's holder: the token endpoint binds
// tokens to it, userinfo compares it with a token's binding.
func (p *Provider) tlsCertificate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := holder(r.Context()); h != nil && p.cfg.ClientCertificate != nil {
			if leaf, chain := p.cfg.ClientCertificate(r); leaf != nil {
				h.cert, h.certChain, h.x5t = leaf, chain, mtls.Thumbprint(leaf)
			}
		}
		next.ServeHTTP(w, r)
	})
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
	if !mtls.IsMethod(c.c.AuthMethod) && !c.c.TLSBoundTokens {
		return "", nil
	}
	if h.x5t == "" {
		return "", oidc.ErrInvalidRequest().WithDescription("this client's tokens are bound to its TLS client certificate: present it")
	}
	return h.x5t, nil
}
