package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// counterSetDoc is a set of counters in one document of the counters collection:
// per counter ("name/window seconds"), the counts of its fixed windows by their
// start, as counterDoc has them. Read and written by _id alone, like counterDoc;
// the "set:" prefix keeps its ids apart from single counters'.
type counterSetDoc struct {
	ID       string                      `bson:"_id"`
	Counters map[string]map[string]int64 `bson:"c"`
}

func counterSetID(key string) string { return "set:" + key }

// counterField names c inside its set; each window length is its own counter.
func counterField(c storage.Counter) (string, error) {
	if c.Name == "" {
		return "", errors.New("counter without a name")
	}
	for _, r := range c.Name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", fmt.Errorf("counter name %q: only letters, digits, '-' and '_'", c.Name)
		}
	}
	return fmt.Sprintf("%s/%d", c.Name, int64(c.Window/time.Second)), nil
}

// HitIn adds one to c's window that holds now, as Hit does for a single
// counter. The set lives as long as its longest counter needs ($max).
func (s *Store) HitIn(ctx context.Context, key string, c storage.Counter, now time.Time) (int64, error) {
	field, err := counterField(c)
	if err != nil {
		return 0, err
	}
	this, previous := windowFields(c.Window, now)
	id := counterSetID(key)
	defer s.locks.hold(colCounters, id)()
	var d counterSetDoc
	err = s.upsertCounter(ctx, id,
		bson.M{"$inc": bson.M{"c." + field + "." + this: 1}, "$max": bson.M{"expires_at": now.Truncate(c.Window).Add(2 * c.Window).UTC()}}, &d)
	if err != nil {
		return 0, mapErr("count "+key, err)
	}
	windows := d.Counters[field]
	if len(windows) > 2 {
		// Windows no estimate reads any more; rare (once per window at most).
		stale := bson.M{}
		for f := range windows {
			if f != this && f != previous {
				stale["c."+field+"."+f] = ""
			}
		}
		if _, err := s.db.Collection(colCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.M{"$unset": stale}); err != nil {
			return 0, mapErr("count "+key, err)
		}
	}
	return storage.SlidingCount(windows[this], windows[previous], c.Window, now), nil
}

// CountIn reads the sliding estimates of cs in one lookup by _id.
func (s *Store) CountIn(ctx context.Context, key string, now time.Time, cs ...storage.Counter) ([]int64, error) {
	fields := make([]string, len(cs))
	for i, c := range cs {
		f, err := counterField(c)
		if err != nil {
			return nil, err
		}
		fields[i] = f
	}
	var d counterSetDoc
	err := s.findOne(ctx, colCounters, "count "+key, bson.D{{Key: "_id", Value: counterSetID(key)}}, &d)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	counts := make([]int64, len(cs))
	for i, c := range cs {
		this, previous := windowFields(c.Window, now)
		w := d.Counters[fields[i]]
		counts[i] = storage.SlidingCount(w[this], w[previous], c.Window, now)
	}
	return counts, nil
}
