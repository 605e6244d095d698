package bench

import (
	"context"
	"testing"
	"time"
)

// slowStep is an operation longer than the whole run, as a password sign-in
// is on a busy machine.
type slowStep struct{ d time.Duration }

func (s slowStep) step(ctx context.Context) error {
	select {
	case <-time.After(s.d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestMeasureLetsOperationsUnderWayFinish: the duration stops new operations,
// not the ones under way, so a run shorter than one operation still reports
// it (it reported 0 operations, and the smoke test of the slow scenario failed
// on a loaded machine).
func TestMeasureLetsOperationsUnderWayFinish(t *testing.T) {
	res := measure(t.Context(), Config{Scenario: "slow", Concurrency: 2, Duration: 20 * time.Millisecond},
		[]worker{slowStep{60 * time.Millisecond}, slowStep{60 * time.Millisecond}})
	if res.Operations != 2 || len(res.Errors) != 0 {
		t.Fatalf("%d operations, errors %v; want the 2 under way", res.Operations, res.Errors)
	}
}
