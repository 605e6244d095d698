package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// CreateAuthRequest stores a new request.
func (s *Store) CreateAuthRequest(ctx context.Context, r storage.AuthRequest) error {
	return s.insert(ctx, colAuthRequests, "create auth request", r)
}

// AuthRequestByID finds an unexpired request.
func (s *Store) AuthRequestByID(ctx context.Context, id string) (storage.AuthRequest, error) {
	var r storage.AuthRequest
	err := s.findOne(ctx, colAuthRequests, "get auth request", bson.D{{Key: "_id", Value: id}, s.notExpired()}, &r)
	return r, err
}

// CompleteAuthRequest records the sign-in once.
func (s *Store) CompleteAuthRequest(ctx context.Context, id string, c storage.Completion) error {
	filter := bson.D{{Key: "_id", Value: id}, s.notExpired(), {Key: "completion", Value: nil}}
	return s.conditionalUpdate(ctx, colAuthRequests, "complete auth request", id, filter,
		bson.M{"$set": bson.M{"completion": c}})
}

// SaveAuthCode attaches a code to a completed request that has none.
func (s *Store) SaveAuthCode(ctx context.Context, id, codeHash string, expiresAt time.Time) error {
	filter := bson.D{{Key: "_id", Value: id}, s.notExpired(),
		{Key: "completion", Value: bson.M{"$ne": nil}}, {Key: "code_hash", Value: ""}}
	return s.conditionalUpdate(ctx, colAuthRequests, "save auth code", id, filter,
		bson.M{"$set": bson.M{"code_hash": codeHash, "expires_at": expiresAt.UTC()}})
}

// RedeemAuthCode marks the code used; a second redemption gets ErrConflict.
func (s *Store) RedeemAuthCode(ctx context.Context, codeHash string) (storage.AuthRequest, error) {
	var r storage.AuthRequest
	err := s.db.Collection(colAuthRequests).FindOneAndUpdate(ctx,
		bson.D{{Key: "code_hash", Value: codeHash}, s.notExpired()},
		bson.M{"$set": bson.M{"code_used": true}},
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&r)
	if err != nil {
		return r, mapErr("redeem code", err)
	}
	if r.CodeUsed {
		return r, mapErr("redeem code", storage.ErrConflict)
	}
	r.CodeUsed = true
	return r, nil
}

// DeleteAuthRequest removes a request.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.deleteByID(ctx, colAuthRequests, "delete auth request", id)
}

// conditionalUpdate applies update where filter matches; when nothing matched it tells
// a missing document (ErrNotFound) from a failed precondition (ErrConflict).
func (s *Store) conditionalUpdate(ctx context.Context, col, op, id string, filter bson.D, update any) error {
	r, err := s.db.Collection(col).UpdateOne(ctx, filter, update)
	if err != nil {
		return mapErr(op, err)
	}
	if r.MatchedCount == 1 {
		return nil
	}
	n, err := s.db.Collection(col).CountDocuments(ctx, bson.D{{Key: "_id", Value: id}, s.notExpired()})
	if err != nil {
		return mapErr(op, err)
	}
	if n == 0 {
		return mapErr(op, storage.ErrNotFound)
	}
	return mapErr(op, storage.ErrConflict)
}
