package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// BootstrapRoleCatalogue is a role catalogue in the config file: replaced to
// match it at every start.
type BootstrapRoleCatalogue struct {
	ID      string          `yaml:"id"`
	Clients []string        `yaml:"clients"`
	Roles   []BootstrapRole `yaml:"roles"`
}

// BootstrapRole is one role: a key and names in ru and en; a default role is
// ticked in advance when an org admin approves a join request.
type BootstrapRole struct {
	Key         string            `yaml:"key"`
	Name        map[string]string `yaml:"name"`
	Description map[string]string `yaml:"description"`
	Default     bool              `yaml:"default"`
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
		// The rules of directory.Catalogues, told at start. accountant is
		// built in too (the sign-in by contract), but an app may list it to
		// let org admins grant it to people.
		problems := directory.CatalogueProblems(c.toStorage())
		for _, field := range slices.Sorted(maps.Keys(problems)) {
			bad(key+"."+field, "%s", problems[field])
		}
		for _, r := range c.Roles {
			roles[r.Key] = true
		}
	}
	orgIDs := map[string]bool{}
	for i, o := range b.Organisations {
		key := fmt.Sprintf("bootstrap.organisations[%d]", i)
		if o.ID == "" || o.Name == "" {
			bad(key, "id and name are required")
		}
		orgIDs[o.ID] = true
		// The rules of orgs.Service.Create, checked here so that the file's
		// mistakes are all told at start.
		problems := orgs.Problems(orgs.WithKind(o.toStorage()))
		for _, field := range slices.Sorted(maps.Keys(problems)) {
			if field != "name" { // said above
				bad(key+"."+field, "is not valid (%s)", problems[field])
			}
		}
	}
	for i, o := range b.Organisations {
		if o.Parent != "" && !orgIDs[o.Parent] {
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

// toStorage is the catalogue as directory.Catalogues takes it.
func (c BootstrapRoleCatalogue) toStorage() storage.RoleCatalogue {
	out := storage.RoleCatalogue{ID: c.ID, Clients: c.Clients}
	for _, r := range c.Roles {
		out.Roles = append(out.Roles, storage.Role{Key: r.Key, Name: r.Name, Description: r.Description, Default: r.Default})
	}
	return out
}

// toStorage is the organisation as orgs.Service.Create takes it.
func (o BootstrapOrganisation) toStorage() storage.Organisation {
	return storage.Organisation{ID: o.ID, ParentID: o.Parent, Name: o.Name, FullName: o.FullName, INN: o.INN, KPP: o.KPP,
		OGRN: o.OGRN, Email: o.Email, EmailVerified: o.Email != "", Contracts: o.Contracts}
}

// applyOrgs makes role catalogues match the file and creates organisations and
// memberships that do not exist yet (afterwards they belong to their admins).
func (b *Bootstrap) applyOrgs(ctx context.Context, sv services, log *slog.Logger) error {
	by := directory.Actor{ID: "bootstrap"}
	for _, bc := range b.RoleCatalogues {
		changed, bad, err := sv.catalogues.Ensure(ctx, bc.toStorage())
		if err == nil && bad != nil { // validate has refused it already
			err = fmt.Errorf("invalid %v", bad)
		}
		if err != nil {
			return fmt.Errorf("bootstrap role catalogue %q: %w", bc.ID, err)
		}
		if changed {
			log.InfoContext(ctx, "bootstrap: role catalogue saved", "catalogue", bc.ID)
		}
	}
	for _, bo := range b.Organisations {
		if _, err := sv.orgs.Get(ctx, bo.ID); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		_, bad, err := sv.orgs.Create(ctx, bo.toStorage(), by)
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
			u, err := sv.dir.UserByLogin(ctx, login)
			if err != nil {
				return fmt.Errorf("bootstrap %s %q: %w", g.authority, login, err)
			}
			if changed, err := sv.users.SetAuthority(ctx, u, g.authority); err != nil {
				return err
			} else if changed {
				log.InfoContext(ctx, "bootstrap: authority", "user", u.ID, "authority", g.authority)
			}
		}
	}
	for _, bm := range b.Memberships {
		u, err := sv.dir.UserByLogin(ctx, bm.User)
		if err != nil {
			return fmt.Errorf("bootstrap membership of %q: %w", bm.User, err)
		}
		created, err := sv.orgs.EnsureMember(ctx, u.ID, bm.Org, bm.Roles, by)
		if err != nil {
			return fmt.Errorf("bootstrap membership of %q in %q: %w", bm.User, bm.Org, err)
		}
		if created {
			log.InfoContext(ctx, "bootstrap: membership created", "user", u.ID, "org", bm.Org)
		}
	}
	return nil
}
