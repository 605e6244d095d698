package provider

import (
	"context"
	"log/slog"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/cache"
	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/provider/keys"
)

// Storage adapts Vhod's store to op's storage interfaces. It converts and maps
// errors; the rules live in directory and login.
type Storage struct {
	store   Store
	keys    *keys.Keyring
	cfg     Config
	log     *slog.Logger
	op      *op.Provider
	clients cache.Clients
	// crypto is op's crypto, handing out JWT access tokens (see tokenCrypto).
	crypto *tokenCrypto
	denied cache.Denylist
	// dpop checks DPoP proofs and makes the server nonces.
	dpop *dpop.Verifier
	// logoutSeal protects the end-session page's state in its URL;
	// logoutConfirmSeal the logout confirmation form's.
	logoutSeal, logoutConfirmSeal sealer
	// refreshSeal keeps a rotated refresh token's successor for the grace period.
	refreshSeal sealer
	// logouts counts back-channel logout deliveries under way.
	logouts sync.WaitGroup
	// callback is callbackURL bound once: each client adapter of a request
	// takes it, and a method value made there is an allocation per request.
	callback func(id string) string
}

var (
	_ op.Storage                   = (*Storage)(nil)
	_ op.ClientCredentialsStorage  = (*Storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*Storage)(nil)
)

// Health answers op's readiness probe.
func (s *Storage) Health(ctx context.Context) error { return s.store.Ping(ctx) }
