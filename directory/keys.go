package directory

import (
	"context"
	"errors"
	"slices"
	"time"
)

// ErrUnknownAlgorithm: not one of the signing algorithms.
var ErrUnknownAlgorithm = errors.New("not one of the signing algorithms")

// KeyInfo describes a signing key (the key ring lives in provider).
type KeyInfo struct {
	KID       string    `json:"kid"`
	Algorithm string    `json:"alg"`
	Created   time.Time `json:"created"`
	Current   bool      `json:"current"`
	Published bool      `json:"published"`
}

// KeyRing is the provider's signing keys as the operators' services see them.
type KeyRing interface {
	Keys(ctx context.Context) ([]KeyInfo, error)
	Rotate(ctx context.Context, alg string) (kid string, err error)
}

// Keys lists and rotates signing keys, of the algorithms Vhod signs with.
type Keys struct {
	ring       KeyRing
	algorithms []string
}

// NewKeys makes the key operations over the provider's ring.
func NewKeys(ring KeyRing, algorithms []string) *Keys {
	return &Keys{ring: ring, algorithms: slices.Clone(algorithms)}
}

// List gives the signing keys.
func (k *Keys) List(ctx context.Context) ([]KeyInfo, error) { return k.ring.Keys(ctx) }

// Algorithms are the signing algorithms keys and clients may use.
func (k *Keys) Algorithms() []string { return slices.Clone(k.algorithms) }

// Rotate makes a new current key of an algorithm and returns its kid; the old
// one stays published until tokens signed with it have expired.
func (k *Keys) Rotate(ctx context.Context, alg string) (string, error) {
	if !slices.Contains(k.algorithms, alg) {
		return "", ErrUnknownAlgorithm
	}
	return k.ring.Rotate(ctx, alg)
}
