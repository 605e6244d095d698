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

// HitIn adds one to the window that holds now of each of cs, in one update, as
// Hit does for a single counter. The set lives as long as its longest counter
// needs ($max).
func (s *Store) HitIn(ctx context.Context, key string, now time.Time, cs ...storage.Counter) ([]int64, error) {
	fields, err := counterFields(cs)
	if err != nil {
		return nil, err
	}
	id := counterSetID(key)
	inc, until := bson.M{}, time.Time{}
	for i, c := range cs {
		this, _ := windowFields(c.Window, now)
		inc["c."+fields[i]+"."+this] = 1
		if u := now.Truncate(c.Window).Add(2 * c.Window); u.After(until) {
			until = u
		}
	}
	defer s.locks.hold(colCounters, id)()
	var d counterSetDoc
	if err := s.upsertCounter(ctx, id, bson.M{"$inc": inc, "$max": bson.M{"expires_at": until.UTC()}}, &d); err != nil {
		return nil, mapErr("count "+key, err)
	}
	// Windows no estimate reads any more; rare (once per window at most).
	stale := bson.M{}
	for i, c := range cs {
		this, previous := windowFields(c.Window, now)
		for f := range d.Counters[fields[i]] {
			if f != this && f != previous {
				stale["c."+fields[i]+"."+f] = ""
			}
		}
	}
	if len(stale) > 0 {
		if _, err := s.db.Collection(colCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.M{"$unset": stale}); err != nil {
			return nil, mapErr("count "+key, err)
		}
	}
	return d.estimates(fields, cs, now), nil
}

// UnhitIn takes one from the window that holds at of each of cs, by _id alone
// (see Unhit).
func (s *Store) UnhitIn(ctx context.Context, key string, at time.Time, cs ...storage.Counter) error {
	fields, err := counterFields(cs)
	if err != nil {
		return err
	}
	dec := bson.M{}
	for i, c := range cs {
		this, _ := windowFields(c.Window, at)
		dec["c."+fields[i]+"."+this] = -1
	}
	id := counterSetID(key)
	defer s.locks.hold(colCounters, id)()
	_, err = s.db.Collection(colCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.M{"$inc": dec})
	return mapErr("take back a count of "+key, err)
}

// CountIn reads the sliding estimates of cs in one lookup by _id.
func (s *Store) CountIn(ctx context.Context, key string, now time.Time, cs ...storage.Counter) ([]int64, error) {
	fields, err := counterFields(cs)
	if err != nil {
		return nil, err
	}
	var d counterSetDoc
	err = s.findOne(ctx, colCounters, "count "+key, bson.D{{Key: "_id", Value: counterSetID(key)}}, &d)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	return d.estimates(fields, cs, now), nil
}

// counterFields names each of cs in its set (counterField).
func counterFields(cs []storage.Counter) ([]string, error) {
	fields := make([]string, len(cs))
	for i, c := range cs {
		f, err := counterField(c)
		if err != nil {
			return nil, err
		}
		fields[i] = f
	}
	return fields, nil
}

// estimates are the sliding counts of cs (named fields) at now.
func (d counterSetDoc) estimates(fields []string, cs []storage.Counter, now time.Time) []int64 {
	counts := make([]int64, len(cs))
	for i, c := range cs {
		this, previous := windowFields(c.Window, now)
		w := d.Counters[fields[i]]
		counts[i] = storage.SlidingCount(w[this], w[previous], c.Window, now)
	}
	return counts
}
