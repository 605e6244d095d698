package storage

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends wrap their driver errors into these; callers use errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict means a precondition of a conditional write did not hold:
	// somebody else changed the document first, or it is in the wrong state.
	ErrConflict error = conflictError{}
	// ErrUnavailable means the database did not answer in time: down, unreachable
	// or overloaded. Callers answer 503 and retry later; nothing was decided.
	ErrUnavailable error = unavailableError{}
)

// unavailableError says Temporary, as net.Error does, so that the pages tell
// "try again shortly" from any other failure without knowing storage.
type unavailableError struct{}

func (unavailableError) Error() string   { return "database unavailable" }
func (unavailableError) Temporary() bool { return true }

// conflictError says Conflict: somebody else was first (another tab, another
// instance); the pages answer 409, for the person to try again.
type conflictError struct{}

func (conflictError) Error() string  { return "conflict" }
func (conflictError) Conflict() bool { return true }

// Store is everything Vhod persists. Consumers should declare the narrow subset they use.
type Store interface {
	Clients
	Users
	Factors
	Passkeys
	Ceremonies
	Organisations
	TrustAnchors
	AuthRequests
	PushedRequests
	DeviceAuthorizations
	Tokens
	Sessions
	Consents
	Flows
	Keys
	Counters
	Leases
	Revocations
	ClientsVersion
	Audit
	Once
	Outbox
	IdentityProviders
	// Ping answers whether the database is reachable.
	Ping(ctx context.Context) error
	// DeleteExpired removes documents whose expiry is before now, in every collection
	// that has one, and reports how many went. Auth requests are kept
	// AuthRequestKept past their expiry (unreadable but for AuthRequestClient).
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
	Close(ctx context.Context) error
}
