package provider

import (
	"time"

	"context"
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider/accesstoken"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/storage"
)

// Scopes of our own (DESIGN.md): Russian identification numbers, and the
// certificate the person signed in with.
const (
	ScopeRuIDs = directory.ScopeRuIDs
	ScopeCert  = directory.ScopeCert
)

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the ID token's
// user claims, its sid, and (on refresh, where op has no auth request) its acr.
func (s *Storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	info.Subject = req.GetSubject()
	if claims.ReleasesUser(scopes) {
		u, err := s.store.UserByID(ctx, req.GetSubject())
		if err != nil {
			return s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("the account no longer exists"))
		}
		var uiLocale string
		if g, ok := req.(granter); ok {
			uiLocale = g.grant().UILocale
		}
		*info = *claims.User(u, scopes, uiLocale)
	}
	if g, ok := req.(granter); ok {
		grant := g.grant()
		if grant.SessionID != "" {
			info.AppendClaims(claims.SID, grant.SessionID)
		}
		if _, isRefresh := req.(*refreshRequest); isRefresh && grant.ACR != "" {
			info.AppendClaims(claims.ACR, grant.ACR)
		}
		if grant.IdP != "" {
			info.AppendClaims(claims.IdP, grant.IdP)
		}
		claims.AddCert(info, grant.Certificate, scopes, nil)
		if err := s.orgClaims(ctx, info, grant, scopes); err != nil {
			return s.serverError(ctx, err)
		}
	}
	return nil
}

// SetUserinfoFromScopes is deprecated upstream; SetUserinfoFromRequest does the work.
func (s *Storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromToken implements op.Storage; Vhod's own userinfo endpoint
// answers instead (see serveUserinfo).
func (s *Storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	at, err := s.activeToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	got, err := s.userinfo(ctx, at)
	if err != nil {
		return err
	}
	*info = *got
	return nil
}

// userinfo is what the userinfo endpoint tells of an access token's person,
// by the token's scopes.
func (s *Storage) userinfo(ctx context.Context, at storage.AccessToken) (*oidc.UserInfo, error) {
	u, err := s.store.UserByID(ctx, at.Grant.Subject)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("the account no longer exists"))
	}
	if directory.SignInAllowed(u, time.Now()) != nil { // an operator locked it: its tokens are not active
		return nil, oidc.ErrInvalidRequest().WithDescription("token is not active")
	}
	info := claims.User(u, at.Grant.Scopes, at.Grant.UILocale)
	claims.AddCert(info, at.Grant.Certificate, at.Grant.Scopes, &u)
	if err := s.orgClaims(ctx, info, at.Grant, at.Grant.Scopes); err != nil {
		return nil, s.serverError(ctx, err)
	}
	return info, nil
}

// SetIntrospectionFromToken implements op.Storage (RFC 7662); Vhod's own
// endpoint answers instead (see serveIntrospection).
func (s *Storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, _ string) error {
	at, err := s.activeToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	return s.introspection(ctx, resp, at)
}

// introspection is what introspection tells of an active access token.
func (s *Storage) introspection(ctx context.Context, resp *oidc.IntrospectionResponse, at storage.AccessToken) error {
	g := at.Grant
	resp.Active = true
	resp.Scope = g.Scopes
	resp.ClientID = g.ClientID
	resp.TokenType = oidc.BearerToken
	if g.JKT != "" { // RFC 9449 section 6.2: the resource server checks the proof against it
		resp.TokenType = "DPoP"
	}
	// RFC 9449 section 6.2, RFC 8705 section 3.2: the binding for the resource server.
	if cnf := accesstoken.Cnf(g.JKT, g.X5T); cnf != nil {
		resp.Claims = map[string]any{claims.Cnf: cnf}
	}
	resp.Subject = g.Subject
	resp.Audience = g.Audience
	resp.Expiration = oidc.FromTime(at.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(at.CreatedAt)
	resp.JWTID = at.ID
	resp.Issuer = s.cfg.Issuer
	if g.Subject == g.ClientID && g.OrgID != "" {
		if err := s.systemIntrospection(ctx, resp, g.ClientID); err != nil {
			return err
		}
	}
	if g.Subject != g.ClientID {
		resp.AuthTime = oidc.FromTime(g.AuthTime)
		resp.AuthenticationMethodsReferences = g.AMR
		if u, err := s.store.UserByID(ctx, g.Subject); err == nil {
			resp.SetUserInfo(claims.User(u, g.Scopes, g.UILocale))
			resp.Username = u.Login
		}
	}
	return nil
}

// GetPrivateClaimsFromScopes implements op.Storage; GetPrivateClaimsFromRequest is used instead.
func (s *Storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *Storage) activeToken(ctx context.Context, tokenID, subject string) (storage.AccessToken, error) {
	if jt, ok := s.jwtAccessToken(ctx, tokenID); ok {
		revoked, err := s.denied.Revoked(ctx, s.store, "jti:"+jt.ID, claims.GrantID+":"+jt.Grant.Family,
			claims.SID+":"+jt.Grant.SessionID, "sub:"+jt.Grant.Subject)
		if err != nil {
			return jt, s.serverError(ctx, err)
		}
		if revoked || jt.Grant.Subject != subject {
			return jt, oidc.ErrInvalidRequest().WithDescription("token is not active")
		}
		return jt, nil
	}
	at, err := s.store.AccessTokenByID(ctx, tokenID)
	if err != nil {
		return at, s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("token is not active"))
	}
	if at.Grant.Subject != subject {
		return at, oidc.ErrInvalidRequest().WithDescription("token is not active").WithParent(errors.New("subject mismatch"))
	}
	return at, nil
}
