package orgs_test

import (
	"errors"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// newOrgs makes the organisation rules on a fresh store, with cfg's options.
func newOrgs(t *testing.T, options ...func(*orgs.Config)) (*orgs.Service, *mongo.Store) {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	if err := st.PutRoleCatalogue(t.Context(), storage.RoleCatalogue{ID: "dmdk", Clients: []string{"shop"},
		Roles: []storage.Role{{Key: "participant", Name: map[string]string{"ru": "Участник", "en": "Participant"}}}}); err != nil {
		t.Fatal(err)
	}
	p, _ := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	var cfg orgs.Config
	for _, o := range options {
		o(&cfg)
	}
	o, err := orgs.New(st, p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, st
}

func joinBoth(c *orgs.Config) { c.JoinPolicy = orgs.JoinBoth }

func romashka() storage.Organisation {
	return storage.Organisation{Kind: storage.OrgLegalEntity, Name: "ООО «Ромашка»", INN: "7728824599", KPP: "772801001", OGRN: "1177746151021",
		Bank: storage.Bank{BIK: "044525225", CorrAccount: "30101810400000000225", Account: "40702810938000012345"}}
}

func TestRequisiteErrors(t *testing.T) {
	ok := romashka()
	if bad := orgs.RequisiteErrors(ok); len(bad) != 0 {
		t.Fatalf("valid requisites refused: %v", bad)
	}
	tests := map[string]func(o *storage.Organisation){
		"inn":          func(o *storage.Organisation) { o.INN = "7728824598" },
		"kpp":          func(o *storage.Organisation) { o.KPP = "" },
		"ogrn":         func(o *storage.Organisation) { o.OGRN = "1177746151022" },
		"account":      func(o *storage.Organisation) { o.Bank.Account = "40702810038000012345" },
		"corr_account": func(o *storage.Organisation) { o.Bank.CorrAccount = "30101810400000000226" },
		"okved_aux":    func(o *storage.Organisation) { o.OKVED.Auxiliary = []string{"62.01", "62.02", "63.11"} },
		"okpo":         func(o *storage.Organisation) { o.OKPO = "00032538" },
	}
	for field, spoil := range tests {
		o := romashka()
		spoil(&o)
		if bad := orgs.RequisiteErrors(o); bad[field] == "" {
			t.Errorf("%s: not refused (%v)", field, bad)
		}
	}
	ip := storage.Organisation{Kind: storage.OrgEntrepreneur, INN: "500371521396", OGRN: "319508135058602"}
	if bad := orgs.RequisiteErrors(ip); len(bad) != 0 {
		t.Fatalf("entrepreneur refused: %v", bad)
	}
}

// Registration → approval makes the registrant org_admin; a join request needs
// the policy's approvals; unticking every role removes the member.
func TestOrganisationLifecycle(t *testing.T) {
	o, st := newOrgs(t, joinBoth)
	ctx := t.Context()
	org, err := o.Register(ctx, romashka(), directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Register(ctx, romashka(), directory.Actor{ID: "someone"}); !errors.Is(err, orgs.ErrExists) {
		t.Fatalf("second registration: %v", err)
	}
	if _, err := o.RequestJoin(ctx, "employee", org.ID); !errors.Is(err, orgs.ErrNotActive) {
		t.Fatalf("joining a pending company: %v", err)
	}
	if _, err := o.ApproveOrganisation(ctx, org.ID, directory.Actor{ID: "moderator"}); err != nil {
		t.Fatal(err)
	}
	if admin, _ := o.IsOrgAdmin(ctx, "director", org.ID); !admin {
		t.Fatal("the registrant is not org_admin after approval")
	}
	if _, err := o.RequestJoin(ctx, "employee", org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := o.RequestJoin(ctx, "employee", org.ID); !errors.Is(err, orgs.ErrAlreadyMember) {
		t.Fatalf("asking twice: %v", err)
	}
	// Policy "both": the moderator alone is not enough.
	if done, err := o.ApproveJoin(ctx, "employee", org.ID, directory.Actor{ID: "moderator"}, orgs.ApproverModerator, nil); err != nil || done {
		t.Fatalf("moderator's approval: %v %v", done, err)
	}
	if done, err := o.ApproveJoin(ctx, "employee", org.ID, directory.Actor{ID: "director"}, orgs.ApproverOrgAdmin, nil); err != nil || !done {
		t.Fatalf("org admin's approval: %v %v", done, err)
	}
	if _, err := o.SetRoles(ctx, "employee", org.ID, []string{"participant", "nonsense"}, directory.Actor{ID: "director"}); !errors.Is(err, orgs.ErrUnknownRole) {
		t.Fatalf("unknown role: %v", err)
	}
	m, err := o.SetRoles(ctx, "employee", org.ID, []string{"participant"}, directory.Actor{ID: "director"})
	if err != nil || m.Status != storage.MemberActive {
		t.Fatalf("roles: %v %+v", err, m)
	}
	if m, err = o.SetRoles(ctx, "employee", org.ID, nil, directory.Actor{ID: "director"}); err != nil || m.Status != storage.MemberRemoved {
		t.Fatalf("every role unticked: %v %+v", err, m)
	}
	// A removed member may ask again; a rejection says why.
	if _, err := o.RequestJoin(ctx, "employee", org.ID); err != nil {
		t.Fatal(err)
	}
	if err := o.RejectJoin(ctx, "employee", org.ID, directory.Actor{ID: "director"}, orgs.ApproverOrgAdmin, "not our employee"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.MembershipByID(ctx, "employee", org.ID); got.Status != storage.MemberRemoved || got.Reason != "not our employee" {
		t.Fatalf("after rejection: %+v", got)
	}
	// A rejected company frees its INN/KPP.
	other := romashka()
	other.KPP = "784201001"
	branch, err := o.Register(ctx, other, directory.Actor{ID: "someone"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.RejectOrganisation(ctx, branch.ID, directory.Actor{ID: "moderator"}, "no such branch"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Register(ctx, other, directory.Actor{ID: "someone"}); err != nil {
		t.Fatalf("registering after a rejection: %v", err)
	}
}

// An invitation reaches only the confirmed address it names; accepting it makes
// an active member with its roles; leaving removes the membership.
func TestInvitationsAndLeaving(t *testing.T) {
	o, st := newOrgs(t)
	ctx := t.Context()
	org, err := o.Register(ctx, romashka(), directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Invite(ctx, org.ID, "petrov@example.com", nil, "director"); !errors.Is(err, orgs.ErrNotActive) {
		t.Fatalf("inviting to a pending company: %v", err)
	}
	if _, err := o.ApproveOrganisation(ctx, org.ID, directory.Actor{ID: "moderator"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Invite(ctx, org.ID, "Petrov@Example.com", []string{"participant"}, "director"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Invite(ctx, org.ID, "petrov", nil, "director"); !errors.Is(err, directory.ErrInvalidIdentifier) {
		t.Fatalf("a login is not an address: %v", err)
	}
	unconfirmed := storage.User{ID: "u-unconfirmed", Email: "petrov@example.com"}
	if list, _ := o.Invitations(ctx, unconfirmed); len(list) != 0 {
		t.Fatal("an unconfirmed address sees the invitation")
	}
	if err := o.AcceptInvitation(ctx, unconfirmed, org.ID); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("accepted by an unconfirmed address: %v", err)
	}
	petrov := storage.User{ID: "u-petrov", Email: "petrov@example.com", EmailVerified: true}
	if list, _ := o.Invitations(ctx, petrov); len(list) != 1 {
		t.Fatalf("invitations: %v", list)
	}
	if err := o.AcceptInvitation(ctx, petrov, org.ID); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.MembershipByID(ctx, petrov.ID, org.ID); m.Status != storage.MemberActive || len(m.Roles) != 1 {
		t.Fatalf("after accepting: %+v", m)
	}
	if err := o.AcceptInvitation(ctx, petrov, org.ID); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("accepted twice: %v", err)
	}
	if err := o.Leave(ctx, petrov.ID, org.ID); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.MembershipByID(ctx, petrov.ID, org.ID); m.Status != storage.MemberRemoved {
		t.Fatalf("after leaving: %+v", m)
	}
	if _, err := o.ApproveOrganisation(ctx, org.ID, directory.Actor{ID: "moderator"}); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("approving twice: %v", err)
	}
}

func TestAccountantSignInRules(t *testing.T) {
	o, st := newOrgs(t)
	ctx := t.Context()
	org, err := o.Register(ctx, romashka(), directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.ApproveOrganisation(ctx, org.ID, directory.Actor{ID: "moderator"}); err != nil {
		t.Fatal(err)
	}
	if err := o.SetAccountantPIN(ctx, org.ID, "Д-15", "12345", directory.Actor{ID: "director"}); !errors.Is(err, orgs.ErrBadPIN) {
		t.Fatalf("short PIN: %v", err)
	}
	if err := o.SetAccountantPIN(ctx, org.ID, "Д-15", "123456", directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ inn, contract, pin string }{
		{"7728824599", "Д-15", "654321"}, {"7728824599", "Д-16", "123456"}, {"7707083893", "Д-15", "123456"},
	} {
		if _, _, err := o.AuthenticateAccountant(ctx, c.inn, c.contract, c.pin); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Fatalf("%v: %v", c, err)
		}
	}
	u, got, err := o.AuthenticateAccountant(ctx, "7728824599", "д-15", "123456")
	if err != nil || got.ID != org.ID || u.AccountantOf == "" {
		t.Fatalf("accountant: %v %+v %+v", err, got, u)
	}
	again, _, err := o.AuthenticateAccountant(ctx, "7728824599", "Д-15", "123456")
	if err != nil || again.ID != u.ID {
		t.Fatalf("a second sign-in made another account: %v %q %q", err, again.ID, u.ID)
	}
	if m, _ := st.MembershipByID(ctx, u.ID, org.ID); m.Status != storage.MemberActive || len(m.Roles) != 1 || m.Roles[0] != storage.RoleAccountant {
		t.Fatalf("accountant membership: %+v", m)
	}
	// A new PIN replaces the old one.
	if err := o.SetAccountantPIN(ctx, org.ID, "Д-15", "999999", directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.AuthenticateAccountant(ctx, "7728824599", "Д-15", "123456"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("the old PIN still works: %v", err)
	}
}
