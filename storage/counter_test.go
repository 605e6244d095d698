package storage

import (
	"testing"
	"time"
)

func TestSlidingCount(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 1, 1, 10, 0, s, 0, time.UTC) }
	for _, tc := range []struct {
		name           string
		this, previous int64
		now            time.Time
		want           int64
	}{
		{"start of a window weighs all of the previous", 0, 4, at(0), 4},
		{"half way weighs half", 1, 4, at(30), 3},
		{"rounds up", 0, 1, at(59), 1},
		{"no previous", 2, 0, at(10), 2},
		{"nothing", 0, 0, at(10), 0},
		{"a take-back of a swept window counts as nothing", -1, 0, at(10), 0},
	} {
		if got := SlidingCount(tc.this, tc.previous, time.Minute, tc.now); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
