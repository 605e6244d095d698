package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
	"github.com/vhod-id/vhod/storage/storagetest"
)

// countingStore is a fresh store whose insert commands are counted: on the
// embedded server each one is a SQLite transaction, one fsync.
func countingStore(t *testing.T) (*mongo.Store, *atomic.Int64) {
	t.Helper()
	var inserts atomic.Int64
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if e.CommandName == "insert" {
			inserts.Add(1)
		}
	}}
	return mongotest.Fresh(t, mongotest.URI(t), mongo.Options{Monitor: mon}), &inserts
}

// together runs n calls of f at once and returns their errors by index.
func together(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// waitPending waits until n inserts are queued behind a held writer.
func waitPending(t *testing.T, pending func() int, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for pending() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d inserts queued, want %d", pending(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupCommitDistinctInsertsAllLand(t *testing.T) {
	s, inserts := countingStore(t)
	ctx := t.Context()
	until := time.Now().Add(time.Hour)
	const n = 64
	for i, err := range together(n, func(i int) error { return s.ClaimOnce(ctx, fmt.Sprint("k", i), until) }) {
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	got := inserts.Load()
	for i := range n {
		if err := s.ClaimOnce(ctx, fmt.Sprint("k", i), until); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("claim k%d again: %v, want ErrConflict (the first did not land)", i, err)
		}
	}
	// They arrive while the first one commits, so they share commits.
	if got >= n {
		t.Errorf("%d concurrent inserts took %d insert commands, want fewer", n, got)
	}
	t.Logf("%d concurrent inserts in %d commands", n, got)
}

func TestGroupCommitSameKeyOneWinner(t *testing.T) {
	s, inserts := countingStore(t)
	ctx := t.Context()
	pending, release := mongo.HoldInserts(s, mongo.ColMarkers)
	const n = 20
	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		errs = together(n, func(int) error { return s.ClaimOnce(ctx, "same", time.Now().Add(time.Hour)) })
	}()
	waitPending(t, pending, n)
	release()
	<-done
	storagetest.OneWinner(t, errs) // in one batch
	if got := inserts.Load(); got != 1 {
		t.Errorf("one batch took %d insert commands, want 1", got)
	}
}

func TestGroupCommitDuplicateFailsOnlyItsCaller(t *testing.T) {
	s, _ := countingStore(t)
	ctx := t.Context()
	ar := func(id string) storage.AuthRequest {
		return storage.AuthRequest{ID: id, ClientID: "shop", RedirectURI: "http://a/cb", Scopes: []string{"openid"},
			ResponseType: "code", CreatedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)}
	}
	if err := s.CreateAuthRequest(ctx, ar("taken")); err != nil {
		t.Fatal(err)
	}
	pending, release := mongo.HoldInserts(s, mongo.ColAuthRequests)
	ids := []string{"a", "taken", "b", "c", "d"}
	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		errs = together(len(ids), func(i int) error { return s.CreateAuthRequest(ctx, ar(ids[i])) })
	}()
	waitPending(t, pending, len(ids))
	release()
	<-done
	for i, id := range ids {
		if id == "taken" {
			if !errors.Is(errs[i], storage.ErrAlreadyExists) {
				t.Errorf("duplicate %s: %v, want ErrAlreadyExists", id, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("insert %s beside a duplicate: %v", id, errs[i])
		}
		if r, err := s.AuthRequestClient(ctx, id); err != nil || r != "shop" {
			t.Errorf("read %s: %q, %v", id, r, err)
		}
	}
}

// heldBatch is a stalled batch of the markers queue: one claim of key under a
// context of its own, and n other claims behind it.
type heldBatch struct {
	cancel  context.CancelFunc // the one claim's context
	result  chan error         // the one claim's result
	pending func() int
	release func()
	others  func() []error // waits for the others' results
}

func holdBatch(t *testing.T, s *mongo.Store, key string, n int) heldBatch {
	t.Helper()
	until := time.Now().Add(time.Hour)
	pending, release := mongo.HoldInserts(s, mongo.ColMarkers)
	one, cancel := context.WithCancel(t.Context())
	result := make(chan error, 1)
	go func() { result <- s.ClaimOnce(one, key, until) }()
	waitPending(t, pending, 1)
	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		errs = together(n, func(i int) error { return s.ClaimOnce(t.Context(), fmt.Sprint(key, "-other", i), until) })
	}()
	waitPending(t, pending, 1+n)
	return heldBatch{cancel: cancel, result: result, pending: pending, release: release,
		others: func() []error { <-done; return errs }}
}

func TestGroupCommitCancelledCallerLeavesOthers(t *testing.T) {
	s, _ := countingStore(t)
	h := holdBatch(t, s, "gone", 5)
	// The cancelled caller returns at once, while its batch is still held.
	h.cancel()
	select {
	case err := <-h.result:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled claim: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled caller kept waiting for its batch")
	}
	h.release()
	for i, err := range h.others() {
		if err != nil {
			t.Errorf("claim %d beside a cancelled one: %v", i, err)
		}
	}
	// It had not been written when it gave up, so it never is.
	if err := s.ClaimOnce(t.Context(), "gone", time.Now().Add(time.Hour)); err != nil {
		t.Errorf("claim after the cancelled one: %v (it was written after all)", err)
	}
}

// Cancelling a caller whose document is in the batch being written fails
// neither the others nor its own answer: it learns that its claim landed
// (else it would go on as if it had not, with the claim taken).
func TestGroupCommitCancelledWhileWrittenGetsItsResult(t *testing.T) {
	s, _ := countingStore(t)
	h := holdBatch(t, s, "first", 5)
	h.release()
	for h.pending() > 0 {
		time.Sleep(50 * time.Microsecond)
	}
	h.cancel()
	for i, err := range h.others() {
		if err != nil {
			t.Errorf("claim %d: %v", i, err)
		}
	}
	if err := <-h.result; err != nil {
		t.Errorf("the cancelled caller whose claim was being written got %v, want its result (nil)", err)
	}
	if err := s.ClaimOnce(t.Context(), "first", time.Now().Add(time.Hour)); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("claim after the cancelled one: %v, want ErrConflict (it landed)", err)
	}
}

// A queue whose batch is stalled holds at most MaxPending inserts: the next
// one is written on its own at once instead of waiting behind them.
func TestGroupCommitQueueIsBounded(t *testing.T) {
	s, _ := countingStore(t)
	ctx := t.Context()
	until := time.Now().Add(time.Hour)
	pending, release := mongo.HoldInserts(s, mongo.ColMarkers)
	done := make(chan []error)
	go func() {
		done <- together(mongo.MaxPending, func(i int) error { return s.ClaimOnce(ctx, fmt.Sprint("held", i), until) })
	}()
	waitPending(t, pending, mongo.MaxPending)
	extra := make(chan error, 1)
	go func() { extra <- s.ClaimOnce(ctx, "beyond", until) }()
	select {
	case err := <-extra:
		if err != nil {
			t.Errorf("the insert beyond the bound: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the insert beyond the bound waited behind the stalled batch")
	}
	if n := pending(); n != mongo.MaxPending {
		t.Errorf("%d pending, want %d", n, mongo.MaxPending)
	}
	release()
	for i, err := range <-done {
		if err != nil {
			t.Fatalf("held claim %d: %v", i, err)
		}
	}
}
