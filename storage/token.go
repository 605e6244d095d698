package storage

import (
	"context"
	"time"
)

// Grant is what tokens were issued for: the user (or client), the scopes and how the
// user signed in. Access and refresh tokens of one sign-in share a Family, so that
// reuse of a rotated refresh token or a replayed code revokes all of them.
type Grant struct {
	ClientID  string    `bson:"client_id"`
	Subject   string    `bson:"subject"`
	Audience  []string  `bson:"audience"`
	Scopes    []string  `bson:"scopes"`
	Family    string    `bson:"family"`
	SessionID string    `bson:"session_id,omitempty"`
	AuthTime  time.Time `bson:"auth_time"`
	AMR       []string  `bson:"amr,omitempty"`
	ACR       string    `bson:"acr,omitempty"`
	// Certificate is the one the person signed in with, for the "cert" claim.
	Certificate *CertificateRef `bson:"certificate,omitempty"`
	// IdP is the outside identity provider of the sign-in, for the "idp" claim.
	IdP string `bson:"idp,omitempty"`
	// UILocale is the first of the sign-in request's ui_locales: the language
	// the relying party shows, which orders the name claim.
	UILocale string `bson:"ui_locale,omitempty"`
	// OrgID is the organisation chosen at sign-in; its roles are read when a
	// token is made, so role changes show in the next one.
	OrgID string `bson:"org_id,omitempty"`
	// JKT binds the tokens to a DPoP key (RFC 9449): its SHA-256 JWK thumbprint.
	JKT string `bson:"jkt,omitempty"`
	// X5T binds the tokens to a TLS client certificate (RFC 8705): its SHA-256
	// thumbprint, base64url.
	X5T string `bson:"x5t,omitempty"`
}

// AccessToken is an issued access token, by its ID (the JWT's jti for JWT tokens).
type AccessToken struct {
	ID        string    `bson:"_id"`
	Grant     Grant     `bson:"grant"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// RefreshToken is stored by the SHA-256 of its value; the value itself is never stored.
type RefreshToken struct {
	ID            string `bson:"_id"`
	Grant         Grant  `bson:"grant"`
	AccessTokenID string `bson:"access_token_id"`
	Used          bool   `bson:"used"`
	// UsedAt is when the token was exchanged for its successor.
	UsedAt    time.Time `bson:"used_at,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// RefreshRotation is what a refresh token was exchanged for. It is recorded in
// the same single-document write that makes the token used, so that whoever
// finds the token used finds its successor too: a second presentation within
// the grace period is answered with the same tokens (RFC 9700 section 4.14.2).
type RefreshRotation struct {
	UsedAt   time.Time `bson:"used_at"`
	ClientID string    `bson:"client_id"`
	// JKT and X5T are the successor's bindings (DPoP key, client certificate).
	JKT    string   `bson:"jkt,omitempty"`
	X5T    string   `bson:"x5t,omitempty"`
	Scopes []string `bson:"scopes"`
	// AccessTokenID and AccessExpiresAt are the successor access token's.
	AccessTokenID   string    `bson:"access_token_id"`
	AccessExpiresAt time.Time `bson:"access_expires_at"`
	// SealedToken is the successor refresh token's value, encrypted and
	// authenticated with a key the database does not hold.
	SealedToken string `bson:"sealed_token"`
}

// Tokens stores access and refresh tokens. Reads never return expired tokens.
type Tokens interface {
	CreateAccessToken(ctx context.Context, t AccessToken) error
	AccessTokenByID(ctx context.Context, id string) (AccessToken, error)
	DeleteAccessToken(ctx context.Context, id string) error
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	RefreshTokenByID(ctx context.Context, id string) (RefreshToken, error)
	// UseRefreshToken marks an unused token used; ErrConflict if it was used already.
	UseRefreshToken(ctx context.Context, id string) error
	// RotateRefreshToken marks an unused token used and records its successor,
	// atomically; ErrConflict if it was used already, ErrNotFound if there is
	// no such unexpired token.
	RotateRefreshToken(ctx context.Context, id string, next RefreshRotation) error
	// RefreshRotationOf is what a used token was exchanged for; ErrNotFound
	// when it is unused or was used without a record of its successor.
	RefreshRotationOf(ctx context.Context, id string) (RefreshRotation, error)
	// DeleteRefreshToken removes one refresh token.
	DeleteRefreshToken(ctx context.Context, id string) error
	// RevokeFamily deletes every access and refresh token of a family.
	RevokeFamily(ctx context.Context, family string) error
	// RevokeSessionTokens deletes every token issued in a browser session.
	RevokeSessionTokens(ctx context.Context, sessionID string) error
	// RevokeUserTokens deletes every token issued to a user, and the codes of
	// the user's completed auth requests and approved device authorizations
	// not yet redeemed.
	RevokeUserTokens(ctx context.Context, userID string) error
}
