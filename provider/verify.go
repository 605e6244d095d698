package provider

import (
	"context"
	"errors"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/storage"
)

// ErrInvalidToken: the access token is not one of ours, or expired, or revoked.
var ErrInvalidToken = errors.New("invalid access token")

// VerifyAccessToken checks a bearer access token for Vhod's own APIs (see
// accessToken); a sender-constrained token is refused there, since those APIs
// check no proof of its key.
func (p *Provider) VerifyAccessToken(ctx context.Context, raw string) (storage.AccessToken, error) {
	ctx = context.WithValue(ctx, requestClientKey{}, &requestClient{})
	at, err := p.accessToken(ctx, raw)
	if err != nil {
		return at, err
	}
	if at.Grant.JKT != "" || at.Grant.X5T != "" {
		return at, ErrInvalidToken
	}
	return at, nil
}

// accessToken is the one check of an access token presented to Vhod: an
// opaque one is decrypted and its record read; a JWT must be an RFC 9068
// access token (typed at+jwt) of this issuer with a valid signature and
// expiry. Either must not be revoked. ID tokens, refresh tokens, logout
// tokens, codes and JWTs of other issuers are ErrInvalidToken; a database
// failure is a server_error. The context must carry the request's holder.
func (p *Provider) accessToken(ctx context.Context, raw string) (storage.AccessToken, error) {
	ctx = op.ContextWithIssuer(ctx, p.cfg.Issuer)
	h := holder(ctx)
	if h == nil || raw == "" {
		return storage.AccessToken{}, ErrInvalidToken
	}
	h.rawToken = raw
	var id, subject string
	if plain, err := p.op.Crypto().Decrypt(raw); err == nil {
		var ok bool
		if id, subject, ok = strings.Cut(plain, ":"); !ok || id == "" {
			return storage.AccessToken{}, ErrInvalidToken
		}
	} else {
		jt, ok := p.storage.verifyJWT(ctx, raw)
		if !ok {
			return storage.AccessToken{}, ErrInvalidToken
		}
		id, subject = jt.ID, jt.Grant.Subject
	}
	at, err := p.storage.activeToken(ctx, id, subject)
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) && oe.ErrorType == oidc.ServerError {
			return at, err
		}
		return at, ErrInvalidToken
	}
	return at, nil
}
