package provider

import (
	"errors"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/provider/respond"
)

// serveUserinfo is the UserInfo endpoint (OpenID Connect Core section 5.3),
// Vhod's own rather than op's: op answers in plain text, takes any JWT of this
// issuer (an ID token too) and knows no scope errors. The token comes in the
// Authorization header (Bearer, or DPoP through dpopResource) or, by POST, in
// the form (RFC 6750 section 2.2). Refusals follow RFC 6750 section 3.
func (p *Provider) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx := r.Context()
	h := holder(ctx)
	raw := h.rawToken
	if raw == "" {
		respond.BearerError(w, http.StatusUnauthorized, "", "")
		return
	}
	at, err := p.accessToken(ctx, raw)
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			respond.BearerError(w, http.StatusUnauthorized, "invalid_token", "the access token is not valid, expired or revoked")
			return
		}
		respond.OAuthError(w, http.StatusInternalServerError, oidc.ErrServerError(), false)
		return
	}
	if !p.storage.checkBinding(ctx, at.Grant) {
		return // dpopResource answers with the challenge of the binding
	}
	if at.Grant.Subject == at.Grant.ClientID || !slices.Contains(at.Grant.Scopes, oidc.ScopeOpenID) {
		// Core section 5.3: the token must have been issued with the openid scope.
		respond.BearerError(w, http.StatusForbidden, "insufficient_scope", "the access token was not issued for the openid scope")
		return
	}
	info, err := p.storage.userinfo(ctx, at)
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) && oe.ErrorType != oidc.ServerError {
			respond.BearerError(w, http.StatusUnauthorized, "invalid_token", "the account of the access token no longer exists")
			return
		}
		respond.OAuthError(w, http.StatusInternalServerError, oidc.ErrServerError(), false)
		return
	}
	respond.NoStore(w)
	respond.JSON(w, http.StatusOK, info)
}
