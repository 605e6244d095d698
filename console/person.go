package console

import (
	"errors"
	"net/http"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// person returns the signed-in person (directory.SignedIn, the account pages'
// rule too), or sends the browser to sign in through the account client and
// returns false. An accountant's session (signed in by contract) does not
// reach the console, as it does not reach the account pages.
func (h *Handler) person(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	_, u, err := directory.SignedIn(r.Context(), h.cfg.Store, h.cfg.Store, h.cfg.Cookies.SessionID(r.Context()), h.now())
	switch {
	case err == nil:
		return u, true
	case errors.Is(err, directory.ErrAccountant):
		h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusForbidden, Key: "account.accountant", Err: err})
	case errors.Is(err, directory.ErrAccountBlocked): // an operator locked it
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "login.account_blocked", Err: err})
	case errors.Is(err, storage.ErrNotFound):
		web.SignIn(w, r, h.cfg.Issuer, directory.AccountClientID, "account", nil)
	default:
		h.pages.Fail(w, r, web.PickLanguage(r, nil), web.Unavailable(err))
	}
	return u, false
}
