package account

import (
	"errors"
	"net/http"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/tries"
)

// Wrong old passwords on the change form count per account, each before it is
// checked (directory/tries): whoever holds a fresh session (a computer left
// unlocked, a stolen cookie) must not try passwords without end and learn one
// the person may use elsewhere. Found in review: the form checked any number.
const (
	oldPasswordTries  = 5
	oldPasswordWindow = 15 * time.Minute
)

var errOldPasswordTries = errors.New("too many wrong old passwords")

func oldPasswordKey(userID string) string { return "pwchange-fail:user:" + userID }

// changePassword changes the password over the old one within the account's
// tries: a wrong old password stays counted, anything else is given back.
func (h *Handler) changePassword(r *http.Request, userID, old, next string) error {
	t, err := tries.Begin(r.Context(), h.store, h.now(), tries.Allowance{Key: oldPasswordKey(userID), Window: oldPasswordWindow})
	if err != nil {
		return err
	}
	if t.Before(0)[0] >= oldPasswordTries {
		err = errOldPasswordTries
	} else {
		err = h.people.ChangePassword(r.Context(), userID, old, next)
	}
	if errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fail()
	}
	if eerr := t.End(r.Context()); eerr != nil {
		h.log.WarnContext(r.Context(), "an old-password try not taken back", "user", userID, "err", eerr)
	}
	return err
}
