package storage

import (
	"context"
	"math"
	"time"
)

// Counters count events (failed sign-ins per address, per account; messages sent)
// over a sliding window, in the database so that every instance sees the same
// counts. A fixed window would forget everything at its boundary, letting a
// guesser spend two windows' allowance in a moment.
type Counters interface {
	// Hit adds one to key's count and returns the count over the last window.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	// Count returns key's count over the last window (0 when none).
	Count(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	// Unhit takes back a hit made at at: the fixed window that holds at loses
	// one. A check that counts itself before it is made, so that guesses sent
	// at once cannot pass a limit, gives its hit back when it did not fail.
	Unhit(ctx context.Context, key string, window time.Duration, at time.Time) error
	// HitIn adds one to each of the counters cs of the set key, in one write,
	// and returns their counts over their last windows, in the order of cs.
	HitIn(ctx context.Context, key string, now time.Time, cs ...Counter) ([]int64, error)
	// UnhitIn takes back a HitIn of cs made at at, as Unhit does for a single
	// counter.
	UnhitIn(ctx context.Context, key string, at time.Time, cs ...Counter) error
	// CountIn returns the counts of cs in the set key over their windows, in the
	// order of cs (0 when none), read at once.
	CountIn(ctx context.Context, key string, now time.Time, cs ...Counter) ([]int64, error)
}

// Counter names one counter of a set (Counters.HitIn, CountIn), with its window.
// A set keeps the counters of one subject that are read together (a sign-in
// identifier's failures and its lock) in one place, so one lookup reads them
// all: the embedded store serves only a lookup by one _id from an index, a
// query for several would read the whole collection. Name is letters, digits,
// '-' and '_'.
type Counter struct {
	Name   string
	Window time.Duration
}

// SlidingCount estimates the events of the window that ends now from the counts of
// the fixed window that holds now and the one before it: the earlier one is
// weighed by the share of it still inside, rounded up so that a limit never opens
// early.
func SlidingCount(this, previous int64, window time.Duration, now time.Time) int64 {
	left := window - now.Sub(now.Truncate(window))
	// Never below zero: a take-back (Unhit) may meet a window already swept.
	return max(0, this+int64(math.Ceil(float64(previous)*float64(left)/float64(window))))
}

// Leases let one instance of many run a periodic job.
type Leases interface {
	// ClaimSlot reports whether this caller is the first to claim job name for the
	// period that starts at slot; exactly one caller gets true.
	ClaimSlot(ctx context.Context, name string, slot time.Time) (bool, error)
}

// Once records one-time events, such as a captcha answer being used.
type Once interface {
	// ClaimOnce succeeds for the first caller with key; later ones get ErrConflict
	// until until.
	ClaimOnce(ctx context.Context, key string, until time.Time) error
}
