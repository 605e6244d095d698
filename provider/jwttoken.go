package provider

import (
	"context"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/vhod-id/vhod/storage"
)

// jwtAccessToken reads the JWT access token this request is about, when op has
// already verified it and found it has the ID tokenID. op passes storage only the
// ID and subject; the rest of the grant is in the token itself.
func (s *Storage) jwtAccessToken(ctx context.Context, tokenID string) (storage.AccessToken, bool) {
	h := holder(ctx)
	if h == nil || strings.Count(h.rawToken, ".") != 2 {
		return storage.AccessToken{}, false
	}
	tok, err := jwt.ParseSigned(h.rawToken, SupportedAlgorithms)
	// RFC 9068 section 4: only a JWT typed at+jwt is an access token; an ID
	// token or a logout token of this issuer is not.
	if err != nil || len(tok.Headers) != 1 || !isAccessTokenType(tok.Headers[0].ExtraHeaders[jose.HeaderType]) {
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
	// op verified this very token (signature, issuer, expiry) before handing its ID
	// over; matching the ID ties the claims to that verification.
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil || claims.ID == "" || claims.ID != tokenID || claims.Expiry == nil {
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
