package directory

import (
	"context"
	"errors"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// ErrAccountBlocked: an operator has locked the account (storage.Block). Unlike
// ErrAccountLocked (failed passwords, against guessers) it holds for every way
// in, from every browser, and only an operator lifts it. Pages say so only to
// whoever proved the credential (the right password, the SMS code, the
// certificate), so that a stranger cannot learn that the account exists.
var ErrAccountBlocked = errors.New("account blocked by an operator")

// SignInAllowed is the one rule every way into an account obeys: each sign-in
// method before a session starts, the SSO session before it answers, the
// account pages, and the provider before it refreshes or exchanges tokens.
// ErrAccountBlocked when an operator has locked the account (or it is disabled).
func SignInAllowed(u storage.User, now time.Time) error {
	if u.Disabled || u.Blocked.Active(now) {
		return ErrAccountBlocked
	}
	return nil
}

// SignInAllowed is the rule at the directory's clock.
func (d *Directory) SignInAllowed(u storage.User) error { return SignInAllowed(u, d.now()) }

// Block is an operator's lock of an account until until (by: who; reason: why,
// for the other operators). Failure locks, recovery and password resets leave it.
func (d *Directory) Block(ctx context.Context, userID string, until time.Time, by, reason string) error {
	return d.users.SetBlock(ctx, userID, &storage.Block{Until: until.UTC(), At: d.now().UTC(), By: by, Reason: TruncateUTF8(reason, 500)})
}

// Unblock lifts an operator's lock, and the failure lock with it: an operator
// who opens an account opens it for sign-in.
func (d *Directory) Unblock(ctx context.Context, userID string) error {
	if err := d.users.SetBlock(ctx, userID, nil); err != nil {
		return err
	}
	return d.Unlock(ctx, userID)
}
