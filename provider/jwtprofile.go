package provider

import (
	"context"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/provider/clientjwt"
)

// GetKeyByIDAndClientID implements op.Storage: a public key from the client's
// registered JWKS, for private_key_jwt client authentication.
func (s *Storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, err := s.loadClient(ctx, clientID)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidClient())
	}
	set, err := clientjwt.Keys(c.c.JWKS)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithDescription("%s", err.Error())
	}
	keys := set.Key(keyID)
	if len(keys) == 0 {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown key id")
	}
	return &keys[0], nil
}

// ValidateJWTProfileScopes implements op.Storage. The JWT bearer grant is not
// offered to any client; the scopes are returned as they are.
func (s *Storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}
