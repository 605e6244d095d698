package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// testCounterSets: the counters of a set count as single counters do, each over
// its own window and apart from the others, and one CountIn reads them all.
func testCounterSets(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	fail, lock := storage.Counter{Name: "fail", Window: time.Minute}, storage.Counter{Name: "lock", Window: time.Hour}
	both := []storage.Counter{fail, lock}
	counts := func(at time.Time, cs ...storage.Counter) []int64 {
		t.Helper()
		got, err := s.CountIn(ctx, "login:ivanov", at, cs...)
		must(t, err)
		return got
	}
	if got := counts(now, fail, lock); !slices.Equal(got, []int64{0, 0}) {
		t.Fatalf("fresh set: %v", got)
	}
	for want := int64(1); want <= 3; want++ {
		got, err := s.HitIn(ctx, "login:ivanov", now, fail)
		must(t, err)
		if got[0] != want {
			t.Fatalf("hit %d returned %d", want, got)
		}
	}
	if n, err := s.HitIn(ctx, "login:ivanov", now, lock); err != nil || !slices.Equal(n, []int64{1}) {
		t.Fatalf("the lock counter's first hit: %v, %v", n, err)
	}
	if got := counts(now.Add(20*time.Second), both...); !slices.Equal(got, []int64{3, 1}) {
		t.Fatalf("counts in the same windows: %v, want [3 1]", got)
	}
	if got := counts(now, lock, fail); !slices.Equal(got, []int64{1, 3}) {
		t.Fatalf("counts in the order asked: %v, want [1 3]", got)
	}
	// The minute's window slides as a single counter's does; the hour's holds.
	for _, tc := range []struct {
		at   time.Duration
		want []int64
	}{{40 * time.Second, []int64{3, 1}}, {75 * time.Second, []int64{1, 1}}, {90 * time.Second, []int64{0, 1}}} {
		if got := counts(now.Add(tc.at), both...); !slices.Equal(got, tc.want) {
			t.Fatalf("counts %s later: %v, want %v", tc.at, got, tc.want)
		}
	}
	if n, _ := s.HitIn(ctx, "login:ivanov", now.Add(75*time.Second), fail); n[0] != 2 {
		t.Fatalf("hit in the next window returned %d, want 2", n)
	}
	// Long after, only the new window counts, and the other counter keeps its own.
	if n, _ := s.HitIn(ctx, "login:ivanov", now.Add(5*time.Minute), fail); n[0] != 1 {
		t.Fatalf("hit five windows later returned %d, want 1", n)
	}
	if got := counts(now.Add(5*time.Minute), both...); !slices.Equal(got, []int64{1, 1}) {
		t.Fatalf("counts five minutes later: %v, want [1 1]", got)
	}
	// The same name over another window, another set, a single counter of the
	// same key: other counters.
	if got := counts(now, storage.Counter{Name: "fail", Window: 2 * time.Minute}); !slices.Equal(got, []int64{0}) {
		t.Fatalf("another window length counted %v", got)
	}
	if got, err := s.CountIn(ctx, "login:petrov", now, both...); err != nil || !slices.Equal(got, []int64{0, 0}) {
		t.Fatalf("another set counted %v, %v", got, err)
	}
	if n, _ := s.Count(ctx, "login:ivanov", time.Minute, now); n != 0 {
		t.Fatalf("a single counter of the set's key counted %d", n)
	}
	if _, err := s.HitIn(ctx, "login:ivanov", now, fail, storage.Counter{Name: "a.b", Window: time.Minute}); err == nil {
		t.Fatal("a counter name with a dot accepted")
	}
	// Several counters hit at once, in one write; a hit taken back leaves the
	// window it was made in.
	later := now.Add(7 * time.Minute)
	if got, err := s.HitIn(ctx, "login:sidorov", later, fail, lock); err != nil || !slices.Equal(got, []int64{1, 1}) {
		t.Fatalf("both counters hit: %v, %v; want [1 1]", got, err)
	}
	if got, err := s.HitIn(ctx, "login:sidorov", later, lock, fail); err != nil || !slices.Equal(got, []int64{2, 2}) {
		t.Fatalf("both counters hit again, in the other order: %v, %v; want [2 2]", got, err)
	}
	must(t, s.UnhitIn(ctx, "login:sidorov", later, fail, lock))
	if got, err := s.CountIn(ctx, "login:sidorov", later, both...); err != nil || !slices.Equal(got, []int64{1, 1}) {
		t.Fatalf("two hits of both, one taken back: %v, want [1 1]", got)
	}
	must(t, s.UnhitIn(ctx, "login:nobody", later, fail))
	// The set outlives its shortest counter: swept only when the hour's is done.
	if _, err := s.DeleteExpired(ctx, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := counts(now.Add(20*time.Minute), lock); !slices.Equal(got, []int64{1}) {
		t.Fatalf("the hour's counter after the minute's expiry: %v, want [1]", got)
	}
}
