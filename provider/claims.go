package provider

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider/accesstoken"
	"github.com/vhod-id/vhod/storage"
)

// Claim names of our own.
const (
	ClaimSID = "sid"
	// ClaimCnf is the confirmation of a sender-constrained token (RFC 7800).
	ClaimCnf   = "cnf"
	ClaimACR   = "acr"
	ClaimScope = "scope"
	// ClaimGrantID names the grant a JWT access token belongs to, so that it can be
	// revoked with its grant although it has no record.
	ClaimGrantID = "gid"
	// ClaimCert describes the certificate of the sign-in; ClaimSNILS and ClaimINN
	// are the person's numbers a qualified certificate vouched for.
	ClaimCert  = "cert"
	ClaimSNILS = "snils"
	ClaimINN   = "inn"
	// ClaimOrgID and ClaimCertSHA256 carry the chosen organisation and the
	// certificate of the sign-in in JWT access tokens.
	ClaimOrgID      = "org_id"
	ClaimCertSHA256 = "cert_sha256"
	// ClaimUILocale carries the sign-in's ui_locales in JWT access tokens, so
	// that userinfo served from them orders the name as the ID token did.
	ClaimUILocale = "ui_locale"
)

// Scopes of our own (DESIGN.md): Russian identification numbers, and the
// certificate the person signed in with.
const (
	ScopeRuIDs = directory.ScopeRuIDs
	ScopeCert  = directory.ScopeCert
)

// supportedClaims are announced in discovery.
var supportedClaims = []string{
	"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash", "sid",
	"name", "family_name", "given_name", "middle_name", "preferred_username", "locale", "updated_at",
	"email", "email_verified", "phone_number", "phone_number_verified", ClaimSNILS, ClaimINN, ClaimCert,
	ClaimOrg, ClaimRoles, ClaimOrgs,
}

// userClaims is the one place that decides which user attributes a scope releases;
// the ID token, userinfo and introspection all use it. uiLocale is the sign-in
// request's language ("" none), see fullName.
func userClaims(u storage.User, scopes []string, uiLocale string) *oidc.UserInfo {
	info := &oidc.UserInfo{Subject: u.ID}
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeProfile:
			info.Name = fullName(u, uiLocale)
			info.FamilyName, info.GivenName, info.MiddleName = u.FamilyName, u.GivenName, u.MiddleName
			info.PreferredUsername = preferredUsername(u)
			if tag, err := language.Parse(u.Locale); err == nil && u.Locale != "" {
				info.Locale = oidc.NewLocale(tag)
			}
			if !u.UpdatedAt.IsZero() {
				info.UpdatedAt = oidc.FromTime(u.UpdatedAt)
			}
		case oidc.ScopeEmail:
			if u.Email != "" {
				info.Email, info.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
			}
		case oidc.ScopePhone:
			if u.Phone != "" {
				info.PhoneNumber, info.PhoneNumberVerified = u.Phone, oidc.Bool(u.PhoneVerified)
			}
		case ScopeRuIDs:
			if u.SNILS != "" {
				info.AppendClaims(ClaimSNILS, u.SNILS)
			}
			if u.INN != "" {
				info.AppendClaims(ClaimINN, u.INN)
			}
		}
	}
	return info
}

// fullName is the name claim in the order of the language: Russian puts the
// family name first ("Иванов Иван Иванович"), every other language the given
// name ("Ivan Ivanovich Ivanov"). The language is the one the relying party
// asked the sign-in in (ui_locales: the name appears in its pages), else the
// person's own locale, else Russian, Vhod's default.
func fullName(u storage.User, uiLocale string) string {
	tag, err := language.Parse(firstNonEmpty(uiLocale, u.Locale, "ru"))
	if base, conf := tag.Base(); err == nil && conf >= language.High && base.String() != "ru" {
		return strings.Join(nonEmpty(u.GivenName, u.MiddleName, u.FamilyName), " ")
	}
	return strings.Join(nonEmpty(u.FamilyName, u.GivenName, u.MiddleName), " ")
}

// preferredUsername is never empty, so that relying parties that need a
// readable user name (oauth2-proxy with --oidc-email-claim=preferred_username)
// serve phone-only and certificate-only accounts too: the login, else the
// email, else the phone, else the subject.
func preferredUsername(u storage.User) string {
	return firstNonEmpty(u.Login, u.Email, u.Phone, u.ID)
}

// certClaim adds the "cert" claim when the scope asks and the sign-in used a
// certificate. A JWT access token carries only the fingerprint: the rest comes
// from the account's bound certificate.
func certClaim(info *oidc.UserInfo, c *storage.CertificateRef, scopes []string, u *storage.User) {
	if c == nil || !slices.Contains(scopes, ScopeCert) {
		return
	}
	if c.Subject == "" {
		if u == nil {
			return
		}
		i := slices.IndexFunc(u.Certificates, func(b storage.BoundCertificate) bool { return b.SHA256 == c.SHA256 })
		if i < 0 {
			return
		}
		c = &u.Certificates[i].CertificateRef
	}
	info.AppendClaims(ClaimCert, map[string]any{"sha256": c.SHA256, "subject": c.Subject, "issuer": c.Issuer,
		"serial": c.Serial, "not_after": c.NotAfter.Unix()})
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the ID token's
// user claims, its sid, and (on refresh, where op has no auth request) its acr.
func (s *Storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	info.Subject = req.GetSubject()
	if releasesUserClaims(scopes) {
		u, err := s.store.UserByID(ctx, req.GetSubject())
		if err != nil {
			return s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("the account no longer exists"))
		}
		var uiLocale string
		if g, ok := req.(granter); ok {
			uiLocale = g.grant().UILocale
		}
		*info = *userClaims(u, scopes, uiLocale)
	}
	if g, ok := req.(granter); ok {
		grant := g.grant()
		if grant.SessionID != "" {
			info.AppendClaims(ClaimSID, grant.SessionID)
		}
		if _, isRefresh := req.(*refreshRequest); isRefresh && grant.ACR != "" {
			info.AppendClaims(ClaimACR, grant.ACR)
		}
		certClaim(info, grant.Certificate, scopes, nil)
		if err := s.orgClaims(ctx, info, req.GetSubject(), grant.OrgID, grant.ClientID, scopes); err != nil {
			return s.serverError(ctx, err)
		}
	}
	return nil
}

// releasesUserClaims: only these scopes need the account read at all.
func releasesUserClaims(scopes []string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool {
		return s == oidc.ScopeProfile || s == oidc.ScopeEmail || s == oidc.ScopePhone || s == ScopeRuIDs
	})
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
	info := userClaims(u, at.Grant.Scopes, at.Grant.UILocale)
	certClaim(info, at.Grant.Certificate, at.Grant.Scopes, &u)
	if err := s.orgClaims(ctx, info, at.Grant.Subject, at.Grant.OrgID, at.Grant.ClientID, at.Grant.Scopes); err != nil {
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
		resp.Claims = map[string]any{ClaimCnf: cnf}
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
			resp.SetUserInfo(userClaims(u, g.Scopes, g.UILocale))
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
		revoked, err := s.denied.Revoked(ctx, s.store, "jti:"+jt.ID, ClaimGrantID+":"+jt.Grant.Family,
			ClaimSID+":"+jt.Grant.SessionID, "sub:"+jt.Grant.Subject)
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

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

func firstNonEmpty(ss ...string) string {
	if n := nonEmpty(ss...); len(n) > 0 {
		return n[0]
	}
	return ""
}
