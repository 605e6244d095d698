package cache

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// changingClients is a ClientStore during whose lookups clients change: for
// some IDs the lookup itself calls change (another request's admin API write),
// so that a change lands between the cache's read and its write.
type changingClients struct{ change func() }

func (s changingClients) ClientByID(_ context.Context, id string) (storage.Client, error) {
	if len(id)%2 == 0 {
		s.change()
	}
	runtime.Gosched()
	return storage.Client{ID: id}, nil
}

func (changingClients) ClientsVersion(context.Context) (int64, error) { return 1, nil }

// TestClientCacheChangeDuringLookup (issue 16 item 11): a client change
// (forget) interleaved with lookups must neither panic ("assignment to entry in
// nil map") nor fail a lookup. Run it with -race. Bounded: 4 lookers-up × 2000
// lookups of 50 clients and one goroutine changing clients 2000 times.
func TestClientCacheChangeDuringLookup(t *testing.T) {
	var c Clients
	st := changingClients{change: c.Forget}
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 5*2000)
	run := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs <- fmt.Errorf("panic: %v", r)
				}
			}()
			for i := range 2000 {
				f(i)
			}
		}()
	}
	for range 4 {
		run(func(i int) {
			id := fmt.Sprint("c", i%50)
			cl, err := c.Get(ctx, st, id)
			if err != nil || cl.ID != id {
				errs <- fmt.Errorf("get %s: %+v, %v", id, cl, err)
			}
		})
	}
	run(func(int) { c.Forget(); runtime.Gosched() })
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		// A panic while holding the lock leaves the others waiting for it.
		t.Error("lookups did not finish")
	}
	if len(errs) > 0 {
		t.Fatal(<-errs)
	}
}
