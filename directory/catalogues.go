package directory

import (
	"context"
	"reflect"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/storage"
)

// catalogueStore is what the role catalogue rules need from storage.
type catalogueStore interface {
	RoleCatalogues(ctx context.Context) ([]storage.RoleCatalogue, error)
	PutRoleCatalogue(ctx context.Context, c storage.RoleCatalogue) error
	DeleteRoleCatalogue(ctx context.Context, id string) error
}

// Catalogues holds the rules of role catalogues (the roles an org admin may
// grant, per app) for the API, the console and the bootstrap alike.
type Catalogues struct{ store catalogueStore }

// NewCatalogues makes the catalogue rules over a store.
func NewCatalogues(st catalogueStore) *Catalogues { return &Catalogues{store: st} }

// CatalogueProblems checks a catalogue: an id, and roles each with a key of
// its own (org_admin is built in) and a name in ru and en. The answer names
// each bad field with a sentence; nil when it is valid.
func CatalogueProblems(c storage.RoleCatalogue) map[string]string {
	bad := map[string]string{}
	if strings.TrimSpace(c.ID) == "" {
		bad["id"] = "a catalogue needs an id"
	}
	seen := map[string]bool{}
	for _, role := range c.Roles {
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

// List gives every catalogue, by id.
func (s *Catalogues) List(ctx context.Context) ([]storage.RoleCatalogue, error) {
	list, err := s.store.RoleCatalogues(ctx)
	slices.SortFunc(list, func(a, b storage.RoleCatalogue) int { return strings.Compare(a.ID, b.ID) })
	return list, err
}

// Get reads one catalogue; found is false when there is none with the id.
func (s *Catalogues) Get(ctx context.Context, id string) (c storage.RoleCatalogue, found bool, err error) {
	list, err := s.store.RoleCatalogues(ctx)
	if err != nil {
		return c, false, err
	}
	i := slices.IndexFunc(list, func(c storage.RoleCatalogue) bool { return c.ID == id })
	if i < 0 {
		return c, false, nil
	}
	return list[i], true, nil
}

// Put checks and stores a catalogue (made or replaced); bad names invalid
// fields.
func (s *Catalogues) Put(ctx context.Context, c storage.RoleCatalogue) (map[string]string, error) {
	if bad := CatalogueProblems(c); bad != nil {
		return bad, nil
	}
	return nil, s.store.PutRoleCatalogue(ctx, c)
}

// Delete removes a catalogue.
func (s *Catalogues) Delete(ctx context.Context, id string) error {
	return s.store.DeleteRoleCatalogue(ctx, id)
}

// Ensure makes the stored catalogue the one given (the configuration file's),
// writing only when it differs; changed says whether it wrote. bad names
// invalid fields.
func (s *Catalogues) Ensure(ctx context.Context, c storage.RoleCatalogue) (changed bool, bad map[string]string, err error) {
	if bad = CatalogueProblems(c); bad != nil {
		return false, bad, nil
	}
	have, found, err := s.Get(ctx, c.ID)
	if err != nil || (found && reflect.DeepEqual(have, c)) {
		return false, nil, err
	}
	return true, nil, s.store.PutRoleCatalogue(ctx, c)
}
