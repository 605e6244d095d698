package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// AppendAudit adds an event; there is no way to change or delete one here.
func (s *Store) AppendAudit(ctx context.Context, e storage.AuditEvent) error {
	return s.insert(ctx, colAudit, "append audit event", e)
}

// QueryAudit returns matching events, newest first.
func (s *Store) QueryAudit(ctx context.Context, q storage.AuditQuery) ([]storage.AuditEvent, error) {
	filter := bson.D{}
	for _, f := range []struct{ key, value string }{
		{"user_id", q.UserID}, {"client_id", q.ClientID}, {"org_id", q.OrgID}, {"type", q.Type},
	} {
		if f.value != "" {
			filter = append(filter, bson.E{Key: f.key, Value: f.value})
		}
	}
	span := bson.M{}
	if !q.From.IsZero() {
		span["$gte"] = q.From.UTC()
	}
	if !q.To.IsZero() {
		span["$lt"] = q.To.UTC()
	}
	if len(span) > 0 {
		filter = append(filter, bson.E{Key: "time", Value: span})
	}
	order := bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}
	if q.Oldest {
		order = bson.D{{Key: "time", Value: 1}, {Key: "_id", Value: 1}}
		if !q.After.IsZero() {
			t := q.After.UTC()
			filter = append(filter, bson.E{Key: "$or", Value: bson.A{
				bson.M{"time": bson.M{"$gt": t}},
				bson.M{"time": t, "_id": bson.M{"$gt": q.AfterID}},
			}})
		}
	} else if !q.Before.IsZero() {
		t := q.Before.UTC()
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.M{"time": bson.M{"$lt": t}},
			bson.M{"time": t, "_id": bson.M{"$lt": q.BeforeID}},
		}})
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	cur, err := s.db.Collection(colAudit).Find(ctx, filter,
		options.Find().SetSort(order).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("query audit", err)
	}
	var out []storage.AuditEvent
	return out, mapErr("query audit", cur.All(ctx, &out))
}

// PruneAudit deletes events older than before.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	r, err := s.db.Collection(colAudit).DeleteMany(ctx, bson.D{{Key: "time", Value: bson.M{"$lt": before.UTC()}}})
	if err != nil {
		return 0, mapErr("prune audit", err)
	}
	return r.DeletedCount, nil
}
