package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// BootstrapRoleCatalogue is a role catalogue in the config file: replaced to
// match it at every start.
type BootstrapRoleCatalogue struct {
	ID      string          `yaml:"id"`
	Clients []string        `yaml:"clients"`
	Roles   []BootstrapRole `yaml:"roles"`
}

// BootstrapRole is one role: a key and names in ru and en.
type BootstrapRole struct {
	Key         string            `yaml:"key"`
	Name        map[string]string `yaml:"name"`
	Description map[string]string `yaml:"description"`
}

// BootstrapOrganisation is an organisation created once, active.
type BootstrapOrganisation struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name"`
	FullName  string   `yaml:"full_name"`
	INN       string   `yaml:"inn"`
	KPP       string   `yaml:"kpp"`
	OGRN      string   `yaml:"ogrn"` // OGRNIP for an entrepreneur
	Parent    string   `yaml:"parent"`
	Email     string   `yaml:"email"`
	Contracts []string `yaml:"contracts"`
}

// BootstrapMembership makes a user (by login, email or phone) an active member
// with roles, once.
type BootstrapMembership struct {
	User  string   `yaml:"user"`
	Org   string   `yaml:"org"`
	Roles []string `yaml:"roles"`
}

func (b *Bootstrap) validateOrgs() []error {
	var errs []error
	bad := func(key, msg string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(msg, args...)))
	}
	roles := map[string]bool{storage.RoleOrgAdmin: true, storage.RoleAccountant: true}
	for i, c := range b.RoleCatalogues {
		key := fmt.Sprintf("bootstrap.role_catalogues[%d]", i)
		if c.ID == "" {
			bad(key+".id", "is required")
		}
		for j, r := range c.Roles {
			if r.Key == "" || r.Key == storage.RoleOrgAdmin {
				bad(fmt.Sprintf("%s.roles[%d].key", key, j), "%q: a key is required and org_admin is built in", r.Key)
			}
			// accountant is built in too (the sign-in by contract), but an app may
			// list it to let org admins grant it to people.
			if r.Name["ru"] == "" || r.Name["en"] == "" {
				bad(fmt.Sprintf("%s.roles[%d].name", key, j), "needs ru and en")
			}
			roles[r.Key] = true
		}
	}
	orgs := map[string]bool{}
	for i, o := range b.Organisations {
		key := fmt.Sprintf("bootstrap.organisations[%d]", i)
		if o.ID == "" || o.Name == "" {
			bad(key, "id and name are required")
		}
		orgs[o.ID] = true
		// The rules of directory.Orgs.Create, checked here so that the file's
		// mistakes are all told at start.
		problems := directory.OrgProblems(o.toStorage())
		for _, field := range slices.Sorted(maps.Keys(problems)) {
			if field != "name" { // said above
				bad(key+"."+field, "is not valid (%s)", problems[field])
			}
		}
	}
	for i, o := range b.Organisations {
		if o.Parent != "" && !orgs[o.Parent] {
			bad(fmt.Sprintf("bootstrap.organisations[%d].parent", i), "%q is not an organisation of the file", o.Parent)
		}
	}
	for i, m := range b.Memberships {
		key := fmt.Sprintf("bootstrap.memberships[%d]", i)
		if m.User == "" || m.Org == "" {
			bad(key, "user and org are required")
		}
		for _, r := range m.Roles {
			if !roles[r] {
				bad(key+".roles", "%q is in no role catalogue of the file", r)
			}
		}
	}
	return errs
}

// toStorage is the organisation as directory.Orgs.Create takes it.
func (o BootstrapOrganisation) toStorage() storage.Organisation {
	return storage.Organisation{ID: o.ID, ParentID: o.Parent, Name: o.Name, FullName: o.FullName, INN: o.INN, KPP: o.KPP,
		OGRN: o.OGRN, Email: o.Email, EmailVerified: o.Email != "", Contracts: o.Contracts, Kind: kindByINN(o.INN)}
}

// kindByINN: twelve digits are an entrepreneur's INN, ten a legal entity's.
func kindByINN(inn string) string {
	if len(inn) == 12 {
		return storage.OrgEntrepreneur
	}
	return storage.OrgLegalEntity
}

type orgBootstrapStore interface {
	SetAuthorities(ctx context.Context, userID string, authorities []string) error
	RoleCatalogues(ctx context.Context) ([]storage.RoleCatalogue, error)
	PutRoleCatalogue(ctx context.Context, c storage.RoleCatalogue) error
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
	MembershipByID(ctx context.Context, userID, orgID string) (storage.Membership, error)
	CreateMembership(ctx context.Context, m storage.Membership) error
}

// applyOrgs makes role catalogues match the file and creates organisations and
// memberships that do not exist yet (afterwards they belong to their admins).
func (b *Bootstrap) applyOrgs(ctx context.Context, st orgBootstrapStore, dir *directory.Directory, orgs *directory.Orgs, log *slog.Logger) error {
	have, err := st.RoleCatalogues(ctx)
	if err != nil {
		return err
	}
	for _, bc := range b.RoleCatalogues {
		want := storage.RoleCatalogue{ID: bc.ID, Clients: bc.Clients}
		for _, r := range bc.Roles {
			want.Roles = append(want.Roles, storage.Role{Key: r.Key, Name: r.Name, Description: r.Description})
		}
		if i := slices.IndexFunc(have, func(c storage.RoleCatalogue) bool { return c.ID == want.ID }); i >= 0 && reflect.DeepEqual(have[i], want) {
			continue
		}
		if err := st.PutRoleCatalogue(ctx, want); err != nil {
			return fmt.Errorf("bootstrap role catalogue %q: %w", want.ID, err)
		}
		log.InfoContext(ctx, "bootstrap: role catalogue saved", "catalogue", want.ID)
	}
	now := time.Now().UTC()
	for _, bo := range b.Organisations {
		if _, err := st.OrganisationByID(ctx, bo.ID); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		_, bad, err := orgs.Create(ctx, bo.toStorage(), directory.Actor{ID: "bootstrap"})
		if err == nil && bad != nil { // validate has refused it already
			err = fmt.Errorf("invalid %v", bad)
		}
		if err != nil {
			return fmt.Errorf("bootstrap organisation %q: %w", bo.ID, err)
		}
		log.InfoContext(ctx, "bootstrap: organisation created", "org", bo.ID)
	}
	for _, g := range []struct {
		logins    []string
		authority string
	}{{b.Moderators, storage.AuthorityModerator}, {b.Operators, storage.AuthorityOperator}} {
		for _, login := range g.logins {
			u, err := dir.UserByLogin(ctx, login)
			if err != nil {
				return fmt.Errorf("bootstrap %s %q: %w", g.authority, login, err)
			}
			if slices.Contains(u.Authorities, g.authority) {
				continue
			}
			if err := st.SetAuthorities(ctx, u.ID, append(slices.Clone(u.Authorities), g.authority)); err != nil {
				return err
			}
			log.InfoContext(ctx, "bootstrap: authority", "user", u.ID, "authority", g.authority)
		}
	}
	for _, bm := range b.Memberships {
		u, err := dir.UserByLogin(ctx, bm.User)
		if err != nil {
			return fmt.Errorf("bootstrap membership of %q: %w", bm.User, err)
		}
		if _, err := st.MembershipByID(ctx, u.ID, bm.Org); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		m := storage.Membership{UserID: u.ID, OrgID: bm.Org, Status: storage.MemberActive, Roles: bm.Roles,
			ApprovedBy: "bootstrap", ApprovedAt: now, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateMembership(ctx, m); err != nil {
			return fmt.Errorf("bootstrap membership of %q in %q: %w", bm.User, bm.Org, err)
		}
		log.InfoContext(ctx, "bootstrap: membership created", "user", u.ID, "org", bm.Org)
	}
	return nil
}
