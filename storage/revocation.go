package storage

import (
	"context"
	"time"
)

// Revocation denies tokens that have no record of their own (JWT access tokens are
// issued without a database write): by token ID ("jti:…"), by grant ("gid:…") or
// by browser session ("sid:…"), until the last such token has expired.
type Revocation struct {
	Key       string    `bson:"_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// Revocations stores the denylist.
type Revocations interface {
	// Revoke adds keys to the denylist until until.
	Revoke(ctx context.Context, until time.Time, keys ...string) error
	// RevocationsSince lists unexpired entries created at or after since, oldest first.
	RevocationsSince(ctx context.Context, since time.Time) ([]Revocation, error)
}

// ClientsVersion lets every instance notice that some client changed.
type ClientsVersion interface {
	// ClientsVersion is a number that changes whenever a client is put or deleted.
	ClientsVersion(ctx context.Context) (int64, error)
}
