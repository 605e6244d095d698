package provider

import (
	"log/slog"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// authRequest adapts storage.AuthRequest to op.AuthRequest.
type authRequest struct{ r storage.AuthRequest }

func (a *authRequest) GetID() string          { return a.r.ID }
func (a *authRequest) GetAudience() []string  { return []string{a.r.ClientID} }
func (a *authRequest) GetClientID() string    { return a.r.ClientID }
func (a *authRequest) GetNonce() string       { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.r.Scopes }
func (a *authRequest) GetState() string       { return a.r.State }
func (a *authRequest) Done() bool             { return a.r.Completion != nil }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.r.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.r.ResponseMode)
}

func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: oidc.CodeChallengeMethod(a.r.CodeChallengeMethod)}
}

func (a *authRequest) GetSubject() string {
	if a.r.Completion == nil {
		return ""
	}
	return a.r.Completion.UserID
}

func (a *authRequest) GetACR() string {
	if a.r.Completion == nil {
		return ""
	}
	return a.r.Completion.ACR
}

func (a *authRequest) GetAMR() []string {
	if a.r.Completion == nil {
		return nil
	}
	return a.r.Completion.AMR
}

func (a *authRequest) GetAuthTime() time.Time {
	if a.r.Completion == nil {
		return time.Time{}
	}
	return a.r.Completion.AuthTime
}

// LogValue keeps secrets (state, nonce, challenge) out of op's logs.
func (a *authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.r.ID), slog.String("client_id", a.r.ClientID))
}

// grant describes what tokens for this request are issued for. The auth request's ID
// is the token family, so that a replayed code can revoke what it produced.
func (a *authRequest) grant() storage.Grant {
	c := a.r.Completion
	g := storage.Grant{ClientID: a.r.ClientID, Audience: a.GetAudience(), Scopes: a.r.Scopes, Family: a.r.ID}
	if c != nil {
		g.Subject, g.SessionID, g.AuthTime, g.AMR, g.ACR = c.UserID, c.SessionID, c.AuthTime, c.AMR, c.ACR
		g.Certificate, g.OrgID, g.IdP = c.Certificate, c.OrgID, c.IdP
	}
	if len(a.r.UILocales) > 0 {
		g.UILocale = a.r.UILocales[0]
	}
	return g
}

// refreshRequest adapts a stored refresh token to op.RefreshTokenRequest.
type refreshRequest struct {
	t      storage.RefreshToken
	scopes []string
}

func (r *refreshRequest) GetAMR() []string            { return r.t.Grant.AMR }
func (r *refreshRequest) GetAudience() []string       { return r.t.Grant.Audience }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.t.Grant.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.t.Grant.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.t.Grant.Subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

func (r *refreshRequest) grant() storage.Grant {
	g := r.t.Grant
	g.Scopes = r.scopes
	return g
}

// clientCredentialsRequest is a token request of a client acting for itself.
type clientCredentialsRequest struct {
	clientID string
	scopes   []string
	// orgID and org: an integration system acts as its organisation.
	orgID string
	org   *orgs.Claims
}

func (c *clientCredentialsRequest) GetSubject() string    { return c.clientID }
func (c *clientCredentialsRequest) GetAudience() []string { return []string{c.clientID} }
func (c *clientCredentialsRequest) GetScopes() []string   { return c.scopes }

// granter is every token request type of ours.
type granter interface {
	grant() storage.Grant
	// grantType names the OAuth grant, for metrics.
	grantType() oidc.GrantType
}

func (a *authRequest) grantType() oidc.GrantType              { return oidc.GrantTypeCode }
func (r *refreshRequest) grantType() oidc.GrantType           { return oidc.GrantTypeRefreshToken }
func (c *clientCredentialsRequest) grantType() oidc.GrantType { return oidc.GrantTypeClientCredentials }

func (c *clientCredentialsRequest) grant() storage.Grant {
	return storage.Grant{ClientID: c.clientID, Subject: c.clientID, Audience: c.GetAudience(), Scopes: c.scopes, OrgID: c.orgID}
}
