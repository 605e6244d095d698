package storage

import (
	"context"
	"time"
)

// Counters count events in fixed time windows (failed sign-ins per address, per
// account), in the database so that every instance sees the same counts.
type Counters interface {
	// Hit adds one to key's count in the window that holds now and returns the count.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	// Count returns key's count in the window that holds now (0 when none).
	Count(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
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
