package provider

import (
	"context"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/vhod-id/vhod/provider/keys"
	"github.com/vhod-id/vhod/storage"
)

// jwtAccessToken reads the JWT access token this request is about (the
// holder's raw token), when it is a valid one of this issuer with the ID
// tokenID: op passes storage only the ID and subject of a token, the rest of
// the grant is in the token itself.
func (s *Storage) jwtAccessToken(ctx context.Context, tokenID string) (storage.AccessToken, bool) {
	h := holder(ctx)
	if h == nil {
		return storage.AccessToken{}, false
	}
	at, ok := s.verifiedJWTAccessToken(ctx, h.rawToken)
	return at, ok && at.ID == tokenID
}

// verifiedJWTAccessToken checks a JWT access token itself, whoever else did
// before: the signature by one of this issuer's published keys, the type
// (RFC 9068 section 4: at+jwt, so no ID token or logout token passes), the
// issuer, a jti and the expiry. Every claim it returns is signed.
func (s *Storage) verifiedJWTAccessToken(ctx context.Context, raw string) (storage.AccessToken, bool) {
	if strings.Count(raw, ".") != 2 {
		return storage.AccessToken{}, false
	}
	tok, err := jwt.ParseSigned(raw, keys.Algorithms)
	if err != nil || len(tok.Headers) != 1 || !isAccessTokenType(tok.Headers[0].ExtraHeaders[jose.HeaderType]) {
		return storage.AccessToken{}, false
	}
	published, err := s.keys.Published(ctx)
	if err != nil {
		return storage.AccessToken{}, false
	}
	var key any
	for _, k := range published {
		if k.ID() == tok.Headers[0].KeyID && string(k.Algorithm()) == tok.Headers[0].Algorithm {
			key = k.Key()
		}
	}
	if key == nil {
		return storage.AccessToken{}, false
	}
	var claims struct {
		jwt.Claims
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
		SID      string `json:"sid"`
		GrantID  string `json:"gid"`
		OrgID    string `json:"org_id"`
		CertSHA  string `json:"cert_sha256"`
		UILocale string `json:"ui_locale"`
		Cnf      struct {
			JKT string `json:"jkt"`
			X5T string `json:"x5t#S256"`
		} `json:"cnf"`
	}
	if err := tok.Claims(key, &claims); err != nil || claims.ID == "" || claims.Issuer != s.cfg.Issuer || claims.Expiry == nil {
		return storage.AccessToken{}, false
	}
	at := storage.AccessToken{
		ID: claims.ID,
		Grant: storage.Grant{ClientID: claims.ClientID, Subject: claims.Subject, Audience: claims.Audience,
			Scopes: strings.Fields(claims.Scope), Family: claims.GrantID, SessionID: claims.SID, OrgID: claims.OrgID,
			JKT: claims.Cnf.JKT, X5T: claims.Cnf.X5T, UILocale: claims.UILocale},
		ExpiresAt: claims.Expiry.Time(),
	}
	if claims.CertSHA != "" {
		at.Grant.Certificate = &storage.CertificateRef{SHA256: claims.CertSHA}
	}
	if claims.IssuedAt != nil {
		at.CreatedAt = claims.IssuedAt.Time()
	}
	if time.Now().After(at.ExpiresAt) {
		return storage.AccessToken{}, false
	}
	return at, true
}
