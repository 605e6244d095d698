package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// requestMarkerLifetime outlives any auth request (their lifetime is at most a day,
// see the configuration checks); the IDs are random and never reused.
const requestMarkerLifetime = 25 * time.Hour

type marker struct {
	ID        string    `bson:"_id"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// claim makes a one-time transition ("this code is redeemed", "flow f left
// version 3") by inserting a marker with a unique _id: the only write that both
// MongoDB and the embedded server (whose updates read, filter and write without a
// transaction) make atomic. ErrConflict when somebody claimed it first. The marker
// must live as long as what it guards (until); the sweeper removes it after.
func (s *Store) claim(ctx context.Context, key string, until time.Time) error {
	// Through the group commit: concurrent claims share one transaction, and a
	// claim that lost to one in the same batch still gets its own duplicate key.
	err := s.insertOne(ctx, colMarkers, marker{ID: key, ExpiresAt: until.UTC()})
	if err != nil {
		err = mapErr("claim "+key, err)
		if errors.Is(err, storage.ErrAlreadyExists) {
			return mapErr("claim "+key, storage.ErrConflict)
		}
	}
	return err
}

// byID reads one document by _id alone and hides it when expired. A filter of
// exactly {_id} is the one the embedded server looks up by key; any other filter
// makes it scan and decode the whole collection.
func (s *Store) byID(ctx context.Context, col, op, id string, out any, expiresAt func() time.Time) error {
	if err := s.findOne(ctx, col, op, bson.D{{Key: "_id", Value: id}}, out); err != nil {
		return err
	}
	if expiresAt != nil && !expiresAt().After(s.now()) {
		return mapErr(op, storage.ErrNotFound)
	}
	return nil
}

// updateByID applies update to the document with _id; ErrNotFound if there is none.
func (s *Store) updateByID(ctx context.Context, col, op, id string, update any) error {
	defer s.locks.hold(col, id)()
	r, err := s.db.Collection(col).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	if err != nil {
		return mapErr(op, err)
	}
	if r.MatchedCount == 0 {
		return mapErr(op, storage.ErrNotFound)
	}
	return nil
}

// ClaimOnce claims a one-time event for a caller outside storage.
func (s *Store) ClaimOnce(ctx context.Context, key string, until time.Time) error {
	return s.claim(ctx, "once:"+key, until)
}
