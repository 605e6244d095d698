package cache

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
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

// revocations is a RevocationStore in memory.
type revocations struct {
	mu   sync.Mutex
	list []storage.Revocation
	now  time.Time
}

func (r *revocations) Revoke(_ context.Context, until time.Time, keys ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		r.list = append(r.list, storage.Revocation{Key: k, ExpiresAt: until, CreatedAt: r.now})
	}
	return nil
}

func (r *revocations) RevocationsSince(_ context.Context, since time.Time) ([]storage.Revocation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []storage.Revocation
	for _, e := range r.list {
		if !e.CreatedAt.Before(since) {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestDenylist: a key denied here counts at once, one denied by another
// instance after the next sync, and an entry ends with its expiry.
func TestDenylist(t *testing.T) {
	ctx := t.Context()
	st := &revocations{now: time.Now()}
	var here, there Denylist
	if err := here.Add(ctx, st, time.Now().Add(time.Hour), "jti:a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := here.Revoked(ctx, st, "jti:x", "jti:a"); !ok || err != nil {
		t.Fatalf("denied here: %v %v", ok, err)
	}
	if ok, _ := there.Revoked(ctx, st, "jti:a"); !ok {
		t.Fatal("another instance does not see the denial on its first sync")
	}
	if ok, _ := here.Revoked(ctx, st, "jti:b"); ok {
		t.Fatal("a key never denied is denied")
	}
	_ = here.Add(ctx, st, time.Now().Add(-time.Second), "jti:old")
	if ok, _ := here.Revoked(ctx, st, "jti:old"); ok {
		t.Fatal("an expired denial still counts")
	}
}

// origins is an OriginStore whose clients can change.
type origins struct {
	version int64
	clients []storage.Client
}

func (o *origins) ClientsVersion(context.Context) (int64, error)         { return o.version, nil }
func (o *origins) ListClients(context.Context) ([]storage.Client, error) { return o.clients, nil }

// TestOrigins: the web origins of registered redirect URIs, and nothing else,
// read again after Forget.
func TestOrigins(t *testing.T) {
	ctx := t.Context()
	st := &origins{version: 1, clients: []storage.Client{{RedirectURIs: []string{
		"https://shop.example/cb", "http://localhost:8080/cb", "com.example.app:/cb", "https:///nohost"}}}}
	var o Origins
	for origin, want := range map[string]bool{"https://shop.example": true, "http://localhost:8080": true,
		"https://evil.example": false, "com.example.app:": false, "": false} {
		if got := o.Allowed(ctx, st, origin); got != want {
			t.Errorf("%q: %v, want %v", origin, got, want)
		}
	}
	st.clients, st.version = []storage.Client{{RedirectURIs: []string{"https://new.example/cb"}}}, 2
	o.Forget()
	if !o.Allowed(ctx, st, "https://new.example") || o.Allowed(ctx, st, "https://shop.example") {
		t.Fatal("origins not reread after Forget")
	}
}

// TestClientsVersion: a version change in the store drops cached clients.
func TestClientsVersion(t *testing.T) {
	ctx := t.Context()
	st := &versioned{version: 1, name: "old"}
	var c Clients
	if cl, _ := c.Get(ctx, st, "a"); cl.Name != "old" {
		t.Fatal(cl)
	}
	st.version, st.name = 2, "new"
	if cl, _ := c.Get(ctx, st, "a"); cl.Name != "old" {
		t.Fatal("reread before a second passed")
	}
	c.mu.Lock()
	c.checked = time.Time{} // a second later
	c.mu.Unlock()
	if cl, _ := c.Get(ctx, st, "a"); cl.Name != "new" {
		t.Fatal("a version change did not drop the cache")
	}
}

type versioned struct {
	version int64
	name    string
}

func (v *versioned) ClientByID(_ context.Context, id string) (storage.Client, error) {
	return storage.Client{ID: id, Name: v.name}, nil
}
func (v *versioned) ClientsVersion(context.Context) (int64, error) { return v.version, nil }

// slowVersion counts the version reads, each taking a while.
type slowVersion struct{ reads atomic.Int32 }

func (s *slowVersion) ClientByID(_ context.Context, id string) (storage.Client, error) {
	return storage.Client{ID: id}, nil
}

func (s *slowVersion) ClientsVersion(context.Context) (int64, error) {
	s.reads.Add(1)
	time.Sleep(100 * time.Millisecond)
	return 1, nil
}

// TestClientsVersionReadOnceForConcurrentLookups: lookups that find the view
// stale at the same time share one version read (under load, each asked the
// database itself: dozens of reads a second instead of one).
func TestClientsVersionReadOnceForConcurrentLookups(t *testing.T) {
	st := &slowVersion{}
	var c Clients
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := c.Get(t.Context(), st, "a"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := st.reads.Load(); n > 2 {
		t.Fatalf("16 lookups at once read the version %d times", n)
	}
}

// TestClientsVersionWaitEndsWithTheRequest: a lookup waiting for another's
// version read gives up when its own request ends.
func TestClientsVersionWaitEndsWithTheRequest(t *testing.T) {
	st := &slowVersion{}
	var c Clients
	go func() { _, _ = c.Get(context.Background(), st, "a") }()
	for st.reads.Load() == 0 {
		runtime.Gosched()
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Get(ctx, st, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the request's cancellation", err)
	}
}

// TestClientsVersionNotReadAgainWhenFresh: a lookup that found the view stale
// just before another's read ended (a busy server schedules it late) does not
// read the version again.
func TestClientsVersionNotReadAgainWhenFresh(t *testing.T) {
	st := &slowVersion{}
	var c Clients
	c.checked = time.Now() // another lookup's read has just ended
	if err := c.checkVersion(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if n := st.reads.Load(); n != 0 {
		t.Fatalf("read the version %d times though the view is fresh", n)
	}
}

// slowRevocations counts its reads, each of which takes a while.
type slowRevocations struct {
	revocations
	reads atomic.Int32
}

func (s *slowRevocations) RevocationsSince(ctx context.Context, since time.Time) ([]storage.Revocation, error) {
	s.reads.Add(1)
	time.Sleep(100 * time.Millisecond)
	return s.revocations.RevocationsSince(ctx, since)
}

// TestDenylistReadOnceForConcurrentChecks: token checks (introspection,
// userinfo) that find the mirror stale at the same time share one read of the
// revocations, and each sees what it read; a check waiting for it gives up with
// its own request.
func TestDenylistReadOnceForConcurrentChecks(t *testing.T) {
	st := &slowRevocations{revocations: revocations{now: time.Now()}}
	_ = st.Revoke(t.Context(), time.Now().Add(time.Hour), "jti:a")
	var d Denylist
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if ok, err := d.Revoked(t.Context(), st, "jti:a"); !ok || err != nil {
				t.Errorf("the revoked token passed: %v %v", ok, err)
			}
		})
	}
	wg.Wait()
	if n := st.reads.Load(); n > 2 {
		t.Fatalf("16 checks at once read the revocations %d times", n)
	}
	d.synced = time.Time{}
	before := st.reads.Load()
	go func() { _, _ = d.Revoked(context.Background(), st, "jti:a") }()
	for st.reads.Load() == before {
		runtime.Gosched()
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := d.Revoked(ctx, st, "jti:a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the request's cancellation", err)
	}
}
