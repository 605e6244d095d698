package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func org(id, inn, kpp string) storage.Organisation {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return storage.Organisation{ID: id, Kind: storage.OrgLegalEntity, Status: storage.OrgPending, Name: "ООО " + id,
		INN: inn, KPP: kpp, CreatedAt: now, UpdatedAt: now}
}

func testOrganisations(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateOrganisation(ctx, org("head", "7728824599", "772801001")))
	// A branch has the INN of the head office and a KPP of its own.
	branch := org("branch", "7728824599", "784201001")
	branch.ParentID = "head"
	must(t, s.CreateOrganisation(ctx, branch))
	// The same INN and KPP again is the same company: refused.
	wantErr(t, s.CreateOrganisation(ctx, org("again", "7728824599", "772801001")), storage.ErrAlreadyExists)
	_, err := s.OrganisationByID(ctx, "again")
	wantErr(t, err, storage.ErrNotFound)
	list, err := s.OrganisationsByINN(ctx, "7728824599")
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("%d organisations by INN", len(list))
	}
	got, err := s.OrganisationsByIDs(ctx, []string{"branch", "nope"})
	must(t, err)
	if len(got) != 1 || got[0].ParentID != "head" {
		t.Fatalf("by IDs: %+v", got)
	}
	// Updates go over the version read; a stale one is refused.
	head, err := s.OrganisationByID(ctx, "head")
	must(t, err)
	head.Status = storage.OrgActive
	updated, err := s.UpdateOrganisation(ctx, head)
	must(t, err)
	if updated.Version != head.Version+1 {
		t.Fatalf("version %d after an update of %d", updated.Version, head.Version)
	}
	_, err = s.UpdateOrganisation(ctx, head)
	wantErr(t, err, storage.ErrConflict)
	changed := updated
	changed.KPP = "772801002"
	_, err = s.UpdateOrganisation(ctx, changed)
	wantErr(t, err, storage.ErrConflict)
	active, _, err := s.ListOrganisations(ctx, storage.OrgQuery{Status: storage.OrgActive})
	must(t, err)
	if len(active) != 1 || active[0].ID != "head" {
		t.Fatalf("active: %+v", active)
	}
	// A rejected registration frees the INN/KPP for another attempt.
	b, _ := s.OrganisationByID(ctx, "branch")
	b.Status = storage.OrgRejected
	_, err = s.UpdateOrganisation(ctx, b)
	must(t, err)
	must(t, s.CreateOrganisation(ctx, org("branch2", "7728824599", "784201001")))
}

// A rejected registration sent to moderation again claims its INN/KPP anew:
// refused while another organisation holds it, taken when it is free.
func testOrganisationResubmit(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateOrganisation(ctx, org("first", "7728824599", "772801001")))
	first, err := s.OrganisationByID(ctx, "first")
	must(t, err)
	first.Status, first.Reason = storage.OrgRejected, "ОГРН не тот"
	first, err = s.UpdateOrganisation(ctx, first)
	must(t, err)
	must(t, s.CreateOrganisation(ctx, org("second", "7728824599", "772801001")))
	again := first
	again.Status, again.Resubmitted, again.LastRejection = storage.OrgPending, 1, first.Reason
	_, err = s.UpdateOrganisation(ctx, again)
	wantErr(t, err, storage.ErrAlreadyExists)
	if got, _ := s.OrganisationByID(ctx, "first"); got.Status != storage.OrgRejected || got.Version != first.Version {
		t.Fatalf("a refused resubmission was written: %+v", got)
	}
	second, err := s.OrganisationByID(ctx, "second")
	must(t, err)
	second.Status = storage.OrgRejected
	_, err = s.UpdateOrganisation(ctx, second)
	must(t, err)
	saved, err := s.UpdateOrganisation(ctx, again)
	must(t, err)
	if saved.Status != storage.OrgPending || saved.Resubmitted != 1 || saved.LastRejection != "ОГРН не тот" {
		t.Fatalf("resubmitted: %+v", saved)
	}
	// It holds the INN/KPP again: a third registration is refused.
	wantErr(t, s.CreateOrganisation(ctx, org("third", "7728824599", "772801001")), storage.ErrAlreadyExists)
}

func testMemberships(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, m := range []storage.Membership{
		{UserID: "u1", OrgID: "o1", Status: storage.MemberActive, Roles: []string{storage.RoleOrgAdmin}, CreatedAt: now},
		{UserID: "u1", OrgID: "o2", Status: storage.MemberRequested, CreatedAt: now},
		{UserID: "u2", OrgID: "o1", Status: storage.MemberRequested, CreatedAt: now},
	} {
		must(t, s.CreateMembership(ctx, m))
	}
	wantErr(t, s.CreateMembership(ctx, storage.Membership{UserID: "u1", OrgID: "o1", Status: storage.MemberRequested}), storage.ErrAlreadyExists)
	mine, err := s.MembershipsOfUser(ctx, "u1")
	must(t, err)
	if len(mine) != 2 {
		t.Fatalf("memberships of u1: %+v", mine)
	}
	// Organisation-scoped reads see only their organisation.
	o1, err := s.MembershipsOfOrg(ctx, "o1")
	must(t, err)
	if len(o1) != 2 || slices.ContainsFunc(o1, func(m storage.Membership) bool { return m.OrgID != "o1" }) {
		t.Fatalf("members of o1: %+v", o1)
	}
	queue, _, err := s.ListMemberships(ctx, storage.MembershipQuery{Status: storage.MemberRequested})
	must(t, err)
	if len(queue) != 2 {
		t.Fatalf("requests: %+v", queue)
	}
	m, err := s.MembershipByID(ctx, "u2", "o1")
	must(t, err)
	m.Status, m.Roles, m.ApprovedBy = storage.MemberActive, []string{"participant"}, "u1"
	m2, err := s.UpdateMembership(ctx, m)
	must(t, err)
	_, err = s.UpdateMembership(ctx, m)
	wantErr(t, err, storage.ErrConflict)
	if got, _ := s.MembershipByID(ctx, "u2", "o1"); got.Status != storage.MemberActive || got.Version != m2.Version || got.ApprovedBy != "u1" {
		t.Fatalf("after approval: %+v", got)
	}
	_, err = s.MembershipByID(ctx, "u2", "o2")
	wantErr(t, err, storage.ErrNotFound)
	// The members an org admin removed are listed apart from those who left.
	m2.Status, m2.Roles, m2.Ended = storage.MemberRemoved, nil, storage.MemberEndedRoles
	_, err = s.UpdateMembership(ctx, m2)
	must(t, err)
	must(t, s.CreateMembership(ctx, storage.Membership{UserID: "u3", OrgID: "o1", Status: storage.MemberRemoved, Ended: storage.MemberEndedLeft, CreatedAt: now}))
	removed, _, err := s.ListMemberships(ctx, storage.MembershipQuery{OrgID: "o1", Status: storage.MemberRemoved, Ended: storage.MemberEndedRoles})
	must(t, err)
	if len(removed) != 1 || removed[0].UserID != "u2" {
		t.Fatalf("removed by the org admin: %+v", removed)
	}
}

func testRoleCatalogues(t *testing.T, s storage.Store) {
	ctx := t.Context()
	c := storage.RoleCatalogue{ID: "dmdk", Clients: []string{"shop", "portal"}, Roles: []storage.Role{
		{Key: "participant", Name: map[string]string{"ru": "Участник", "en": "Participant"}, Default: true}}}
	must(t, s.PutRoleCatalogue(ctx, c))
	c.Roles = append(c.Roles, storage.Role{Key: "batches", Name: map[string]string{"ru": "Партии", "en": "Batches"}})
	must(t, s.PutRoleCatalogue(ctx, c))
	list, err := s.RoleCatalogues(ctx)
	must(t, err)
	if len(list) != 1 || len(list[0].Roles) != 2 || list[0].Roles[0].Name["ru"] != "Участник" || !list[0].Roles[0].Default || list[0].Roles[1].Default {
		t.Fatalf("catalogues: %+v", list)
	}
}

// Many writers of one membership version: exactly one wins.
func testConcurrentMembershipUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateMembership(ctx, storage.Membership{UserID: "u", OrgID: "o", Status: storage.MemberRequested}))
	m, err := s.MembershipByID(ctx, "u", "o")
	must(t, err)
	race(t, func() error {
		g := m
		g.Status = storage.MemberActive
		_, err := s.UpdateMembership(ctx, g)
		return err
	})
	got, err := s.MembershipByID(ctx, "u", "o")
	must(t, err)
	if got.Version != 1 {
		t.Fatalf("version %d after one winning update", got.Version)
	}
}

func testUserListAndDelete(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, u := range []storage.User{
		{ID: "u1", Login: "ivanov", FamilyName: "Иванов"}, {ID: "u2", Login: "petrov", FamilyName: "Петров"},
		{ID: "u3", Email: "ivanova@example.com", FamilyName: "Иванова"},
	} {
		must(t, s.CreateUser(ctx, u))
	}
	page, err := s.ListUsers(ctx, storage.UserQuery{Limit: 2})
	must(t, err)
	if len(page) != 2 || page[0].ID != "u1" || page[1].ID != "u2" {
		t.Fatalf("first page: %+v", page)
	}
	page, err = s.ListUsers(ctx, storage.UserQuery{After: "u2", Limit: 2})
	must(t, err)
	if len(page) != 1 || page[0].ID != "u3" {
		t.Fatalf("second page: %+v", page)
	}
	found, err := s.ListUsers(ctx, storage.UserQuery{Text: "иванов"})
	must(t, err)
	if len(found) != 2 {
		t.Fatalf("search by name: %+v", found)
	}
	must(t, s.CreateMembership(ctx, storage.Membership{UserID: "u1", OrgID: "o1", Status: storage.MemberActive}))
	must(t, s.CreateSession(ctx, storage.Session{ID: "h1", SID: "s1", UserID: "u1", ExpiresAt: future()}))
	must(t, s.DeleteUser(ctx, "u1"))
	wantErr(t, s.DeleteUser(ctx, "u1"), storage.ErrNotFound)
	_, err = s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentLogin, "ivanov"))
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.MembershipByID(ctx, "u1", "o1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.SessionByID(ctx, "h1")
	wantErr(t, err, storage.ErrNotFound)
	// The released login is free again.
	must(t, s.CreateUser(ctx, storage.User{ID: "u4", Login: "ivanov"}))
}

// Addresses keep their parts (street, house, office); a document stored
// before addresses had parts still reads with its one line.
func testOrganisationAddresses(t *testing.T, s storage.Store) {
	ctx := t.Context()
	withParts := org("parts", "7728824599", "784201001")
	withParts.Addresses = storage.Addresses{
		Legal:             storage.Address{Postcode: "191186", Region: "г Санкт-Петербург", City: "г Санкт-Петербург", Street: "Невский пр-кт", House: "д 1, корп 2", Office: "офис 5"},
		Postal:            storage.Address{Postcode: "191186", Street: "а/я 15"},
		ActualSameAsLegal: true,
	}
	must(t, s.CreateOrganisation(ctx, withParts))
	old := org("old", "7728824599", "772801001")
	old.Addresses.Legal = storage.Address{Postcode: "125009", City: "г Москва", Line: "ул. Тверская, д. 7, пом. 1"}
	must(t, s.CreateOrganisation(ctx, old))

	got, err := s.OrganisationByID(ctx, "parts")
	must(t, err)
	if got.Addresses.Legal != withParts.Addresses.Legal || got.Addresses.Postal != withParts.Addresses.Postal || !got.Addresses.ActualSameAsLegal {
		t.Fatalf("addresses read back: %+v", got.Addresses)
	}
	if l := got.Addresses.Legal.StreetLine(); l != "Невский пр-кт, д 1, корп 2, офис 5" {
		t.Fatalf("street line of the parts: %q", l)
	}
	got.Addresses.Legal.Office = ""
	updated, err := s.UpdateOrganisation(ctx, got)
	must(t, err)
	if updated.Addresses.Legal.Office != "" || updated.Addresses.Legal.House != "д 1, корп 2" {
		t.Fatalf("updated address: %+v", updated.Addresses.Legal)
	}

	legacy, err := s.OrganisationByID(ctx, "old")
	must(t, err)
	if a := legacy.Addresses.Legal; a.Line != "ул. Тверская, д. 7, пом. 1" || a.Street != "" || a.StreetLine() != a.Line {
		t.Fatalf("an address of one line: %+v", a)
	}
}
