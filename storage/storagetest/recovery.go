package storagetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// testRecoveryPassword: a recovery password sits beside the password, signs in
// once and before its expiry, and only its completion replaces the password.
func testRecoveryPassword(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	locked := now.Add(time.Hour)
	must(t, s.CreateUser(ctx, storage.User{ID: "u1", Login: "a", PasswordHash: "old", LockedUntil: locked}))
	wantErr(t, s.SetRecoveryPassword(ctx, "nobody", storage.RecoveryPassword{Hash: "x", ExpiresAt: now.Add(time.Minute)}), storage.ErrNotFound)

	// Asking for one changes nothing else.
	must(t, s.SetRecoveryPassword(ctx, "u1", storage.RecoveryPassword{Hash: "temp1", ExpiresAt: now.Add(15 * time.Minute)}))
	u, err := s.UserByID(ctx, "u1")
	must(t, err)
	if u.PasswordHash != "old" || u.PasswordTemporary || !u.LockedUntil.Equal(locked) {
		t.Fatalf("asking for a recovery password changed the account: %+v", u)
	}
	if !u.Recovery.Usable(now) || u.Recovery.Usable(now.Add(15*time.Minute)) || u.Recovery.WaitsForChange() {
		t.Fatalf("recovery %+v", u.Recovery)
	}
	// Nothing completes before use; nothing is used after expiry or with another hash.
	wantErr(t, s.CompleteRecovery(ctx, "u1", "temp1", "new"), storage.ErrNotFound)
	wantErr(t, s.UseRecoveryPassword(ctx, "u1", "temp1", now.Add(15*time.Minute)), storage.ErrNotFound)
	wantErr(t, s.UseRecoveryPassword(ctx, "u1", "other", now), storage.ErrNotFound)

	// A second request replaces the first.
	must(t, s.SetRecoveryPassword(ctx, "u1", storage.RecoveryPassword{Hash: "temp2", ExpiresAt: now.Add(15 * time.Minute)}))
	wantErr(t, s.UseRecoveryPassword(ctx, "u1", "temp1", now), storage.ErrNotFound)

	// Of concurrent uses exactly one wins; a later one fails.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.UseRecoveryPassword(ctx, "u1", "temp2", now.Add(time.Minute)) == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d uses of one recovery password won", wins.Load())
	}
	wantErr(t, s.UseRecoveryPassword(ctx, "u1", "temp2", now.Add(time.Minute)), storage.ErrNotFound)
	if u, _ = s.UserByID(ctx, "u1"); u.PasswordHash != "old" || !u.Recovery.WaitsForChange() || u.Recovery.Usable(now) {
		t.Fatalf("after use: hash %q, recovery %+v", u.PasswordHash, u.Recovery)
	}

	// Completion replaces the password, unlocks and clears the recovery password, once.
	wantErr(t, s.CompleteRecovery(ctx, "u1", "temp1", "new"), storage.ErrNotFound)
	must(t, s.CompleteRecovery(ctx, "u1", "temp2", "new"))
	if u, _ = s.UserByID(ctx, "u1"); u.PasswordHash != "new" || u.PasswordTemporary || u.Recovery != nil || u.LockedUntil.After(now) || u.Unlocks != 1 {
		t.Fatalf("after completion (an unlock, counted): %+v", u)
	}
	wantErr(t, s.CompleteRecovery(ctx, "u1", "temp2", "newer"), storage.ErrNotFound)
	wantErr(t, s.UseRecoveryPassword(ctx, "u1", "temp2", now), storage.ErrNotFound)
}
