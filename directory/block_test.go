package directory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestOperatorLockHoldsEverywhere: an operator's lock refuses the right
// password even from the owner's own browser (which the failure lock spares)
// and a recovery password (without spending it), survives a password reset,
// and closes the account pages' session; a wrong password gets the usual
// answer, so that a stranger learns nothing. Unblock opens it again.
func TestOperatorLockHoldsEverywhere(t *testing.T) {
	d, store := newDirectory(t)
	ctx := t.Context()
	u, err := d.CreateUser(ctx, directory.NewUser{Login: "ivanov", Phone: "+79090000000", Password: "S3cure-pass!"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Block(ctx, u.ID, time.Now().Add(time.Hour), "op1", "stolen laptop"); err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string][]directory.AuthOption{"new browser": nil, "own browser": {directory.KnownDevice(u.ID)}} {
		if _, err := d.Authenticate(ctx, "ivanov", "S3cure-pass!", opts...); !errors.Is(err, directory.ErrAccountBlocked) {
			t.Errorf("%s, right password: %v, want ErrAccountBlocked", name, err)
		}
		var wrong *directory.WrongPasswordError
		if _, err := d.Authenticate(ctx, "ivanov", "wrong-pass", opts...); !errors.As(err, &wrong) {
			t.Errorf("%s, wrong password: %v, want the usual answer", name, err)
		}
	}
	temp, err := d.StartRecovery(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "ivanov", temp); !errors.Is(err, directory.ErrAccountBlocked) {
		t.Errorf("recovery password: %v, want ErrAccountBlocked", err)
	}
	if got, _ := store.UserByID(ctx, u.ID); !got.Recovery.Usable(time.Now()) {
		t.Errorf("a refused recovery password was spent: %+v", got.Recovery)
	}
	// A reset (recovery, sign-up of the identifier) lifts the failure lock only.
	if err := d.Lock(ctx, u.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := d.ResetPassword(ctx, u.ID, "Fresh-pass-42", false); err != nil {
		t.Fatal(err)
	}
	got, _ := store.UserByID(ctx, u.ID)
	if !got.LockedUntil.IsZero() || directory.SignInAllowed(got, time.Now()) == nil {
		t.Fatalf("after a reset: failure lock %v, operator's lock %+v", got.LockedUntil, got.Blocked)
	}
	now := time.Now().UTC()
	const sess = "s-locked"
	if err := store.CreateSession(ctx, storage.Session{ID: sess, SID: "sid-locked", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := directory.SignedIn(ctx, store, store, sess, time.Now()); !errors.Is(err, directory.ErrAccountBlocked) {
		t.Errorf("the account pages' session of a locked account: %v", err)
	}
	if err := d.Unblock(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "ivanov", "Fresh-pass-42"); err != nil {
		t.Fatalf("after unblock: %v", err)
	}
	if _, _, err := directory.SignedIn(ctx, store, store, sess, time.Now()); err != nil {
		t.Errorf("the session after unblock: %v", err)
	}
	// A lock whose time has passed refuses nothing.
	if err := d.Block(ctx, u.ID, time.Now().Add(-time.Second), "op1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "ivanov", "Fresh-pass-42"); err != nil {
		t.Fatalf("after the lock ran out: %v", err)
	}
}
