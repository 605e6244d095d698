package mongo

import (
	"context"
	"errors"
	"time"

	"github.com/vhod-id/vhod/storage"
)

const colPushed = "pushed_requests"

// PushRequest stores a pushed authorization request.
func (s *Store) PushRequest(ctx context.Context, r storage.PushedRequest) error {
	return s.insert(ctx, colPushed, "push request", r)
}

// TakePushedRequest reads the request and claims it with a marker (the embedded
// server's findAndModify is not atomic between two callers; a unique insert is):
// of two browsers bringing the same request_uri, one gets it. The document
// itself goes with the sweeper.
func (s *Store) TakePushedRequest(ctx context.Context, id, clientID string) (storage.PushedRequest, error) {
	var r storage.PushedRequest
	if err := s.byID(ctx, colPushed, "get pushed request", id, &r, func() time.Time { return r.ExpiresAt }); err != nil {
		return storage.PushedRequest{}, err
	}
	if r.ClientID != clientID {
		return storage.PushedRequest{}, mapErr("take pushed request", storage.ErrNotFound)
	}
	if err := s.claim(ctx, "par:"+id, r.ExpiresAt); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return storage.PushedRequest{}, mapErr("take pushed request", storage.ErrNotFound)
		}
		return storage.PushedRequest{}, err
	}
	return r, nil
}
