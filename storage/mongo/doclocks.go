package mongo

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// docLocks serialise this process's updates of one document on the embedded
// server. FerretDB's update reads the document, applies the operators and
// writes the whole document back, with no transaction around the read: two
// updates of one document at once start from the same copy and the later write
// undoes the earlier. Found in review: 40 failed sign-ins at once counted 5,
// so parallel guessing went past the lockout; a block or a new password
// written while the same user's TOTP step was recorded could be lost. MongoDB
// applies every update atomically, so there the locks are off.
//
// One lock is held around one document's write (or its read-modify-write
// sequence, as a counter's sweep of old windows); never two at once, so
// documents that share a stripe cannot deadlock. Writes from other processes
// (several instances on one `vhod db`) are not covered: that server is for
// development only (docs/en/mongodb.md).
type docLocks struct {
	on      bool
	seed    maphash.Seed
	stripes [256]sync.Mutex
}

func newDocLocks(on bool) *docLocks { return &docLocks{on: on, seed: maphash.MakeSeed()} }

// hold locks the stripe of (col, id) and returns its unlock.
func (l *docLocks) hold(col, id string) (unlock func()) {
	if !l.on {
		return func() {}
	}
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(col)
	h.WriteByte(0)
	h.WriteString(id)
	m := &l.stripes[h.Sum64()%uint64(len(l.stripes))]
	m.Lock()
	return m.Unlock
}

// isFerretDB asks the server whether it is FerretDB: its buildInfo names its
// own version beside the MongoDB version it speaks.
func isFerretDB(ctx context.Context, db *mongo.Database) (bool, error) {
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("ask the database what it is: %w", err)
	}
	_, ok := info["ferretdbVersion"]
	return ok, nil
}
