package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// CreateFlow stores a new flow.
func (s *Store) CreateFlow(ctx context.Context, f storage.Flow) error {
	return s.insert(ctx, colFlows, "create flow", f)
}

// FlowByID finds an unexpired flow.
func (s *Store) FlowByID(ctx context.Context, id string) (storage.Flow, error) {
	var f storage.Flow
	err := s.findOne(ctx, colFlows, "get flow", bson.D{{Key: "_id", Value: id}, s.notExpired()}, &f)
	return f, err
}

// SaveFlow writes f over the version it was read at.
func (s *Store) SaveFlow(ctx context.Context, f storage.Flow) (storage.Flow, error) {
	read := f.Version
	f.Version++
	r, err := s.db.Collection(colFlows).ReplaceOne(ctx,
		bson.D{{Key: "_id", Value: f.ID}, {Key: "version", Value: read}, s.notExpired()}, f)
	if err != nil {
		return f, mapErr("save flow", err)
	}
	if r.MatchedCount == 0 {
		return f, mapErr("save flow", storage.ErrConflict)
	}
	return f, nil
}
