package mongo

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// sortFields are the document fields of storage's sort keys; each is present
// in every document of the collections sorted by it.
var sortFields = map[string]string{storage.SortName: "name", storage.SortINN: "inn", storage.SortCreated: "created_at"}

// sorted is the order and the continuation filter of a sorted page: the sort
// by the key's field then the ID, both in one direction, and, after a cursor,
// the rows past (value, ID) in that direction. ok is false for the ID order
// (an unknown key included), where the caller's own _id filter applies; a
// cursor that does not parse starts at the first page.
func sorted(s storage.Sort, after string) (sort bson.D, cont bson.D, ok bool) {
	field, known := sortFields[s.Key]
	if !known {
		return nil, nil, false
	}
	dir, past := 1, "$gt"
	if s.Desc {
		dir, past = -1, "$lt"
	}
	sort = bson.D{{Key: field, Value: dir}, {Key: "_id", Value: dir}}
	raw, id, parsed := storage.ParseSortCursor(after)
	if !parsed {
		return sort, nil, true
	}
	var value any = raw
	if s.Key == storage.SortCreated {
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return sort, nil, true
		}
		value = t.UTC()
	}
	// $and, so that a filter's own $or (a text search) stays as it is.
	cont = bson.D{{Key: "$and", Value: bson.A{bson.M{"$or": bson.A{
		bson.M{field: bson.M{past: value}},
		bson.M{field: value, "_id": bson.M{past: id}},
	}}}}}
	return sort, cont, true
}
