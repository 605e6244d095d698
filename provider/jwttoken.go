package provider

import (
	"context"

	"github.com/vhod-id/vhod/provider/accesstoken"
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
	at, ok := s.verifyJWT(ctx, h.rawToken)
	return at, ok && at.ID == tokenID
}

// verifiedJWT is the outcome of accesstoken.Verify for one raw token.
type verifiedJWT struct {
	raw string
	at  storage.AccessToken
	ok  bool
}

// verifyJWT is accesstoken.Verify, done once per request and token: userinfo
// and introspection check the token as it comes in (Provider.accessToken) and
// again where only its ID is passed on (activeToken), and the signature's
// verification is the costliest step of either. The outcome lives in the
// request's holder, so it is never shared between requests; without a holder
// the token is checked every time.
func (s *Storage) verifyJWT(ctx context.Context, raw string) (storage.AccessToken, bool) {
	h := holder(ctx)
	if h != nil && h.verified != nil && h.verified.raw == raw {
		return h.verified.at, h.verified.ok
	}
	at, ok := accesstoken.Verify(ctx, raw, s.cfg.Issuer, s.keys)
	if h != nil {
		h.verified = &verifiedJWT{raw: raw, at: at, ok: ok}
	}
	return at, ok
}
