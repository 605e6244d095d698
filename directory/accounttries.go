package directory

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vhod-id/vhod/directory/tries"
	"github.com/vhod-id/vhod/storage"
)

// AccountTries is the account's side of the sign-in lock: every password
// check is counted against the account before it is made (directory/tries),
// so that checks sent at once, through the account's login, email and phone
// alike, meet the lock as checks sent in turn do. Found in review: counted
// after the check, a burst through three identifiers got 6 to 9 checks where
// three were allowed, and, as an unknown login's identifiers were counted
// first, the difference told which accounts exist.
type AccountTries struct {
	Store tries.Store
	Now   time.Time
	// LockAfter checks (failed or under way) in Window refuse more; 0: none.
	LockAfter int64
	Window    time.Duration
	Log       *slog.Logger
	// N receives the account's count with this check, for the caller's
	// delays and lock.
	N *int64
}

// CountAccountTries has Authenticate count its check as t says. The count
// starts anew with each unlock (storage.User.Unlocks names it), so that an
// unlock opens the account; a lock running out does not (the count fades over
// Window, as an unknown login's identifier lock does, so that both answer
// alike).
func CountAccountTries(t AccountTries) AuthOption {
	return func(o *authOptions) {
		o.accountTry = func(ctx context.Context, u storage.User) (func(bool), bool, error) {
			try, err := tries.Begin(ctx, t.Store, t.Now, tries.Allowance{Key: fmt.Sprintf("signin-fail:user:%s@%d", u.ID, u.Unlocks), Window: t.Window})
			if err != nil {
				return nil, false, err
			}
			*t.N = try.Before(0)[0] + 1
			end := func(wrong bool) {
				if wrong {
					try.Fail()
				}
				if err := try.End(ctx); err != nil {
					t.Log.WarnContext(ctx, "an account's sign-in try not taken back", "user", u.ID, "err", err)
				}
			}
			if t.LockAfter > 0 && *t.N > t.LockAfter {
				end(false)
				return nil, false, nil
			}
			return end, true, nil
		}
	}
}
