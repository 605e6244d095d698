package admin

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// The operations below back both the API's handlers and the operator's
// console pages, so that each can do what the other does, by the same rules.
// They check input but not who calls: the callers do.

// Errors of the operations.
var (
	ErrNoPassword       = errors.New("the account has no password")
	ErrUnknownAlgorithm = errors.New("not one of the signing algorithms")
)

// FindUsers finds accounts by any identifier in any spelling (first) and by a
// part of a name, after the cursor; next is the cursor of the following page.
func (a *API) FindUsers(ctx context.Context, q, after string, limit int) (found []storage.User, next string, err error) {
	q = strings.TrimSpace(q)
	if q != "" && after == "" {
		keys, _ := directory.CandidateKeys(q)
		for _, k := range keys {
			if u, err := a.cfg.Store.UserByIdentifier(ctx, k); err == nil && !slices.ContainsFunc(found, func(x storage.User) bool { return x.ID == u.ID }) {
				found = append(found, u)
			}
		}
	}
	more, err := a.cfg.Store.ListUsers(ctx, storage.UserQuery{Text: q, After: after, Limit: limit + 1})
	if err != nil {
		return nil, "", err
	}
	for i, u := range more {
		if i == limit {
			next = more[limit-1].ID
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

// CreateUser makes an account; the identifiers an operator enters count as
// confirmed. bad names invalid fields; storage.ErrAlreadyExists when another
// account holds one of the identifiers.
func (a *API) CreateUser(ctx context.Context, in UserInput) (storage.User, map[string]string, error) {
	if in.Password != "" {
		if _, err := a.cfg.Dir.NewPasswordHash(in.Password, in.Login, in.Email, in.Phone); err != nil {
			return storage.User{}, map[string]string{"password": err.Error()}, nil
		}
	}
	u, err := a.cfg.Dir.CreateUser(ctx, directory.NewUser{Login: in.Login, Email: in.Email, Phone: in.Phone, Contract: in.Contract,
		FamilyName: in.FamilyName, GivenName: in.GivenName, MiddleName: in.MiddleName, Locale: in.Locale, Password: in.Password,
		PasswordTemporary: in.PasswordTemporary, EmailVerified: in.Email != "", PhoneVerified: in.Phone != ""})
	if errors.Is(err, directory.ErrInvalidIdentifier) {
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

func (in UserPatch) problems() map[string]string {
	if in.Authorities != nil {
		for _, x := range *in.Authorities {
			if x != storage.AuthorityOperator && x != storage.AuthorityModerator {
				return map[string]string{"authorities": x + " is not operator or moderator"}
			}
		}
	}
	return nil
}

// UpdateUser applies a patch; bad names invalid fields.
func (a *API) UpdateUser(ctx context.Context, u storage.User, in UserPatch) (map[string]string, error) {
	if bad := in.problems(); bad != nil {
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
	if err := a.cfg.Store.UpdateProfile(ctx, u.ID, p); err != nil {
		return nil, err
	}
	if in.Authorities != nil {
		return nil, a.cfg.Store.SetAuthorities(ctx, u.ID, *in.Authorities)
	}
	return nil, nil
}

// LockUser refuses sign-in until a time.
func (a *API) LockUser(ctx context.Context, id string, until time.Time) error {
	return a.cfg.Dir.Lock(ctx, id, until)
}

// UnlockUser lets the person sign in again.
func (a *API) UnlockUser(ctx context.Context, id string) error { return a.cfg.Dir.Unlock(ctx, id) }

// RequirePasswordChange makes the next sign-in set a new password.
func (a *API) RequirePasswordChange(ctx context.Context, id string) error {
	u, err := a.cfg.Store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return ErrNoPassword
	}
	return a.cfg.Store.SetPasswordHash(ctx, u.ID, u.PasswordHash, true)
}

// DeleteUser deletes an account with its sessions and tokens.
func (a *API) DeleteUser(ctx context.Context, id string) error {
	if _, err := a.cfg.Store.UserByID(ctx, id); err != nil {
		return err
	}
	if err := a.cfg.RevokeUser(ctx, id); err != nil {
		return err
	}
	return a.cfg.Store.DeleteUser(ctx, id)
}

// UserSessions lists a person's sign-in sessions.
func (a *API) UserSessions(ctx context.Context, id string) ([]storage.Session, error) {
	return a.cfg.Store.ListUserSessions(ctx, id)
}

// RevokeUserSession ends one session of the person and revokes its tokens;
// storage.ErrNotFound when the person has no such session.
func (a *API) RevokeUserSession(ctx context.Context, userID, sid string) error {
	list, err := a.cfg.Store.ListUserSessions(ctx, userID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(s storage.Session) bool { return s.SID == sid })
	if i < 0 {
		return storage.ErrNotFound
	}
	if err := a.cfg.Store.DeleteSession(ctx, list[i].ID); err != nil {
		return err
	}
	return a.cfg.RevokeSession(ctx, list[i])
}

// Keys lists the signing keys.
func (a *API) Keys(ctx context.Context) ([]KeyInfo, error) { return a.cfg.ListKeys(ctx) }

// Algorithms are the signing algorithms keys and clients may use.
func (a *API) Algorithms() []string { return slices.Clone(a.cfg.Algorithms) }

// RotateKey makes a new current key of an algorithm and returns its kid.
func (a *API) RotateKey(ctx context.Context, alg string) (string, error) {
	if !slices.Contains(a.cfg.Algorithms, alg) {
		return "", ErrUnknownAlgorithm
	}
	return a.cfg.RotateKey(ctx, alg)
}

// SetOrgStatus suspends an active organisation or reactivates a suspended
// one (decision "suspend" or "reactivate"); a suspended organisation's
// memberships give no claims. directory.ErrNotPending when its status does
// not fit. directory.Orgs audits it and tells the org admins.
func (a *API) SetOrgStatus(ctx context.Context, id, decision, reason string, by directory.Actor) (storage.Organisation, error) {
	if decision == "reactivate" {
		return a.cfg.Orgs.ReactivateOrganisation(ctx, id, by)
	}
	return a.cfg.Orgs.SuspendOrganisation(ctx, id, by, reason)
}

// FindOrganisations reads one page of organisations: in a status (any when
// empty), whose name contains q or whose INN or OGRN is q; next is the cursor
// of the following page. The database filters and stops at the page size.
func (a *API) FindOrganisations(ctx context.Context, q storage.OrgQuery) (found []storage.Organisation, next string, err error) {
	q.Text = strings.TrimSpace(q.Text)
	return a.cfg.Store.ListOrganisations(ctx, q)
}

// CatalogueProblems checks a catalogue's roles.
func CatalogueProblems(roles []storage.Role) map[string]string {
	bad := map[string]string{}
	seen := map[string]bool{}
	for _, role := range roles {
		switch {
		case role.Key == "" || role.Key == storage.RoleOrgAdmin:
			bad["roles"] = "every role needs a key; org_admin is built in"
		case seen[role.Key]:
			bad["roles"] = "the key " + role.Key + " appears twice"
		case role.Name["ru"] == "" || role.Name["en"] == "":
			bad["roles"] = "every role needs a name in ru and en"
		}
		seen[role.Key] = true
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

// Catalogues lists the role catalogues.
func (a *API) Catalogues(ctx context.Context) ([]storage.RoleCatalogue, error) {
	return a.cfg.Store.RoleCatalogues(ctx)
}

// PutCatalogue checks and stores a catalogue (made or replaced).
func (a *API) PutCatalogue(ctx context.Context, c storage.RoleCatalogue) (map[string]string, error) {
	if bad := CatalogueProblems(c.Roles); bad != nil {
		return bad, nil
	}
	return nil, a.cfg.Store.PutRoleCatalogue(ctx, c)
}

// DeleteCatalogue removes a catalogue.
func (a *API) DeleteCatalogue(ctx context.Context, id string) error {
	return a.cfg.Store.DeleteRoleCatalogue(ctx, id)
}

// QueryAudit reads audit events, newest first.
func (a *API) QueryAudit(ctx context.Context, q storage.AuditQuery) ([]storage.AuditEvent, error) {
	return a.cfg.Store.QueryAudit(ctx, q)
}
