package directory_test

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
)

// TestAccountTriesCountedFirst: password checks sent at once are counted
// against the account before they are made, so no more are checked than the
// lock allows, whichever identifier names the account; an unlock starts the
// count anew (found in review: counted after the check, a burst through three
// identifiers got 6 to 9 checks where three were allowed).
func TestAccountTriesCountedFirst(t *testing.T) {
	d, st := newDirectory(t)
	ctx := t.Context()
	u, err := d.CreateUser(ctx, directory.NewUser{Login: "ivanov", Email: "ivanov@example.com", Phone: "+79090000000", Password: "S3cure-pass!"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	authenticate := func(login, password string) error {
		var n int64
		_, err := d.Authenticate(ctx, login, password, directory.CountAccountTries(directory.AccountTries{Store: st, Now: now,
			LockAfter: 3, Window: time.Hour, Log: slog.New(slog.DiscardHandler), N: &n}))
		return err
	}
	var wrong, locked atomic.Int32
	var wg sync.WaitGroup
	for i, login := range []string{"ivanov", "ivanov@example.com", "+79090000000", "ivanov", "ivanov@example.com", "+79090000000", "ivanov", "ivanov@example.com", "+79090000000"} {
		wg.Go(func() {
			switch err := authenticate(login, "guess-"+string(rune('a'+i))); {
			case errors.Is(err, directory.ErrAccountLocked):
				locked.Add(1)
			case errors.Is(err, directory.ErrInvalidCredentials):
				wrong.Add(1)
			default:
				t.Errorf("%s: %v", login, err)
			}
		})
	}
	wg.Wait()
	if wrong.Load() != 3 || locked.Load() != 6 {
		t.Fatalf("9 guesses at once through three identifiers: %d checked, %d refused; want 3 and 6", wrong.Load(), locked.Load())
	}
	if err := authenticate("ivanov", "S3cure-pass!"); !errors.Is(err, directory.ErrAccountLocked) {
		t.Fatalf("the right password after three failures: %v", err)
	}
	// The right password gives its try back: after an unlock the count starts
	// anew, and right passwords never add to it.
	if err := d.Unlock(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := authenticate("ivanov", "S3cure-pass!"); err != nil {
			t.Fatalf("the right password after an unlock: %v", err)
		}
	}
	if err := authenticate("ivanov", "guess"); !errors.Is(err, directory.ErrInvalidCredentials) || errors.Is(err, directory.ErrAccountLocked) {
		t.Fatalf("a wrong password after an unlock and right ones: %v", err)
	}
}
