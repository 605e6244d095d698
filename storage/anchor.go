package storage

import (
	"context"
	"time"
)

// TrustAnchor is a CA certificate an operator added through the admin API or
// the console; certificate sign-in trusts it beside the anchors of the
// configuration files. The ID is the SHA-256 of the certificate (hex), so the
// same CA cannot be added twice.
type TrustAnchor struct {
	ID        string    `bson:"_id"`
	DER       []byte    `bson:"der"`
	Subject   string    `bson:"subject"`
	Qualified bool      `bson:"qualified"`
	AddedBy   string    `bson:"added_by"`
	AddedAt   time.Time `bson:"added_at"`
}

// TrustAnchors stores the anchors added at run time.
type TrustAnchors interface {
	// AddTrustAnchor stores an anchor; ErrAlreadyExists when it is there.
	AddTrustAnchor(ctx context.Context, a TrustAnchor) error
	ListTrustAnchors(ctx context.Context) ([]TrustAnchor, error)
	// DeleteTrustAnchor removes one; ErrNotFound when it is not there.
	DeleteTrustAnchor(ctx context.Context, id string) error
}
