package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/storage"
)

// CreateAccessToken implements op.Storage.
func (s *Storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	g, err := s.grantOf(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	g.JKT = requestJKT(ctx)
	if g.X5T, err = s.certBinding(ctx, g.ClientID); err != nil {
		return "", time.Time{}, err
	}
	if g.Family == "" {
		g.Family = directory.NewID()
	}
	var org *orgs.Claims
	if cc, ok := req.(*clientCredentialsRequest); ok {
		org = cc.org
	}
	return s.newAccessToken(ctx, g, org)
}

// CreateAccessAndRefreshTokens implements op.Storage: first issue for a code, or a
// rotation that consumes currentRefreshToken. A refresh token used twice means one
// copy was stolen: the whole family is revoked and both holders must sign in again
// — unless it is its own client again within the grace period (see rotate).
func (s *Storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, currentRefreshToken string) (string, string, time.Time, error) {
	g, err := s.grantOf(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	// A refresh token bound to a DPoP key is used only with a proof of that key
	// (RFC 9449 section 5); the new tokens are bound to the proof's key.
	if currentRefreshToken != "" && g.JKT != "" && g.JKT != requestJKT(ctx) {
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("the refresh token is bound to another DPoP key")
	}
	g.JKT = requestJKT(ctx)
	x5t, err := s.certBinding(ctx, g.ClientID)
	if err != nil {
		return "", "", time.Time{}, err
	}
	// A public client's refresh token is bound to its certificate (RFC 8705
	// section 4); a confidential client authenticates anyway, and may have
	// renewed its certificate since.
	if c, cerr := s.loadClient(ctx, g.ClientID); currentRefreshToken != "" && g.X5T != "" && g.X5T != x5t && cerr == nil && c.c.Public {
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("the refresh token is bound to another certificate")
	}
	g.X5T = x5t
	if rr, ok := req.(*refreshRequest); ok && currentRefreshToken != "" {
		return s.rotate(ctx, rr, g)
	}
	accessID, exp, err := s.newAccessToken(ctx, g, nil)
	if err != nil {
		return "", "", time.Time{}, err
	}
	value, err := s.newRefreshToken(ctx, g, accessID)
	if err != nil {
		return "", "", time.Time{}, err
	}
	return accessID, value, exp, nil
}

// rotate exchanges a refresh token for a new pair. Relying parties such as
// mod_auth_openidc and oauth2-proxy refresh one token from several requests at
// once; the first to arrive rotates it, and every other presentation by the
// same client with the same binding within the grace period gets the very same
// pair, so the family stays one chain and every answer works (RFC 9700 section
// 4.14.2; Hydra's refresh grace period). The successor is written before the
// token is claimed, so whoever finds the claim finds tokens that exist; the
// claim and the record of the successor are one document (storage), so it
// holds across instances and on the embedded server.
func (s *Storage) rotate(ctx context.Context, rr *refreshRequest, g storage.Grant) (string, string, time.Time, error) {
	if rr.t.Used {
		return s.answerAgain(ctx, rr, g)
	}
	accessID, exp, err := s.newAccessToken(ctx, g, nil)
	if err != nil {
		return "", "", time.Time{}, err
	}
	value, err := s.newRefreshToken(ctx, g, accessID)
	if err != nil {
		return "", "", time.Time{}, err
	}
	next := storage.RefreshRotation{UsedAt: time.Now().UTC(), ClientID: g.ClientID, JKT: g.JKT, X5T: g.X5T, Scopes: g.Scopes,
		AccessTokenID: accessID, AccessExpiresAt: exp, SealedToken: s.refreshSeal.seal([]byte(value))}
	err = s.store.RotateRefreshToken(ctx, rr.t.ID, next)
	if err == nil {
		return accessID, value, exp, nil
	}
	// Lost the race, or the token is gone: this attempt's pair is nobody's.
	if derr := s.discardPair(ctx, accessID, value); derr != nil {
		s.log.WarnContext(ctx, "discard a refresh attempt's tokens", "err", derr)
	}
	if errors.Is(err, storage.ErrConflict) {
		return s.answerAgain(ctx, rr, g)
	}
	return "", "", time.Time{}, s.refreshFailure(ctx, g, err)
}

// answerAgain answers a refresh token presented after its rotation: with the
// successor its first use got, when it is the same client with the same
// binding within the grace period and the successor is still unused; anything
// else is reuse, and the family is revoked (RFC 9700 section 4.14.2).
func (s *Storage) answerAgain(ctx context.Context, rr *refreshRequest, g storage.Grant) (string, string, time.Time, error) {
	next, err := s.store.RefreshRotationOf(ctx, rr.t.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return "", "", time.Time{}, s.serverError(ctx, err)
	}
	grace := s.cfg.RefreshGracePeriod
	// A public client's token bound to no key proves nothing of its holder:
	// anyone holding a copy would share in the grace, so reuse is theft at once.
	if c, cerr := s.loadClient(ctx, g.ClientID); cerr == nil && c.c.Public && g.JKT == "" && g.X5T == "" {
		grace = 0
	}
	if err != nil || grace <= 0 || time.Since(next.UsedAt) > grace ||
		next.ClientID != g.ClientID || next.JKT != g.JKT || next.X5T != g.X5T {
		return "", "", time.Time{}, s.refreshFailure(ctx, g, storage.ErrConflict)
	}
	plain, err := s.refreshSeal.open(next.SealedToken)
	if err != nil {
		return "", "", time.Time{}, s.serverError(ctx, fmt.Errorf("open a refresh token's successor: %w", err))
	}
	value := string(plain)
	successor, err := s.store.RefreshTokenByID(ctx, hashToken(value))
	switch {
	case errors.Is(err, storage.ErrNotFound): // revoked meanwhile
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("invalid refresh token")
	case err != nil:
		return "", "", time.Time{}, s.serverError(ctx, err)
	case successor.Used: // the chain moved on: this copy is not the client's own any more
		return "", "", time.Time{}, s.refreshFailure(ctx, g, storage.ErrConflict)
	}
	// The answer is the successor's: its scopes, its access token's grant.
	rr.scopes = next.Scopes
	sg := successor.Grant
	if h := holder(ctx); h != nil {
		h.issued = &sg
	}
	// A JWT access token has no record: the same token is signed again.
	if _, err := s.issueJWT(ctx, storage.AccessToken{ID: next.AccessTokenID, Grant: sg, CreatedAt: next.UsedAt,
		ExpiresAt: next.AccessExpiresAt}, nil); err != nil {
		return "", "", time.Time{}, err
	}
	s.log.InfoContext(ctx, "refresh token presented again within the grace period; same tokens answered",
		"client_id", g.ClientID, "subject", g.Subject)
	return next.AccessTokenID, value, next.AccessExpiresAt, nil
}

// newRefreshToken stores a new refresh token of grant g and returns its value.
func (s *Storage) newRefreshToken(ctx context.Context, g storage.Grant, accessID string) (string, error) {
	value, err := randomToken()
	if err != nil {
		return "", s.serverError(ctx, err)
	}
	now := time.Now().UTC()
	rt := storage.RefreshToken{ID: hashToken(value), Grant: g, AccessTokenID: accessID,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenLifetime)}
	if err := s.store.CreateRefreshToken(ctx, rt); err != nil {
		return "", s.serverError(ctx, err)
	}
	return value, nil
}

// discardPair removes the tokens of a refresh attempt that lost its race.
func (s *Storage) discardPair(ctx context.Context, accessID, refresh string) error {
	if err := s.store.DeleteRefreshToken(ctx, hashToken(refresh)); err != nil {
		return err
	}
	return s.store.DeleteAccessToken(ctx, accessID)
}

// TokenRequestByRefreshToken implements op.Storage. A token presented by a
// client it was not issued to is stolen: its family is revoked (RFC 9700
// section 4.14.2). A used token is refused at once when no grace period could
// cover it; otherwise rotate decides.
func (s *Storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	rt, err := s.store.RefreshTokenByID(ctx, hashToken(token))
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidGrant().WithDescription("invalid refresh token"))
	}
	// A refresh token presented by another client than its own was stolen
	// (RFC 6749 section 10.4, RFC 9700 section 4.14.2): its family is revoked.
	if h := holder(ctx); h != nil && h.authenticated != "" && h.authenticated != rt.Grant.ClientID {
		return nil, s.refreshFailure(ctx, rt.Grant, storage.ErrConflict)
	}
	if rt.Used && (s.cfg.RefreshGracePeriod <= 0 || time.Since(rt.UsedAt) > s.cfg.RefreshGracePeriod) {
		return nil, s.refreshFailure(ctx, rt.Grant, storage.ErrConflict)
	}
	c, err := s.loadClient(ctx, rt.Grant.ClientID)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidGrant().WithDescription("invalid refresh token"))
	}
	if err := s.subjectAllowed(ctx, rt.Grant); err != nil {
		return nil, err
	}
	// A scope the client may no longer have (its scopes list changed since the
	// sign-in) is not granted again, and the answer says so (RFC 6749 section 5.1).
	return &refreshRequest{t: rt, scopes: directory.GrantedScopes(c.c, rt.Grant.Scopes)}, nil
}

// subjectAllowed refuses the tokens of a person an operator locked out: the
// lock revoked them, and this holds for any that slipped past it. A client's
// own grant has no person; a deleted account's tokens went with it (and what
// needs its claims says so itself).
func (s *Storage) subjectAllowed(ctx context.Context, g storage.Grant) error {
	if g.Subject == g.ClientID {
		return nil
	}
	u, err := s.store.UserByID(ctx, g.Subject)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return s.serverError(ctx, err)
	}
	if directory.SignInAllowed(u, time.Now()) != nil {
		s.log.WarnContext(ctx, "token of a locked account refused", "subject", g.Subject, "client_id", g.ClientID)
		return oidc.ErrInvalidGrant().WithDescription("the account is locked")
	}
	return nil
}

// revokeGrant revokes every token of a grant: the stored ones are deleted, JWT access
// tokens (which have no record) are denied by their grant ID until they expire.
func (s *Storage) revokeGrant(ctx context.Context, family string) error {
	if err := s.store.RevokeFamily(ctx, family); err != nil {
		return err
	}
	return s.denied.Add(ctx, s.store, time.Now().Add(s.cfg.AccessTokenLifetime), claims.GrantID+":"+family)
}

func (s *Storage) refreshFailure(ctx context.Context, g storage.Grant, err error) error {
	if errors.Is(err, storage.ErrConflict) {
		if rerr := s.revokeGrant(ctx, g.Family); rerr != nil {
			return s.serverError(ctx, rerr)
		}
		s.log.WarnContext(ctx, "refresh token reused; token family revoked", "client_id", g.ClientID, "subject", g.Subject)
		s.audit(ctx, storage.AuditEvent{Type: directory.EventRefreshReuse, Outcome: directory.OutcomeFailure,
			UserID: g.Subject, ClientID: g.ClientID, Details: map[string]string{"grant": g.Family}})
		return oidc.ErrInvalidGrant().WithDescription("refresh token already used")
	}
	return s.notFoundAs(ctx, err, oidc.ErrInvalidGrant().WithDescription("invalid refresh token"))
}

// GetRefreshTokenInfo implements op.Storage (for revocation).
func (s *Storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	rt, err := s.store.RefreshTokenByID(ctx, hashToken(token))
	if errors.Is(err, storage.ErrNotFound) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", err
	}
	if rt.Grant.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.Grant.Subject, rt.ID, nil
}

// RevokeToken implements op.Storage. Revoking a refresh token revokes its whole
// grant (RFC 7009 §2.1); unknown tokens are not an error (RFC 7009 §2.2).
func (s *Storage) RevokeToken(ctx context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	if rt, err := s.store.RefreshTokenByID(ctx, tokenOrID); err == nil {
		if rt.Grant.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was issued to another client")
		}
		if err := s.revokeGrant(ctx, rt.Grant.Family); err != nil {
			return s.serverError(ctx, err)
		}
		s.audit(ctx, storage.AuditEvent{Type: directory.EventRevocation, Outcome: directory.OutcomeSuccess,
			UserID: rt.Grant.Subject, ClientID: clientID, Details: map[string]string{"token": "refresh_token", "grant": rt.Grant.Family}})
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return s.serverError(ctx, err)
	}
	if jt, ok := s.jwtAccessToken(ctx, tokenOrID); ok {
		if jt.Grant.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was issued to another client")
		}
		if err := s.denied.Add(ctx, s.store, jt.ExpiresAt, "jti:"+jt.ID); err != nil {
			return s.serverError(ctx, err)
		}
		return nil
	}
	at, err := s.store.AccessTokenByID(ctx, tokenOrID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return s.serverError(ctx, err)
	}
	if at.Grant.ClientID != clientID {
		return oidc.ErrInvalidClient().WithDescription("token was issued to another client")
	}
	if err := s.store.DeleteAccessToken(ctx, at.ID); err != nil {
		return s.serverError(ctx, err)
	}
	return nil
}

// newAccessToken records an opaque access token, or signs a JWT access token
// (RFC 9068) for a client of that format. A JWT access token carries its grant
// itself and is issued without a database write: revocation goes through the
// denylist (jti, grant, session), checked in memory (see cache.Denylist).
func (s *Storage) newAccessToken(ctx context.Context, g storage.Grant, org *orgs.Claims) (string, time.Time, error) {
	now := time.Now().UTC()
	t := storage.AccessToken{ID: directory.NewID(), Grant: g, CreatedAt: now, ExpiresAt: now.Add(s.cfg.AccessTokenLifetime)}
	if h := holder(ctx); h != nil {
		h.issued = &t.Grant
	}
	if jwt, err := s.issueJWT(ctx, t, org); jwt || err != nil {
		return t.ID, t.ExpiresAt, err
	}
	if err := s.store.CreateAccessToken(ctx, t); err != nil {
		return "", time.Time{}, s.serverError(ctx, err)
	}
	return t.ID, t.ExpiresAt, nil
}

func (s *Storage) grantOf(ctx context.Context, req op.TokenRequest) (storage.Grant, error) {
	switch req.(type) {
	case *op.DeviceAuthorizationState:
		return s.deviceGrant(ctx)
	case op.TokenExchangeRequest:
		return s.exchangeGrant(ctx)
	}
	g, ok := req.(granter)
	if !ok {
		return storage.Grant{}, oidc.ErrUnsupportedGrantType()
	}
	s.cfg.OnTokens(string(g.grantType()))
	return g.grant(), nil
}

// requestJKT is the DPoP key this token request proved ("" none).
func requestJKT(ctx context.Context) string {
	if h := holder(ctx); h != nil {
		return h.dpopJKT
	}
	return ""
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}
