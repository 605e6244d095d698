// Package tries counts a guess at a secret (a password, a PIN, a one-time
// code) against its allowances before the secret is checked, and takes the
// count back when the guess did not fail.
//
// Found in review: the sign-in forms and the second factors read the failure
// counts before the check and counted a failure after it, so every request of
// a burst read the same counts and all were checked: 200 passwords, or 200
// six-digit codes, posted at once were all compared where ten (or five) were
// allowed, and none met the captcha. Counted first, each request of a burst
// sees the ones before it, and those past an allowance are refused unchecked.
// A guess that ends without failing (right, refused, or never checked) gives
// its counts back, so that only failures stay counted and a refused guess does
// not keep a lock from running out.
package tries

import (
	"context"
	"errors"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// Store is where the counts are kept (storage.Counters).
type Store interface {
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	Unhit(ctx context.Context, key string, window time.Duration, at time.Time) error
	HitIn(ctx context.Context, key string, now time.Time, cs ...storage.Counter) ([]int64, error)
	UnhitIn(ctx context.Context, key string, at time.Time, cs ...storage.Counter) error
}

// Allowance is what a try is counted against: the single counter Key over
// Window, or, when Set is given, the counters In of that set (one write).
type Allowance struct {
	Key    string
	Window time.Duration
	Set    string
	In     []storage.Counter
}

// Try is one guess, counted against its allowances.
type Try struct {
	store   Store
	at      time.Time
	counted []Allowance
	before  [][]int64
	failed  bool
}

// Begin counts a try against each allowance, in order. On an error the counts
// made so far are taken back.
func Begin(ctx context.Context, st Store, now time.Time, as ...Allowance) (*Try, error) {
	t := &Try{store: st, at: now}
	for _, a := range as {
		var n []int64
		var err error
		if a.Set == "" {
			var one int64
			one, err = st.Hit(ctx, a.Key, a.Window, now)
			n = []int64{one}
		} else {
			n, err = st.HitIn(ctx, a.Set, now, a.In...)
		}
		if err != nil {
			return nil, errors.Join(err, t.End(ctx))
		}
		t.counted = append(t.counted, a)
		for j := range n {
			n[j]--
		}
		t.before = append(t.before, n)
	}
	return t, nil
}

// Before are the counts of allowance i before this try (its single counter,
// or its counters In in their order): the tries counted earlier, failed or
// still being checked.
func (t *Try) Before(i int) []int64 { return t.before[i] }

// Fail keeps the try counted: the secret was wrong.
func (t *Try) Fail() { t.failed = true }

// End takes the counts back unless the try failed; it is safe to call more
// than once and outlives the request's cancellation.
func (t *Try) End(ctx context.Context) error {
	if t.failed {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, a := range t.counted {
		if a.Set == "" {
			errs = append(errs, t.store.Unhit(ctx, a.Key, a.Window, t.at))
		} else {
			errs = append(errs, t.store.UnhitIn(ctx, a.Set, t.at, a.In...))
		}
	}
	t.counted = nil
	return errors.Join(errs...)
}
