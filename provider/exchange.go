package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Token exchange (RFC 8693), as op offers it: a service that received a
// person's access token exchanges it for one meant for another service
// (audience), with the same or fewer scopes. Vhod's rules: only access tokens
// are exchanged, and only by a client they were issued to (or meant for); the
// new token keeps the sign-in (subject, session, organisation) so that signing
// out ends it too; a sender-constrained token is not exchanged (its holder's
// key would not come along); there is no delegation (actor_token).

// errInvalidTarget is RFC 8693's error for an audience or resource refused.
const errInvalidTarget = "invalid_target"

// ValidateTokenExchangeRequest implements op.TokenExchangeStorage.
func (s *Storage) ValidateTokenExchangeRequest(ctx context.Context, req op.TokenExchangeRequest) error {
	c, err := s.loadClient(ctx, req.GetClientID())
	if err != nil {
		return s.notFoundAs(ctx, err, oidc.ErrInvalidClient())
	}
	switch {
	case !slices.Contains(c.c.GrantTypes, string(oidc.GrantTypeTokenExchange)):
		return oidc.ErrUnauthorizedClient().WithDescription("token exchange is not allowed for this client")
	case req.GetExchangeSubjectTokenType() != oidc.AccessTokenType:
		return oidc.ErrInvalidRequest().WithDescription("only access tokens are exchanged")
	case req.GetExchangeActor() != "":
		return oidc.ErrInvalidRequest().WithDescription("actor_token is not supported")
	case len(req.GetResourses()) > 0:
		return oauthError(errInvalidTarget, "name the services by audience (client IDs), not resource")
	case len(req.GetAudience()) == 0:
		return oidc.ErrInvalidRequest().WithDescription("audience is required: the client IDs the new token is for")
	}
	switch req.GetRequestedTokenType() {
	case "":
		req.SetRequestedTokenType(oidc.AccessTokenType)
	case oidc.AccessTokenType:
	default:
		return oidc.ErrInvalidRequest().WithDescription("only access tokens are issued")
	}
	at, err := s.activeToken(ctx, req.GetExchangeSubjectTokenIDOrToken(), req.GetExchangeSubject())
	if err != nil {
		if oe, ok := err.(*oidc.Error); ok && oe.ErrorType == oidc.ServerError {
			return err
		}
		return oidc.ErrInvalidRequest().WithDescription("subject_token is not active")
	}
	g := at.Grant
	if err := s.subjectAllowed(ctx, g); err != nil {
		return oidc.ErrInvalidRequest().WithDescription("subject_token is not active").WithParent(err)
	}
	switch {
	case g.Subject == g.ClientID:
		return oidc.ErrInvalidRequest().WithDescription("a client's own token is not exchanged")
	case g.JKT != "" || g.X5T != "":
		return oidc.ErrInvalidRequest().WithDescription("a sender-constrained subject_token is not exchanged")
	case g.ClientID != c.c.ID && !slices.Contains(g.Audience, c.c.ID):
		return oidc.ErrInvalidRequest().WithDescription("the subject_token was not issued to this client")
	}
	for _, aud := range req.GetAudience() {
		if _, err := s.loadClient(ctx, aud); err != nil {
			return s.notFoundAs(ctx, err, oauthError(errInvalidTarget, "unknown audience "+aud))
		}
	}
	scopes := req.GetScopes()
	if len(scopes) == 0 {
		scopes = g.Scopes
	}
	for _, sc := range scopes {
		if !slices.Contains(g.Scopes, sc) {
			return oidc.ErrInvalidScope().WithDescription("the subject_token does not grant %s", sc)
		}
	}
	// The new token is the exchanging client's: it gets no scope that client
	// may not have (admin, say), and the answer states what it got (RFC 8693
	// section 2.2.1).
	scopes = directory.GrantedScopes(c.c, scopes)
	req.SetCurrentScopes(scopes)
	g.ClientID, g.Audience, g.Scopes, g.Family, g.JKT, g.X5T = c.c.ID, req.GetAudience(), scopes, directory.NewID(), "", ""
	if h := holder(ctx); h != nil {
		h.exchange = &g
	}
	s.audit(ctx, storage.AuditEvent{Type: directory.EventTokenExchanged, Outcome: directory.OutcomeSuccess, UserID: g.Subject,
		ClientID: c.c.ID, Details: map[string]string{"audience": strings.Join(g.Audience, " "), "from_client": at.Grant.ClientID}})
	return nil
}

// CreateTokenExchangeRequest implements op.TokenExchangeStorage: nothing to
// keep beyond the token itself.
func (s *Storage) CreateTokenExchangeRequest(context.Context, op.TokenExchangeRequest) error {
	return nil
}

// GetPrivateClaimsFromTokenExchangeRequest implements op.TokenExchangeStorage;
// Vhod signs its JWT access tokens itself (see tokenCrypto).
func (s *Storage) GetPrivateClaimsFromTokenExchangeRequest(context.Context, op.TokenExchangeRequest) (map[string]any, error) {
	return nil, nil
}

// SetUserinfoFromTokenExchangeRequest implements op.TokenExchangeStorage; ID
// tokens are not issued by exchange.
func (s *Storage) SetUserinfoFromTokenExchangeRequest(context.Context, *oidc.UserInfo, op.TokenExchangeRequest) error {
	return nil
}

// exchangeGrant is the grant ValidateTokenExchangeRequest settled on.
func (s *Storage) exchangeGrant(ctx context.Context) (storage.Grant, error) {
	h := holder(ctx)
	if h == nil || h.exchange == nil {
		return storage.Grant{}, oidc.ErrInvalidRequest().WithDescription("no token exchange in this request")
	}
	s.cfg.OnTokens(string(oidc.GrantTypeTokenExchange))
	return *h.exchange, nil
}
