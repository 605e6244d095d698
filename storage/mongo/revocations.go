package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// Revoke adds keys to the denylist; an existing entry keeps the later expiry.
func (s *Store) Revoke(ctx context.Context, until time.Time, keys ...string) error {
	now := s.now().UTC()
	for _, k := range keys {
		filter := bson.D{{Key: "_id", Value: k}}
		update := bson.M{"$set": bson.M{"created_at": now}, "$max": bson.M{"expires_at": until.UTC()}}
		unlock := s.locks.hold(colRevocations, k)
		_, err := s.db.Collection(colRevocations).UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
		// Two upserts of a new key at once: both find nothing, one inserts and
		// the other fails on the unique _id. The entry now exists, so this
		// caller's update applies to it (MongoDB retries this itself in some
		// cases, the embedded server never).
		if mongo.IsDuplicateKeyError(err) {
			_, err = s.db.Collection(colRevocations).UpdateOne(ctx, filter, update)
		}
		unlock()
		if err != nil {
			return mapErr("revoke "+k, err)
		}
	}
	return nil
}

// RevocationsSince lists recent unexpired entries. The collection holds only what
// was revoked within the longest access token lifetime, so it stays small.
func (s *Store) RevocationsSince(ctx context.Context, since time.Time) ([]storage.Revocation, error) {
	cur, err := s.db.Collection(colRevocations).Find(ctx,
		bson.D{{Key: "created_at", Value: bson.M{"$gte": since.UTC()}}, s.notExpired()},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, mapErr("list revocations", err)
	}
	var out []storage.Revocation
	return out, mapErr("list revocations", cur.All(ctx, &out))
}
