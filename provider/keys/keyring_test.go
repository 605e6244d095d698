package keys

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

func newTestKeyring(t *testing.T, store *mongo.Store, master byte, clock *time.Time) *Keyring {
	t.Helper()
	var key [32]byte
	key[0] = master
	k, err := New(store, key, Config{RotationPeriod: 24 * time.Hour, Retention: time.Hour, CacheFor: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if clock != nil {
		k.now = func() time.Time { return *clock }
	}
	return k
}

func TestKeyringRotatesByAgeAndRetiresAfterRetention(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	now := time.Now()
	k := newTestKeyring(t, store, 1, &now)
	ctx := t.Context()
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := k.Signing(ctx, jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	// Younger than the period: nothing happens.
	now = now.Add(23 * time.Hour)
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if cur, _ := k.Signing(ctx, jose.ES256); cur.ID() != first.ID() {
		t.Fatal("rotated before the period")
	}
	// Older: a new key signs, the old one stays published for the retention.
	now = now.Add(2 * time.Hour)
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	second, _ := k.Signing(ctx, jose.ES256)
	if second.ID() == first.ID() {
		t.Fatal("not rotated after the period")
	}
	if !isPublished(t, k, first.ID()) || !isPublished(t, k, second.ID()) {
		t.Fatal("old or new key missing from JWKS right after rotation")
	}
	now = now.Add(59 * time.Minute)
	if !isPublished(t, k, first.ID()) {
		t.Fatal("old key left JWKS before the retention ended")
	}
	now = now.Add(2 * time.Minute)
	if isPublished(t, k, first.ID()) {
		t.Fatal("old key still in JWKS after the retention")
	}
	if err := k.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	list, _ := k.List(ctx)
	for _, info := range list {
		if info.KID == first.ID() {
			t.Fatal("pruned key still stored")
		}
	}
}

func TestKeyringsOfTwoInstancesAgree(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	a, b := newTestKeyring(t, store, 1, nil), newTestKeyring(t, store, 1, nil)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, k := range []*Keyring{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = k.Ensure(ctx) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, alg := range Algorithms {
		ka, _ := a.Signing(ctx, alg)
		kb, _ := b.Signing(ctx, alg)
		if ka.ID() != kb.ID() {
			t.Fatalf("%s: instances sign with %s and %s", alg, ka.ID(), kb.ID())
		}
	}
	// Both find the key aged at once: exactly one new generation, used by both.
	a.now = func() time.Time { return time.Now().Add(25 * time.Hour) }
	b.now = a.now
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = a.Ensure(ctx) }()
	go func() { defer wg.Done(); errs[1] = b.Ensure(ctx) }()
	wg.Wait()
	ka, _ := a.Signing(ctx, jose.ES256)
	kb, _ := b.Signing(ctx, jose.ES256)
	if errs[0] != nil || errs[1] != nil || ka.ID() != kb.ID() || ka.(*signingKey).generation != 2 {
		t.Fatalf("concurrent age rotation: %v %v, %s/%s generation %d", errs[0], errs[1], ka.ID(), kb.ID(), ka.(*signingKey).generation)
	}
	// An explicit rotation on one is seen by the other.
	kid, err := a.Rotate(ctx, jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if kb, _ := b.Signing(ctx, jose.ES256); kb.ID() != kid {
		t.Fatalf("b signs with %s after a rotated to %s", kb.ID(), kid)
	}
}

func TestKeyringRefusesAnotherMasterKey(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	if err := newTestKeyring(t, store, 1, nil).Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	err := newTestKeyring(t, store, 2, nil).Ensure(t.Context())
	if !errors.Is(err, ErrMasterKeyMismatch) {
		t.Fatalf("got %v, want ErrMasterKeyMismatch", err)
	}
}

func isPublished(t *testing.T, k *Keyring, kid string) bool {
	t.Helper()
	pub, err := k.Published(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pub {
		if p.ID() == kid {
			return true
		}
	}
	return false
}

// slowKeys counts the rereads of the keys, each taking a while.
type slowKeys struct {
	storage.Keys
	reads atomic.Int32
}

func (s *slowKeys) ListKeys(ctx context.Context) ([]storage.SigningKey, error) {
	s.reads.Add(1)
	time.Sleep(100 * time.Millisecond)
	return s.Keys.ListKeys(ctx)
}

// TestKeyringRereadsOnceForConcurrentRequests: requests that find the keys
// old at the same time share one reread instead of each reading and
// unsealing every key (a crowd of them every CacheFor under load).
func TestKeyringRereadsOnceForConcurrentRequests(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	if err := newTestKeyring(t, store, 1, nil).Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	slow := &slowKeys{Keys: store}
	k, err := New(slow, [32]byte{1}, Config{Retention: time.Hour, CacheFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if _, err := k.Signing(t.Context(), jose.ES256); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := slow.reads.Load(); n > 2 {
		t.Fatalf("16 requests at once reread the keys %d times", n)
	}
}
