package storagetest

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// concurrently runs f n times at once and counts the nil answers.
func concurrently(n int, f func() error) int32 {
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f() == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	return wins.Load()
}

// testTOTP: an enrolment works only once confirmed; a step is accepted once
// (also under concurrency) and never one at or before the last.
func testTOTP(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.CreateUser(ctx, storage.User{ID: "u1", Login: "a"}))
	wantErr(t, s.SetPendingTOTP(ctx, "nobody", storage.TOTP{Secret: "x"}), storage.ErrNotFound)
	wantErr(t, s.UseTOTPStep(ctx, "u1", 10, now), storage.ErrNotFound)

	must(t, s.SetPendingTOTP(ctx, "u1", storage.TOTP{Secret: "sealed-1", CreatedAt: now}))
	u, err := s.UserByID(ctx, "u1")
	must(t, err)
	if u.Factors.TOTP != nil || u.Factors.TOTPPending == nil || u.Factors.TOTPPending.Secret != "sealed-1" {
		t.Fatalf("pending enrolment: %+v", u.Factors)
	}
	wantErr(t, s.UseTOTPStep(ctx, "u1", 10, now), storage.ErrNotFound)
	wantErr(t, s.ConfirmTOTP(ctx, "u1", "sealed-other", 100, now), storage.ErrNotFound)
	if wins := concurrently(6, func() error { return s.ConfirmTOTP(ctx, "u1", "sealed-1", 100, now) }); wins != 1 {
		t.Fatalf("%d confirmations of one enrolment won", wins)
	}
	u, _ = s.UserByID(ctx, "u1")
	if u.Factors.TOTPPending != nil || u.Factors.TOTP == nil || u.Factors.TOTP.LastStep != 100 || !u.Factors.TOTP.ConfirmedAt.Equal(now) {
		t.Fatalf("after confirmation: %+v", u.Factors)
	}
	// The confirming code's step is used; so is every earlier one.
	wantErr(t, s.UseTOTPStep(ctx, "u1", 100, now), storage.ErrConflict)
	wantErr(t, s.UseTOTPStep(ctx, "u1", 99, now), storage.ErrConflict)
	if wins := concurrently(8, func() error { return s.UseTOTPStep(ctx, "u1", 101, now) }); wins != 1 {
		t.Fatalf("%d uses of one step won", wins)
	}
	wantErr(t, s.UseTOTPStep(ctx, "u1", 101, now), storage.ErrConflict)
	must(t, s.UseTOTPStep(ctx, "u1", 103, now.Add(time.Minute)))
	wantErr(t, s.UseTOTPStep(ctx, "u1", 102, now), storage.ErrConflict)
	u, _ = s.UserByID(ctx, "u1")
	if u.Factors.TOTP.LastStep != 103 || !u.Factors.TOTP.LastUsedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("last step %+v", u.Factors.TOTP)
	}
	// A new enrolment leaves the confirmed app working until it is confirmed.
	must(t, s.SetPendingTOTP(ctx, "u1", storage.TOTP{Secret: "sealed-2", CreatedAt: now}))
	must(t, s.UseTOTPStep(ctx, "u1", 104, now))
	must(t, s.RemoveTOTP(ctx, "u1"))
	u, _ = s.UserByID(ctx, "u1")
	if u.Factors.TOTP != nil || u.Factors.TOTPPending != nil {
		t.Fatalf("after removal: %+v", u.Factors)
	}
	must(t, s.SetAlwaysAsk(ctx, "u1", true))
	if u, _ = s.UserByID(ctx, "u1"); !u.Factors.AlwaysAsk {
		t.Fatal("always ask not stored")
	}
	wantErr(t, s.SetAlwaysAsk(ctx, "nobody", true), storage.ErrNotFound)
}

// testRecoveryCodes: each code serves once, also when ten requests race for
// it; a new set replaces the old.
func testRecoveryCodes(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.CreateUser(ctx, storage.User{ID: "u1", Login: "a"}))
	wantErr(t, s.UseRecoveryCode(ctx, "u1", "h1"), storage.ErrNotFound)
	must(t, s.SetRecoveryCodes(ctx, "u1", []string{"h1", "h2", "h3"}, now))
	if wins := concurrently(10, func() error { return s.UseRecoveryCode(ctx, "u1", "h2") }); wins != 1 {
		t.Fatalf("%d uses of one recovery code won", wins)
	}
	wantErr(t, s.UseRecoveryCode(ctx, "u1", "h2"), storage.ErrNotFound)
	u, err := s.UserByID(ctx, "u1")
	must(t, err)
	if !slices.Equal(u.Factors.RecoveryCodes, []string{"h1", "h3"}) || !u.Factors.RecoveryCodesAt.Equal(now) {
		t.Fatalf("codes left %v at %v", u.Factors.RecoveryCodes, u.Factors.RecoveryCodesAt)
	}
	must(t, s.SetRecoveryCodes(ctx, "u1", []string{"h4"}, now))
	wantErr(t, s.UseRecoveryCode(ctx, "u1", "h1"), storage.ErrNotFound)
	must(t, s.UseRecoveryCode(ctx, "u1", "h4"))
	wantErr(t, s.UseRecoveryCode(ctx, "nobody", "h4"), storage.ErrNotFound)
}

// testPasskeys: IDs are unique across accounts; an account renames and
// removes only its own; a use is written over the version read, once.
func testPasskeys(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.CreateUser(ctx, storage.User{ID: "u1", Login: "a"}))
	must(t, s.CreateUser(ctx, storage.User{ID: "u2", Login: "b"}))
	p := storage.Passkey{ID: "cred-1", UserID: "u1", Name: "Phone", PublicKey: []byte{1, 2}, BackupEligible: true,
		AttestationType: "none", Transports: []string{"internal"}, CreatedAt: now}
	must(t, s.CreatePasskey(ctx, p))
	must(t, s.CreatePasskey(ctx, storage.Passkey{ID: "cred-2", UserID: "u1", Name: "Key", CreatedAt: now.Add(time.Second)}))
	wantErr(t, s.CreatePasskey(ctx, storage.Passkey{ID: "cred-1", UserID: "u2"}), storage.ErrAlreadyExists)

	list, err := s.PasskeysOfUser(ctx, "u1")
	must(t, err)
	if len(list) != 2 || list[0].ID != "cred-1" || list[1].ID != "cred-2" || !list[0].BackupEligible || list[0].Transports[0] != "internal" {
		t.Fatalf("list %+v", list)
	}
	if list, _ := s.PasskeysOfUser(ctx, "u2"); len(list) != 0 {
		t.Fatalf("another account's passkeys: %+v", list)
	}
	wantErr(t, s.RenamePasskey(ctx, "u2", "cred-1", "Mine now"), storage.ErrNotFound)
	wantErr(t, s.DeletePasskey(ctx, "u2", "cred-1"), storage.ErrNotFound)
	must(t, s.RenamePasskey(ctx, "u1", "cred-1", "Work phone"))

	got, err := s.PasskeyByID(ctx, "cred-1")
	must(t, err)
	if got.Name != "Work phone" || got.Version != 0 {
		t.Fatalf("passkey %+v", got)
	}
	use := storage.PasskeyUse{SignCount: 5, UserVerified: true, BackupState: true, At: now.Add(time.Minute)}
	if wins := concurrently(6, func() error { return s.UsePasskey(ctx, got, use) }); wins != 1 {
		t.Fatalf("%d uses over one version won", wins)
	}
	wantErr(t, s.UsePasskey(ctx, got, use), storage.ErrConflict)
	got, _ = s.PasskeyByID(ctx, "cred-1")
	if got.SignCount != 5 || !got.UserVerified || !got.BackupState || got.Version != 1 || !got.LastUsedAt.Equal(use.At) {
		t.Fatalf("after use %+v", got)
	}
	must(t, s.DeletePasskey(ctx, "u1", "cred-1"))
	wantErr(t, s.DeletePasskey(ctx, "u1", "cred-1"), storage.ErrNotFound)
	_, err = s.PasskeyByID(ctx, "cred-1")
	wantErr(t, err, storage.ErrNotFound)

	// An account's passkeys go with it.
	must(t, s.DeleteUser(ctx, "u1"))
	_, err = s.PasskeyByID(ctx, "cred-2")
	wantErr(t, err, storage.ErrNotFound)
}

// testCeremonies: a ceremony is taken once, and not after its expiry.
func testCeremonies(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC()
	must(t, s.CreateCeremony(ctx, storage.Ceremony{ID: "c1", Kind: "register", UserID: "u1", Session: []byte(`{"challenge":"x"}`),
		CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}))
	must(t, s.CreateCeremony(ctx, storage.Ceremony{ID: "old", Kind: "login", ExpiresAt: past()}))
	var got storage.Ceremony
	if wins := concurrently(6, func() error {
		c, err := s.TakeCeremony(ctx, "c1")
		if err == nil {
			got = c
		}
		return err
	}); wins != 1 {
		t.Fatalf("%d takers of one ceremony won", wins)
	}
	if got.UserID != "u1" || string(got.Session) != `{"challenge":"x"}` || got.Kind != "register" {
		t.Fatalf("ceremony %+v", got)
	}
	_, err := s.TakeCeremony(ctx, "c1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.TakeCeremony(ctx, "old")
	wantErr(t, err, storage.ErrNotFound)
	n, err := s.DeleteExpired(ctx, now)
	must(t, err)
	if n < 1 {
		t.Fatalf("the expired ceremony was not swept (%d)", n)
	}
}
