package mongo

import (
	"context"
	"fmt"
	"time"

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
	err := s.byID(ctx, colFlows, "get flow", id, &f, func() time.Time { return f.ExpiresAt })
	return f, err
}

// SaveFlow writes f over the version it was read at: the first writer to claim
// "flow f left version v" wins, every other writer of that version gets ErrConflict.
func (s *Store) SaveFlow(ctx context.Context, f storage.Flow) (storage.Flow, error) {
	if !f.ExpiresAt.After(s.now()) {
		return f, mapErr("save flow", storage.ErrConflict)
	}
	if err := s.claim(ctx, fmt.Sprintf("flow:%s@%d", f.ID, f.Version), f.ExpiresAt); err != nil {
		return f, err
	}
	f.Version++
	r, err := s.db.Collection(colFlows).ReplaceOne(ctx, bson.D{{Key: "_id", Value: f.ID}}, f)
	if err != nil {
		return f, mapErr("save flow", err)
	}
	if r.MatchedCount == 0 {
		return f, mapErr("save flow", storage.ErrConflict)
	}
	return f, nil
}
