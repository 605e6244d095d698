package directory

import (
	"context"

	"github.com/vhod-id/vhod/storage"
)

// AuthOption changes one rule of Authenticate.
type AuthOption func(*authOptions)

type authOptions struct {
	// knownDevice is the account the browser signed in to before ("" when none).
	knownDevice string
	// accountTry counts the check against the account first (CountAccountTries).
	accountTry accountTry
}

// accountTry counts a password check against the account it is for, before
// the check (CountAccountTries): it is asked once the account is found and
// neither locked nor the caller's known device; ok false refuses the check,
// and Authenticate answers ErrAccountLocked after the time of a check.
// Otherwise end is called after the check with whether the password was wrong.
type accountTry func(ctx context.Context, u storage.User) (end func(wrong bool), ok bool, err error)

// KnownDevice says the browser proved, with a signed device cookie, that it signed
// in to account userID before: the lock that repeated failures put on that account
// does not apply to it (OWASP "device cookies"), so that a stranger's guessing
// cannot lock the owner out. Other accounts' locks still apply.
func KnownDevice(userID string) AuthOption {
	return func(o *authOptions) { o.knownDevice = userID }
}
