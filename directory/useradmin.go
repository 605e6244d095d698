package directory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/internal/ruid"
	"github.com/vhod-id/vhod/storage"
)

// ErrNoPassword: the account has no password.
var ErrNoPassword = errors.New("the account has no password")

// userAdminStore is what the operators' account operations need from storage.
type userAdminStore interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
	UserByIdentifier(ctx context.Context, key string) (storage.User, error)
	ListUsers(ctx context.Context, q storage.UserQuery) ([]storage.User, error)
	UpdateProfile(ctx context.Context, userID string, p storage.Profile) error
	SetAuthorities(ctx context.Context, userID string, authorities []string) error
	SetPasswordHash(ctx context.Context, userID, hash string, temporary bool) error
	DeleteUser(ctx context.Context, id string) error
	ListUserSessions(ctx context.Context, userID string) ([]storage.Session, error)
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID string) error
}

// UserAdminConfig is what the operators' account operations are built with.
type UserAdminConfig struct {
	// RevokeSession and RevokeUser revoke tokens with what they end (provider).
	RevokeSession func(ctx context.Context, sess storage.Session) error
	RevokeUser    func(ctx context.Context, userID string) error
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// UserAdmin is what operators do to accounts, through the API and the
// console alike, by the same rules. It checks input but not who calls: the
// callers do.
type UserAdmin struct {
	store userAdminStore
	dir   *Directory
	cfg   UserAdminConfig
}

// NewUserAdmin makes the operators' account operations.
func NewUserAdmin(st userAdminStore, dir *Directory, cfg UserAdminConfig) *UserAdmin {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &UserAdmin{store: st, dir: dir, cfg: cfg}
}

// Get reads one account.
func (s *UserAdmin) Get(ctx context.Context, id string) (storage.User, error) {
	return s.store.UserByID(ctx, id)
}

// Find finds accounts by any identifier in any spelling (first) and by a part
// of a name, after the cursor; next is the cursor of the following page.
func (s *UserAdmin) Find(ctx context.Context, q, after string, limit int) (found []storage.User, next string, err error) {
	return s.FindSorted(ctx, q, after, storage.Sort{}, limit)
}

// FindSorted is Find in the order by (storage.Sort); after is then the cursor
// of that order. The accounts found by an identifier come first on the first
// page in any order, so that sorting a search never loses what it found.
func (s *UserAdmin) FindSorted(ctx context.Context, q, after string, by storage.Sort, limit int) (found []storage.User, next string, err error) {
	q = strings.TrimSpace(q)
	if q != "" && after == "" {
		keys, _ := CandidateKeys(q)
		// A SNILS as people write it (123-456-789 01) finds its holder too:
		// the console's search says it takes one.
		if n := ruid.NormalizeSNILS(strings.ReplaceAll(q, "\u00a0", " ")); ruid.ValidSNILS(n) {
			keys = append(keys, storage.IdentifierKey(storage.IdentSNILS, n))
		}
		for _, k := range keys {
			if u, err := s.store.UserByIdentifier(ctx, k); err == nil && !slices.ContainsFunc(found, func(x storage.User) bool { return x.ID == u.ID }) {
				found = append(found, u)
			}
		}
	}
	more, err := s.store.ListUsers(ctx, storage.UserQuery{Text: q, Sort: by, After: after, Limit: limit + 1})
	if err != nil {
		return nil, "", err
	}
	for i, u := range more {
		if i == limit {
			next = storage.UserCursor(more[limit-1], by)
			break
		}
		if !slices.ContainsFunc(found, func(x storage.User) bool { return x.ID == u.ID }) {
			found = append(found, u)
		}
	}
	return found, next, nil
}

// UserInput is a new account (API body, console form).
type UserInput struct {
	Login             string `json:"login"`
	Email             string `json:"email"`
	Phone             string `json:"phone"`
	Contract          string `json:"contract"`
	FamilyName        string `json:"family_name"`
	GivenName         string `json:"given_name"`
	MiddleName        string `json:"middle_name"`
	Locale            string `json:"locale"`
	Password          string `json:"password"`
	PasswordTemporary bool   `json:"password_temporary"`
}

// Create makes an account; the identifiers an operator enters count as
// confirmed. bad names invalid fields; storage.ErrAlreadyExists when another
// account holds one of the identifiers.
func (s *UserAdmin) Create(ctx context.Context, in UserInput) (storage.User, map[string]string, error) {
	if in.Password != "" {
		if _, err := s.dir.NewPasswordHash(in.Password, in.Login, in.Email, in.Phone); err != nil {
			return storage.User{}, map[string]string{"password": err.Error()}, nil
		}
	}
	u, err := s.dir.CreateUser(ctx, NewUser{Login: in.Login, Email: in.Email, Phone: in.Phone, Contract: in.Contract,
		FamilyName: in.FamilyName, GivenName: in.GivenName, MiddleName: in.MiddleName, Locale: in.Locale, Password: in.Password,
		PasswordTemporary: in.PasswordTemporary, EmailVerified: in.Email != "", PhoneVerified: in.Phone != ""})
	if errors.Is(err, ErrInvalidIdentifier) {
		return u, map[string]string{"login": "a login, an email, a phone or a contract is needed, each valid"}, nil
	}
	return u, nil, err
}

// UserPatch changes names and authorities; nil fields stay.
type UserPatch struct {
	FamilyName  *string   `json:"family_name"`
	GivenName   *string   `json:"given_name"`
	MiddleName  *string   `json:"middle_name"`
	Authorities *[]string `json:"authorities"`
}

// Problems names invalid fields of the patch (nil when none is): an
// authority is operator or moderator.
func (in UserPatch) Problems() map[string]string {
	if in.Authorities != nil {
		for _, x := range *in.Authorities {
			if x != storage.AuthorityOperator && x != storage.AuthorityModerator {
				return map[string]string{"authorities": x + " is not operator or moderator"}
			}
		}
	}
	return nil
}

// Update applies a patch; bad names invalid fields.
func (s *UserAdmin) Update(ctx context.Context, u storage.User, in UserPatch) (map[string]string, error) {
	if bad := in.Problems(); bad != nil {
		return bad, nil
	}
	p := storage.Profile{FamilyName: u.FamilyName, GivenName: u.GivenName, MiddleName: u.MiddleName, Consents: u.Consents}
	for _, f := range []struct {
		in  *string
		out *string
	}{{in.FamilyName, &p.FamilyName}, {in.GivenName, &p.GivenName}, {in.MiddleName, &p.MiddleName}} {
		if f.in != nil {
			*f.out = strings.TrimSpace(*f.in)
		}
	}
	if err := s.store.UpdateProfile(ctx, u.ID, p); err != nil {
		return nil, err
	}
	if in.Authorities != nil {
		return nil, s.store.SetAuthorities(ctx, u.ID, *in.Authorities)
	}
	return nil, nil
}

// Lock refuses every sign-in until a time (the zero time: a hundred years,
// until unlocked), by any method and from any browser, and ends what the
// person is signed in with: their sessions end and their tokens are revoked
// (the clients told by back-channel logout). by is the operator, reason is
// for the other operators. The lock is the operator's own (storage.Block):
// failure locks, recovery and password resets do not lift it.
func (s *UserAdmin) Lock(ctx context.Context, id string, until time.Time, by, reason string) (time.Time, error) {
	if until.IsZero() {
		until = s.cfg.Now().AddDate(100, 0, 0)
	}
	if err := s.dir.Block(ctx, id, until, by, reason); err != nil {
		return until, err
	}
	// Locked first, then ended: a sign-in racing the lock finds it locked.
	// The sessions end even when the revocation failed: the SSO decision
	// trusts that a locked account has none (the operator sees the error and
	// may lock again to finish the revocation).
	rerr := s.cfg.RevokeUser(ctx, id)
	derr := s.store.DeleteUserSessions(ctx, id)
	return until, errors.Join(rerr, derr)
}

// Unlock lets the person sign in again: the operator's lock and the lock after
// failed sign-ins both go.
func (s *UserAdmin) Unlock(ctx context.Context, id string) error { return s.dir.Unblock(ctx, id) }

// RequirePasswordChange makes the next sign-in set a new password;
// ErrNoPassword when the account has none.
func (s *UserAdmin) RequirePasswordChange(ctx context.Context, id string) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return ErrNoPassword
	}
	return s.store.SetPasswordHash(ctx, u.ID, u.PasswordHash, true)
}

// Delete deletes an account with its sessions and tokens.
func (s *UserAdmin) Delete(ctx context.Context, id string) error {
	if _, err := s.store.UserByID(ctx, id); err != nil {
		return err
	}
	if err := s.cfg.RevokeUser(ctx, id); err != nil {
		return err
	}
	return s.store.DeleteUser(ctx, id)
}

// Sessions lists a person's sign-in sessions.
func (s *UserAdmin) Sessions(ctx context.Context, id string) ([]storage.Session, error) {
	return s.store.ListUserSessions(ctx, id)
}

// RevokeSession ends one session of the person and revokes its tokens;
// storage.ErrNotFound when the person has no such session.
func (s *UserAdmin) RevokeSession(ctx context.Context, userID, sid string) error {
	list, err := s.store.ListUserSessions(ctx, userID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(x storage.Session) bool { return x.SID == sid })
	if i < 0 {
		return storage.ErrNotFound
	}
	if err := s.store.DeleteSession(ctx, list[i].ID); err != nil {
		return err
	}
	return s.cfg.RevokeSession(ctx, list[i])
}

// SetAuthority gives a person a Vhod-wide power (the bootstrap's operators
// and moderators); changed is false when they had it.
func (s *UserAdmin) SetAuthority(ctx context.Context, u storage.User, authority string) (changed bool, err error) {
	if slices.Contains(u.Authorities, authority) {
		return false, nil
	}
	return true, s.store.SetAuthorities(ctx, u.ID, append(slices.Clone(u.Authorities), authority))
}
