package mongo

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// InsertKey stores a key in its slot; the unique _id makes concurrent rotations safe.
func (s *Store) InsertKey(ctx context.Context, k storage.SigningKey) error {
	return s.insert(ctx, colKeys, "insert signing key", k)
}

// ListKeys lists keys, newest generation first.
func (s *Store) ListKeys(ctx context.Context) ([]storage.SigningKey, error) {
	cur, err := s.db.Collection(colKeys).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "alg", Value: 1}, {Key: "generation", Value: -1}}))
	if err != nil {
		return nil, mapErr("list signing keys", err)
	}
	var out []storage.SigningKey
	return out, mapErr("list signing keys", cur.All(ctx, &out))
}

// DeleteKey removes a key.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	return s.deleteByID(ctx, colKeys, "delete signing key", id)
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
