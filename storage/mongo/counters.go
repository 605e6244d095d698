package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

type counterDoc struct {
	ID        string    `bson:"_id"`
	Count     int64     `bson:"count"`
	ExpiresAt time.Time `bson:"expires_at"`
}

func windowKey(key string, window time.Duration, now time.Time) (string, time.Time) {
	start := now.Truncate(window)
	return fmt.Sprintf("%s@%d", key, start.Unix()), start.Add(window)
}

// Hit increments the counter of the window that holds now with an upsert by _id
// and returns the sliding estimate. MongoDB applies $inc atomically; the embedded
// server may lose an increment to an exactly concurrent one, which only makes a
// limit a little more lenient. A window's document lives on through the next
// window, whose estimate still weighs it.
func (s *Store) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	id, end := windowKey(key, window, now)
	var d counterDoc
	err := s.db.Collection(colCounters).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.M{"$inc": bson.M{"count": 1}, "$set": bson.M{"expires_at": end.Add(window).UTC()}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, mapErr("count "+key, err)
	}
	prevID, _ := windowKey(key, window, now.Add(-window))
	var prev counterDoc
	if err := s.findOne(ctx, colCounters, "count "+key, bson.D{{Key: "_id", Value: prevID}}, &prev); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return 0, err
	}
	return storage.SlidingCount(d.Count, prev.Count, window, now), nil
}

// Count reads the sliding estimate of both windows' documents in one query.
func (s *Store) Count(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	id, _ := windowKey(key, window, now)
	prevID, _ := windowKey(key, window, now.Add(-window))
	cur, err := s.db.Collection(colCounters).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{id, prevID}}}}})
	if err != nil {
		return 0, mapErr("count "+key, err)
	}
	var docs []counterDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, mapErr("count "+key, err)
	}
	var this, prev int64
	for _, d := range docs {
		if d.ID == id {
			this = d.Count
		} else {
			prev = d.Count
		}
	}
	return storage.SlidingCount(this, prev, window, now), nil
}

// ClaimSlot claims a job's period with a marker; the insert of a unique _id is
// atomic on every backend.
func (s *Store) ClaimSlot(ctx context.Context, name string, slot time.Time) (bool, error) {
	_, err := s.db.Collection(colMarkers).InsertOne(ctx,
		marker{ID: fmt.Sprintf("job:%s@%d", name, slot.Unix()), ExpiresAt: slot.Add(24 * time.Hour).UTC()})
	err = mapErr("claim job "+name, err)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrAlreadyExists):
		return false, nil
	default:
		return false, err
	}
}
