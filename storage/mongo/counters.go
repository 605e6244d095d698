package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// counterDoc is one counter: the counts of its fixed windows by their start
// ("t" + Unix seconds). One document per key, read and written by _id alone: the
// embedded server pushes down nothing else, and $inc keeps it atomic on MongoDB.
type counterDoc struct {
	ID        string           `bson:"_id"`
	Windows   map[string]int64 `bson:"w"`
	ExpiresAt time.Time        `bson:"expires_at"`
}

// counterID keeps a key's counters apart per window length.
func counterID(key string, window time.Duration) string {
	return fmt.Sprintf("%s/%d", key, int64(window/time.Second))
}

// windowFields name the window that holds now and the one before it.
func windowFields(window time.Duration, now time.Time) (this, previous string) {
	start := now.Truncate(window)
	return fmt.Sprintf("t%d", start.Unix()), fmt.Sprintf("t%d", start.Add(-window).Unix())
}

// Hit adds one to the window that holds now and returns the sliding estimate.
// Every hit counts, however many come at once (doclocks.go for the embedded
// server). The document lives through the next window, whose estimate still
// weighs this one.
func (s *Store) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	this, previous := windowFields(window, now)
	id := counterID(key, window)
	defer s.locks.hold(colCounters, id)()
	var d counterDoc
	err := s.upsertCounter(ctx, id,
		bson.M{"$inc": bson.M{"w." + this: 1}, "$set": bson.M{"expires_at": now.Truncate(window).Add(2 * window).UTC()}}, &d)
	if err != nil {
		return 0, mapErr("count "+key, err)
	}
	if len(d.Windows) > 2 {
		// Windows no estimate reads any more; rare (once per window at most).
		stale := bson.M{}
		for f := range d.Windows {
			if f != this && f != previous {
				stale["w."+f] = ""
			}
		}
		if _, err := s.db.Collection(colCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.M{"$unset": stale}); err != nil {
			return 0, mapErr("count "+key, err)
		}
	}
	return storage.SlidingCount(d.Windows[this], d.Windows[previous], window, now), nil
}

// upsertCounter applies update to the counter document id, creating it when
// missing, and decodes the result into out. Two first hits at once may both find
// nothing, and one insert then fails on the unique _id (on MongoDB, from
// another instance; the server retries this itself only in some versions): the
// document exists by then, so the update applies to it.
func (s *Store) upsertCounter(ctx context.Context, id string, update bson.M, out any) error {
	filter := bson.D{{Key: "_id", Value: id}}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	err := s.db.Collection(colCounters).FindOneAndUpdate(ctx, filter, update, opts).Decode(out)
	if mongo.IsDuplicateKeyError(err) {
		err = s.db.Collection(colCounters).FindOneAndUpdate(ctx, filter, update, opts).Decode(out)
	}
	return err
}

// Unhit takes one from the window that holds at, by _id alone (an update with
// another filter would make the embedded server read the whole collection).
// The window is still this or the previous one (a check takes far less than a
// window), so a concurrent Hit's sweep of older windows leaves it alone.
func (s *Store) Unhit(ctx context.Context, key string, window time.Duration, at time.Time) error {
	this, _ := windowFields(window, at)
	id := counterID(key, window)
	defer s.locks.hold(colCounters, id)()
	_, err := s.db.Collection(colCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.M{"$inc": bson.M{"w." + this: -1}})
	return mapErr("take back a count of "+key, err)
}

// Count reads the sliding estimate in one lookup by _id.
func (s *Store) Count(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	var d counterDoc
	err := s.findOne(ctx, colCounters, "count "+key, bson.D{{Key: "_id", Value: counterID(key, window)}}, &d)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	this, previous := windowFields(window, now)
	return storage.SlidingCount(d.Windows[this], d.Windows[previous], window, now), nil
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
