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
	at, ok := accesstoken.Verify(ctx, h.rawToken, s.cfg.Issuer, s.keys)
	return at, ok && at.ID == tokenID
}
