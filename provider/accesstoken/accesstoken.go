// Package accesstoken is the format of Vhod's JWT access tokens (RFC 9068):
// the claims one carries — enough to answer userinfo and introspection and to
// revoke it without a record — its signing, and the check of one presented
// back. It is separate because it is a format, written and read in one place
// so the two cannot drift apart; when a token is issued and how op hands it out
// (see the provider's tokenCrypto) stay in the provider.
package accesstoken

import (
	"context"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/keys"
	"github.com/vhod-id/vhod/storage"
)

// JWT access tokens follow RFC 9068: typed at+jwt (section 2.1) so that no
// other JWT of this issuer — an ID token, a logout token — passes for one,
// with iss, exp, aud, sub, client_id, iat, jti and scope (section 2.2).

// Type is the JOSE type of Vhod's JWT access tokens.
const Type = "at+jwt"

// isAccessTokenType accepts the type in both spellings RFC 9068 section 4 allows.
func isType(typ any) bool {
	s, _ := typ.(string)
	return strings.EqualFold(s, Type) || strings.EqualFold(s, "application/"+Type)
}

// Sign signs the JWT access token t with key, for issuer; org is the
// organisation claims of an integration system's own token (nil: none).
func Sign(key op.SigningKey, issuer string, t storage.AccessToken, org *orgs.Claims) (string, error) {
	payload, err := payloadOf(issuer, t, org)
	if err != nil {
		return "", err
	}
	if token, ok, err := compact(key, payload); ok {
		return token, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.SignatureAlgorithm(), Key: jose.JSONWebKey{Key: key.Key(), KeyID: key.ID()}},
		(&jose.SignerOptions{}).WithType(Type))
	if err != nil {
		return "", err
	}
	sig, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return sig.CompactSerialize()
}

// Cnf is the confirmation (cnf) claim of a sender-constrained token (RFC 7800):
// the DPoP key (RFC 9449) and the client certificate (RFC 8705) it is bound to;
// nil when unbound.
func Cnf(jkt, x5t string) map[string]any {
	cnf := map[string]any{}
	if jkt != "" {
		cnf["jkt"] = jkt
	}
	if x5t != "" {
		cnf["x5t#S256"] = x5t
	}
	if len(cnf) == 0 {
		return nil
	}
	return cnf
}

// Keys are the issuer's published keys; a keys.Keyring is one.
type Keys interface {
	Published(ctx context.Context) ([]op.Key, error)
}

// Verify checks a JWT access token itself, whoever else did before: the
// signature by one of issuer's published keys, the type (RFC 9068 section 4:
// at+jwt, so no ID token or logout token passes), the issuer, a jti and the
// expiry. Every claim it returns is signed. It reads the keys only for a JWT.
func Verify(ctx context.Context, raw, issuer string, ring Keys) (storage.AccessToken, bool) {
	if strings.Count(raw, ".") != 2 {
		return storage.AccessToken{}, false
	}
	tok, err := jwt.ParseSigned(raw, keys.Algorithms)
	if err != nil || len(tok.Headers) != 1 || !isType(tok.Headers[0].ExtraHeaders[jose.HeaderType]) {
		return storage.AccessToken{}, false
	}
	published, err := ring.Published(ctx)
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
	if err := tok.Claims(key, &claims); err != nil || claims.ID == "" || claims.Issuer != issuer || claims.Expiry == nil {
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
