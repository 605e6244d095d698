package mongo

import (
	"context"
	"errors"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Group commit of single-document inserts (the leader/follower scheme of
// database logs). On the embedded store every insert command is one SQLite
// transaction and so one fsync, and SQLite lets one writer commit at a time:
// concurrent sign-ins queued behind each other's fsyncs. Here the inserts into
// one collection that arrive while that collection's previous batch is being
// written wait for it and then go together as one unordered InsertMany — one
// transaction, one fsync. A lone insert is written at once, and every caller
// returns only once its own document is committed (or refused), with exactly
// its own result.
const (
	// maxBatchDocs is FerretDB's own batch: its sqlite handler writes up to 100
	// documents of one insert command in one transaction and starts another
	// after that, so a larger batch would not save an fsync.
	maxBatchDocs = 100
	// maxBatchBytes keeps a batch within one 16 MiB message (a batch always
	// takes at least one document; a single larger one fails as it would alone).
	maxBatchBytes = 16 << 20
	// maxPending bounds a queue while its batch is stalled (a slow disk, the
	// database away until the client's timeout): beyond it an insert goes on
	// its own, as it did before the group commit, instead of piling up here.
	maxPending = 4096
)

// groupCommit holds one insert queue per collection.
type groupCommit struct {
	mu     sync.Mutex
	queues map[string]*insertQueue
}

// insertQueue gathers the inserts into one collection while a batch is written.
type insertQueue struct {
	col *mongo.Collection

	mu      sync.Mutex
	pending []*pendingInsert
	writing bool // a writer goroutine is draining pending
}

// pendingInsert is one caller's document and, once done is closed, its result.
type pendingInsert struct {
	doc  bson.Raw
	err  error
	done chan struct{}
	// taken: in a batch being written; abandoned: its caller gave up before
	// that, so it is never written. Both guarded by insertQueue.mu.
	taken, abandoned bool
}

func (g *groupCommit) queue(db *mongo.Database, col string) *insertQueue {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.queues[col]
	if q == nil {
		if g.queues == nil {
			g.queues = map[string]*insertQueue{}
		}
		q = &insertQueue{col: db.Collection(col)}
		g.queues[col] = q
	}
	return q
}

// insertOne writes doc into col through the collection's queue. Its error is
// the one InsertOne would give: a duplicate key is a mongo.WriteException with
// this document's write error alone.
func (s *Store) insertOne(ctx context.Context, col string, doc any) error {
	// Encoded here, as InsertOne would, so that a document that cannot be
	// encoded fails its own caller and the batch knows its size.
	raw, err := bson.Marshal(doc)
	if err != nil {
		return err
	}
	if mongo.SessionFromContext(ctx) != nil {
		// A caller's session or transaction is its own: a batch must not
		// carry the others' documents into it.
		_, err := s.db.Collection(col).InsertOne(ctx, raw)
		return err
	}
	return s.groups.queue(s.db, col).insert(ctx, raw)
}

func (q *insertQueue) insert(ctx context.Context, raw bson.Raw) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := &pendingInsert{doc: raw, done: make(chan struct{})}
	q.mu.Lock()
	if len(q.pending) >= maxPending {
		q.mu.Unlock()
		_, err := q.col.InsertOne(ctx, raw)
		return err
	}
	q.pending = append(q.pending, p)
	start := !q.writing
	q.writing = true
	q.mu.Unlock()
	if start {
		go q.drain()
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		q.mu.Lock()
		taken := p.taken
		if !taken {
			p.abandoned, p.doc = true, nil // never written
		}
		q.mu.Unlock()
		if !taken {
			return ctx.Err()
		}
		// In a batch being written: its outcome is known shortly (the
		// client's operation timeout bounds the write), and the caller must
		// learn it, or it would take a claim that landed for one that failed.
		<-p.done
		return p.err
	}
}

// drain writes batches until nothing is pending, then lets the next insert
// start a writer again.
func (q *insertQueue) drain() {
	for {
		batch := q.take()
		if batch == nil {
			return
		}
		q.write(batch)
	}
}

// take removes the next batch from pending; nil (and writing cleared) when
// nothing is left.
func (q *insertQueue) take() []*pendingInsert {
	q.mu.Lock()
	defer q.mu.Unlock()
	var batch []*pendingInsert
	size, n := 0, 0
	for ; n < len(q.pending) && len(batch) < maxBatchDocs; n++ {
		p := q.pending[n]
		if p.abandoned {
			continue
		}
		if len(batch) > 0 && size+len(p.doc) > maxBatchBytes {
			break
		}
		p.taken = true
		size += len(p.doc)
		batch = append(batch, p)
	}
	clear(q.pending[:n]) // drop the references the backing array still holds
	q.pending = q.pending[n:]
	if len(q.pending) == 0 {
		q.pending = nil
	}
	if batch == nil {
		q.writing = false
	}
	return batch
}

// write inserts one batch and hands each caller its own result.
func (q *insertQueue) write(batch []*pendingInsert) {
	// The write belongs to no caller: none's cancellation may fail the
	// others, and none's context values (a session) may carry their writes.
	ctx := context.Background()
	docs := make([]bson.Raw, len(batch))
	for i, p := range batch {
		docs[i] = p.doc
	}
	_, err := q.col.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	for i, p := range batch {
		p.err = resultOf(err, i)
		close(p.done)
	}
}

// resultOf is the error of the i-th document of an unordered InsertMany, in
// the form InsertOne gives it: its own write error (index 0) and the write
// concern error that concerns them all; any other error is everybody's.
func resultOf(err error, i int) error {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return err
	}
	we := mongo.WriteException{WriteConcernError: bwe.WriteConcernError, Labels: bwe.Labels}
	for _, e := range bwe.WriteErrors {
		if e.Index == i {
			w := e.WriteError
			w.Index = 0
			we.WriteErrors = mongo.WriteErrors{w}
			break
		}
	}
	if we.WriteErrors == nil && we.WriteConcernError == nil {
		return nil
	}
	return we
}
