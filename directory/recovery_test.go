package directory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
)

// clock is a settable time for expiry tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestRecoveryKeepsOldPasswordUntilTheNewOneIsSet(t *testing.T) {
	d, store := newDirectory(t)
	ctx := t.Context()
	u, err := d.CreateUser(ctx, directory.NewUser{Login: "ivanov", Phone: "+79090000000", Password: "S3cure-pass!"})
	if err != nil {
		t.Fatal(err)
	}
	temp, err := d.StartRecovery(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Asking changed nothing: the old password signs in as before, with no forced change.
	got, err := d.Authenticate(ctx, "ivanov", "S3cure-pass!")
	if err != nil || got.PasswordTemporary {
		t.Fatalf("old password after a recovery request: %v, temporary %v", err, got.PasswordTemporary)
	}
	stored, _ := store.UserByID(ctx, u.ID)
	if stored.PasswordHash != u.PasswordHash || stored.PasswordTemporary || stored.Recovery == nil || stored.Recovery.Hash == "" {
		t.Fatalf("stored after request: %+v", stored)
	}
	// The recovery password signs in once, to a forced change.
	got, err = d.Authenticate(ctx, "+7 909 000 00 00", temp)
	if err != nil || !got.PasswordTemporary || !got.Recovery.WaitsForChange() {
		t.Fatalf("recovery password: %v, %+v", err, got)
	}
	if _, err := d.Authenticate(ctx, "ivanov", temp); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("recovery password used twice: %v", err)
	}
	// Until the change, the old password still works.
	if _, err := d.Authenticate(ctx, "ivanov", "S3cure-pass!"); err != nil {
		t.Fatalf("old password after use, before the change: %v", err)
	}
	// The change needs the recovery password as the old one, and the policy.
	if _, err := d.ChangeTemporaryPassword(ctx, u.ID, "S3cure-pass!x", "Fresh-pass-42"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("change with a wrong old password: %v", err)
	}
	if _, err := d.ChangeTemporaryPassword(ctx, u.ID, temp, temp); !errors.Is(err, directory.ErrPasswordUnchanged) {
		t.Fatalf("change to the recovery password itself: %v", err)
	}
	recovered, err := d.ChangeTemporaryPassword(ctx, u.ID, temp, "Fresh-pass-42")
	if err != nil || !recovered {
		t.Fatalf("change: %v, recovered %v", err, recovered)
	}
	for pw, want := range map[string]error{"Fresh-pass-42": nil, "S3cure-pass!": directory.ErrInvalidCredentials, temp: directory.ErrInvalidCredentials} {
		if _, err := d.Authenticate(ctx, "ivanov", pw); !errors.Is(err, want) && (want != nil || err != nil) {
			t.Errorf("after the change, %q: %v, want %v", pw, err, want)
		}
	}
	if _, err := d.ChangeTemporaryPassword(ctx, u.ID, temp, "Another-pass-43"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("second completion: %v", err)
	}
	if stored, _ = store.UserByID(ctx, u.ID); stored.Recovery != nil {
		t.Fatalf("recovery password not cleared: %+v", stored.Recovery)
	}
}

func TestRecoveryPasswordExpiresAfter15Minutes(t *testing.T) {
	d, _ := newDirectory(t)
	ctx := t.Context()
	c := &clock{t: time.Now()}
	d.SetClock(c.now)
	u, err := d.CreateUser(ctx, directory.NewUser{Login: "ivanov", Phone: "+79090000000", Password: "S3cure-pass!"})
	if err != nil {
		t.Fatal(err)
	}
	temp, err := d.StartRecovery(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(directory.RecoveryPasswordLifetime)
	if directory.RecoveryPasswordLifetime != 15*time.Minute {
		t.Fatalf("lifetime %v", directory.RecoveryPasswordLifetime)
	}
	if _, err := d.Authenticate(ctx, "ivanov", temp); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("expired recovery password: %v", err)
	}
	// A fresh one works a minute before its end; the old password all along.
	if temp, err = d.StartRecovery(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(directory.RecoveryPasswordLifetime - time.Minute)
	if got, err := d.Authenticate(ctx, "ivanov", temp); err != nil || !got.PasswordTemporary {
		t.Fatalf("recovery password within its lifetime: %v", err)
	}
	if _, err := d.Authenticate(ctx, "ivanov", "S3cure-pass!"); err != nil {
		t.Fatalf("old password: %v", err)
	}
}

func TestRecoveryPasswordOpensALockedAccount(t *testing.T) {
	d, _, p := newDirectoryPasswords(t)
	ctx := t.Context()
	u, err := d.CreateUser(ctx, directory.NewUser{Login: "ivanov", Phone: "+79090000000", Password: "S3cure-pass!"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Lock(ctx, u.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	temp, err := d.StartRecovery(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Asking does not unlock: the lock holds for guesses, and the recovery password gets through.
	if _, err := d.Authenticate(ctx, "ivanov", "S3cure-pass!"); !errors.Is(err, directory.ErrAccountLocked) {
		t.Fatalf("locked account, old password: %v", err)
	}
	// A wrong guess is answered as the lock, but it tried the recovery password:
	// the caller counts it (LockedGuessError), and it costs one hash as every
	// other answer does (found in review: none, so the time told the account).
	before := p.KeysDerived()
	var guess *directory.LockedGuessError
	if _, err := d.Authenticate(ctx, "ivanov", "guess"); !errors.Is(err, directory.ErrAccountLocked) || !errors.As(err, &guess) {
		t.Fatalf("locked account, a guess: %v", err)
	}
	if n := p.KeysDerived() - before; n != 1 {
		t.Fatalf("a guess at a locked account's recovery password cost %d hashes, want 1", n)
	}
	if _, err := d.Authenticate(ctx, "ivanov", temp); err != nil {
		t.Fatalf("locked account, recovery password: %v", err)
	}
	if _, err := d.ChangeTemporaryPassword(ctx, u.ID, temp, "Fresh-pass-42"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "ivanov", "Fresh-pass-42"); err != nil {
		t.Fatalf("after recovery the lock should be gone: %v", err)
	}
}

// TestWrongPasswordCostsOneHashWithRecoveryPending: a wrong password for an
// account with a pending recovery password costs what it costs for an unknown
// login (one argon2 check), or the cost tells that the account exists (found in
// review: the recovery password was an argon2 hash too, so two checks). The
// hasher counts its checks (argon2's work memory is pooled: allocation no
// longer measures them).
func TestWrongPasswordCostsOneHashWithRecoveryPending(t *testing.T) {
	d, _, p := newDirectoryPasswords(t)
	ctx := t.Context()
	u, err := d.CreateUser(ctx, directory.NewUser{Login: "ivanov", Phone: "+79090000000", Password: "S3cure-pass!"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.StartRecovery(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	checks := func(login string) int64 {
		before := p.KeysDerived()
		if _, err := d.Authenticate(ctx, login, "wrong-password-1"); err == nil {
			t.Fatal("a wrong password signed in")
		}
		return p.KeysDerived() - before
	}
	if known, unknown := checks("ivanov"), checks("nobody"); known != 1 || unknown != 1 {
		t.Fatalf("a wrong password costs %d argon2id checks for an account with a pending recovery, %d for an unknown login; want 1 and 1", known, unknown)
	}
}
