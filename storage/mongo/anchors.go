package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

const colTrustAnchors = "trust_anchors"

// AddTrustAnchor stores an anchor; its _id (the certificate's hash) refuses a second copy.
func (s *Store) AddTrustAnchor(ctx context.Context, a storage.TrustAnchor) error {
	return s.insert(ctx, colTrustAnchors, "add trust anchor", a)
}

// ListTrustAnchors lists the stored anchors, oldest first.
func (s *Store) ListTrustAnchors(ctx context.Context) ([]storage.TrustAnchor, error) {
	cur, err := s.db.Collection(colTrustAnchors).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "added_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr("list trust anchors", err)
	}
	var out []storage.TrustAnchor
	return out, mapErr("list trust anchors", cur.All(ctx, &out))
}

// DeleteTrustAnchor removes an anchor.
func (s *Store) DeleteTrustAnchor(ctx context.Context, id string) error {
	r, err := s.db.Collection(colTrustAnchors).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && r.DeletedCount == 0 {
		err = storage.ErrNotFound
	}
	return mapErr("delete trust anchor", err)
}
