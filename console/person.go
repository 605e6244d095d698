package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// accountClientID is the built-in first-party client through which the pages
// send a person without a session to sign in (login.AccountClientID).
const accountClientID = "vhod-account"

// person returns the signed-in person (session cookie → session → account),
// or sends the browser to sign in through the account client and returns
// false. An accountant's session (signed in by contract) does not reach the
// console, as it does not reach the account pages.
//
// TODO(i17 merge): use the shared person lookup.
func (h *Handler) person(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	var err error
	if id := h.cfg.Cookies.SessionID(r.Context()); id != "" {
		var sess storage.Session
		if sess, err = h.cfg.Store.SessionByID(r.Context(), id); err == nil {
			u, uerr := h.cfg.Store.UserByID(r.Context(), sess.UserID)
			if uerr == nil && u.AccountantOf != "" {
				h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusForbidden, Key: "account.accountant",
					Err: errors.New("accountant session on the account pages")})
				return u, false
			}
			if uerr == nil && directory.SignInAllowed(u, h.now()) != nil { // an operator locked it
				h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "login.account_blocked",
					Err: directory.ErrAccountBlocked})
				return u, false
			}
			if uerr == nil {
				return u, true
			}
			err = uerr
		}
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
		return storage.User{}, false
	}
	q := url.Values{"client_id": {accountClientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {h.cfg.Issuer + "/account/callback"}, "state": {"account"}}
	if l := r.URL.Query().Get("ui_locales"); l != "" {
		q.Set("ui_locales", l)
	}
	http.Redirect(w, r, "/authorize?"+q.Encode(), http.StatusSeeOther)
	return storage.User{}, false
}
