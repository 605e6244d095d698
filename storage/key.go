package storage

import (
	"context"
	"time"
)

// SigningKey is one generation of the provider's signing key for an algorithm.
// The ID is the slot "ALG/generation", so that when several instances rotate at
// once, exactly one insert wins and all agree on the current key.
type SigningKey struct {
	ID         string `bson:"_id"`
	KID        string `bson:"kid"`
	Algorithm  string `bson:"alg"`
	Generation int    `bson:"generation"`
	// PrivateSealed is the private JWK, encrypted with the master key (AES-256-GCM).
	PrivateSealed []byte    `bson:"private_sealed"`
	PublicJWK     []byte    `bson:"public_jwk"`
	CreatedAt     time.Time `bson:"created_at"`
}

// Keys stores signing keys.
type Keys interface {
	// InsertKey stores a new key; ErrAlreadyExists if its slot is taken.
	InsertKey(ctx context.Context, k SigningKey) error
	ListKeys(ctx context.Context) ([]SigningKey, error)
	DeleteKey(ctx context.Context, id string) error
}
