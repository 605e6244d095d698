package provider

import (
	"context"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/keys"
)

// SigningKey implements op.Storage: the current key of the algorithm the client of
// this request chose (see requestClient), else the default.
func (s *Storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	var alg jose.SignatureAlgorithm
	if h := holder(ctx); h != nil && h.c != nil {
		alg = jose.SignatureAlgorithm(h.c.c.SigningAlg)
	}
	k, err := s.keys.Signing(ctx, alg)
	if err != nil {
		return nil, s.serverError(ctx, err)
	}
	return k, nil
}

// SignatureAlgorithms implements op.Storage.
func (s *Storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return keys.Algorithms, nil
}

// KeySet implements op.Storage: every published key, current and retiring.
func (s *Storage) KeySet(ctx context.Context) ([]op.Key, error) {
	pub, err := s.keys.Published(ctx)
	if err != nil {
		return nil, s.serverError(ctx, err)
	}
	return pub, nil
}
