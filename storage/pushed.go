package storage

import (
	"context"
	"time"
)

// PushedRequest is an authorization request a client pushed before sending the
// browser (RFC 9126). It is kept for a minute and used once.
type PushedRequest struct {
	// ID is the random part of the request_uri handed to the client.
	ID       string `bson:"_id"`
	ClientID string `bson:"client_id"`
	// Params are the authorization request's parameters, as verified at the push
	// (a request object is already opened into them).
	Params    map[string][]string `bson:"params"`
	ExpiresAt time.Time           `bson:"expires_at"`
}

// PushedRequests stores pushed authorization requests.
type PushedRequests interface {
	PushRequest(ctx context.Context, r PushedRequest) error
	// TakePushedRequest returns the request of the client and removes it in one
	// step, so that a request_uri is used once; ErrNotFound when unknown, used,
	// expired or another client's (which leaves it to its own client).
	TakePushedRequest(ctx context.Context, id, clientID string) (PushedRequest, error)
}
