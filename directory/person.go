package directory

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// AccountClientID is the built-in first-party client through which the
// person's own pages (account, device page) send a person without a session to
// sign in; it returns to /account/callback.
const AccountClientID = "vhod-account"

// ReauthStatePrefix marks the account client's state of a sign-in made again
// before a way in changes (the account's re-authentication).
const ReauthStatePrefix = "reauth:"

// IsReauth tells whether an auth request is the account client's sign-in made
// again (the sign-in page then says why it asks).
func IsReauth(ar storage.AuthRequest) bool {
	return ar.ClientID == AccountClientID && strings.HasPrefix(ar.State, ReauthStatePrefix)
}

// ErrAccountant: an accountant's session (the sign-in by contract) does not
// open a person's own pages; it acts for one company only.
var ErrAccountant = errors.New("accountant session on the account pages")

// Who is how a person is named to themselves: their login, else email,
// phone or contract.
func Who(u storage.User) string {
	for _, s := range []string{u.Login, u.Email, u.Phone, u.Contract} {
		if s != "" {
			return s
		}
	}
	return ""
}

type personSessions interface {
	SessionByID(ctx context.Context, id string) (storage.Session, error)
}

type personUsers interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
}

// SignedIn is the person whose SSO session is sessionID (the browser's
// cookie, "" when it has none). storage.ErrNotFound when nobody is: no
// session, an ended one or its user gone (the browser signs in);
// ErrAccountant, with the user, for an accountant's session; ErrAccountBlocked,
// with the user, for a session of an account an operator locked; any other error
// is the store's.
func SignedIn(ctx context.Context, sessions personSessions, users personUsers, sessionID string, now time.Time) (storage.Session, storage.User, error) {
	if sessionID == "" {
		return storage.Session{}, storage.User{}, storage.ErrNotFound
	}
	s, err := sessions.SessionByID(ctx, sessionID)
	if err != nil {
		return s, storage.User{}, err
	}
	u, err := users.UserByID(ctx, s.UserID)
	if err != nil {
		return s, u, err
	}
	if u.AccountantOf != "" {
		return s, u, ErrAccountant
	}
	// A session left from before an operator's lock opens nothing.
	if err := SignInAllowed(u, now); err != nil {
		return s, u, err
	}
	return s, u, nil
}

// Consent kinds a person gives: at registration, and the news on the account page.
const (
	ConsentPersonalData = "personal_data"
	ConsentNews         = "news"
	// ConsentTerms is the acceptance of the service's terms (a public offer or
	// user agreement), asked at sign-up only where the operator links them.
	ConsentTerms = "terms"
)
