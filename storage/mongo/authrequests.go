package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// CreateAuthRequest stores a new request.
func (s *Store) CreateAuthRequest(ctx context.Context, r storage.AuthRequest) error {
	return s.insert(ctx, colAuthRequests, "create auth request", r)
}

// AuthRequestByID finds an unexpired request.
func (s *Store) AuthRequestByID(ctx context.Context, id string) (storage.AuthRequest, error) {
	var r storage.AuthRequest
	err := s.byID(ctx, colAuthRequests, "get auth request", id, &r, func() time.Time { return r.ExpiresAt })
	return r, err
}

// CompleteAuthRequest records the sign-in once.
func (s *Store) CompleteAuthRequest(ctx context.Context, id string, c storage.Completion) error {
	if _, err := s.AuthRequestByID(ctx, id); err != nil {
		return err
	}
	if err := s.claim(ctx, "complete:"+id); err != nil {
		return err
	}
	return s.updateByID(ctx, colAuthRequests, "complete auth request", id, bson.M{"$set": bson.M{"completion": c}})
}

// SaveAuthCode attaches a code to a completed request that has none.
func (s *Store) SaveAuthCode(ctx context.Context, id, codeHash string, expiresAt time.Time) error {
	r, err := s.AuthRequestByID(ctx, id)
	if err != nil {
		return err
	}
	if r.Completion == nil {
		return mapErr("save auth code", storage.ErrConflict)
	}
	if err := s.claim(ctx, "code:"+id); err != nil {
		return err
	}
	return s.updateByID(ctx, colAuthRequests, "save auth code", id,
		bson.M{"$set": bson.M{"code_hash": codeHash, "expires_at": expiresAt.UTC()}})
}

// RedeemAuthCode consumes the code once; a second redemption gets ErrConflict.
func (s *Store) RedeemAuthCode(ctx context.Context, id, codeHash string) (storage.AuthRequest, error) {
	r, err := s.AuthRequestByID(ctx, id)
	if err != nil {
		return r, err
	}
	if r.CodeHash == "" || r.CodeHash != codeHash {
		return storage.AuthRequest{}, mapErr("redeem code", storage.ErrNotFound)
	}
	return r, s.claim(ctx, "redeem:"+id)
}

// DeleteAuthRequest removes a request.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.deleteByID(ctx, colAuthRequests, "delete auth request", id)
}
