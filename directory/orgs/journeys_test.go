package orgs_test

import (
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// withDefaults adds a catalogue whose "viewer" is a default role.
func withDefaults(t *testing.T, st storage.Organisations) {
	t.Helper()
	if err := st.PutRoleCatalogue(t.Context(), storage.RoleCatalogue{ID: "svet", Clients: []string{"portal"}, Roles: []storage.Role{
		{Key: "viewer", Name: map[string]string{"ru": "Просмотр", "en": "Viewer"}, Default: true},
		{Key: "buyer", Name: map[string]string{"ru": "Закупщик", "en": "Buyer"}}}}); err != nil {
		t.Fatal(err)
	}
}

// TestApproveJoinRoles: the roles of a join request, by who approves, under
// each policy. An org admin's ticks are what the member gets, also when a
// moderator's approval completes the request later; a request nobody chose
// roles for gets the catalogues' default roles.
func TestApproveJoinRoles(t *testing.T) {
	type approval struct {
		as    string
		roles []string
	}
	tests := []struct {
		name      string
		policy    string
		approvals []approval
		want      []string // roles of the active member; nil: still requested
		wantErr   error
	}{
		{name: "org admin ticks roles", policy: orgs.JoinEither,
			approvals: []approval{{orgs.ApproverOrgAdmin, []string{"buyer", "participant"}}}, want: []string{"buyer", "participant"}},
		{name: "moderator alone gives the defaults", policy: orgs.JoinEither,
			approvals: []approval{{orgs.ApproverModerator, nil}}, want: []string{"viewer"}},
		{name: "both: org admin first, moderator completes with the admin's roles", policy: orgs.JoinBoth,
			approvals: []approval{{orgs.ApproverOrgAdmin, []string{"buyer"}}, {orgs.ApproverModerator, nil}}, want: []string{"buyer"}},
		{name: "both: moderator first, org admin completes with ticks", policy: orgs.JoinBoth,
			approvals: []approval{{orgs.ApproverModerator, nil}, {orgs.ApproverOrgAdmin, []string{"participant"}}}, want: []string{"participant"}},
		{name: "both: one approval waits", policy: orgs.JoinBoth,
			approvals: []approval{{orgs.ApproverOrgAdmin, []string{"buyer"}}}},
		{name: "org admin policy: a moderator is not enough", policy: orgs.JoinOrgAdmin,
			approvals: []approval{{orgs.ApproverModerator, nil}}},
		{name: "a role of no catalogue", policy: orgs.JoinEither,
			approvals: []approval{{orgs.ApproverOrgAdmin, []string{"nonsense"}}}, wantErr: orgs.ErrUnknownRole},
		// Review finding 5: a moderator approves the person, not their roles.
		{name: "a moderator does not choose roles", policy: orgs.JoinEither,
			approvals: []approval{{orgs.ApproverModerator, []string{storage.RoleOrgAdmin}}}, wantErr: orgs.ErrModeratorRoles},
		{name: "a moderator does not choose roles, even none", policy: orgs.JoinEither,
			approvals: []approval{{orgs.ApproverModerator, []string{}}}, wantErr: orgs.ErrModeratorRoles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, st := newOrgs(t, func(c *orgs.Config) { c.JoinPolicy = tc.policy })
			withDefaults(t, st)
			ctx := t.Context()
			org := activeRomashka(t, o)
			if _, err := o.RequestJoin(ctx, "employee", org.ID); err != nil {
				t.Fatal(err)
			}
			var err error
			for _, a := range tc.approvals {
				if _, err = o.ApproveJoin(ctx, "employee", org.ID, directory.Actor{ID: a.as}, a.as, a.roles); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			m, _ := st.MembershipByID(ctx, "employee", org.ID)
			claims, _ := o.Claims(ctx, "employee", org.ID, "shop", true, false)
			switch {
			case tc.want == nil && m.Status != storage.MemberRequested:
				t.Fatalf("still waiting, but %+v", m)
			case tc.want == nil && claims.Org != nil:
				t.Fatalf("a request gives claims: %+v", claims)
			case tc.want != nil && (m.Status != storage.MemberActive || !slices.Equal(m.Roles, tc.want)):
				t.Fatalf("member %s %v, want active %v", m.Status, m.Roles, tc.want)
			}
		})
	}
}

// Review finding 5: nobody approves their own join request, as a moderator
// or otherwise; a rejection of it stays possible (it only withdraws it).
func TestNobodyApprovesTheirOwnRequest(t *testing.T) {
	for _, as := range []string{orgs.ApproverModerator, orgs.ApproverOrgAdmin} {
		o, st := newOrgs(t, func(c *orgs.Config) { c.JoinPolicy = orgs.JoinEither })
		withDefaults(t, st)
		ctx := t.Context()
		org := activeRomashka(t, o)
		if _, err := o.RequestJoin(ctx, "mod", org.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := o.ApproveJoin(ctx, "mod", org.ID, directory.Actor{ID: "mod"}, as, nil); !errors.Is(err, orgs.ErrOwnRequest) {
			t.Fatalf("as %s: own approval: %v", as, err)
		}
		if m, _ := st.MembershipByID(ctx, "mod", org.ID); m.Status != storage.MemberRequested || len(m.Approvals) != 0 {
			t.Fatalf("as %s: %+v", as, m)
		}
		if _, err := o.DecideJoin(ctx, "mod", org, directory.Actor{ID: "mod"}, as, orgs.JoinApprove, "", nil); !errors.Is(err, orgs.ErrOwnRequest) {
			t.Fatalf("as %s: own decision: %v", as, err)
		}
		if err := o.RejectJoin(ctx, "mod", org.ID, directory.Actor{ID: "mod"}, as, "changed my mind"); err != nil {
			t.Fatalf("as %s: own rejection: %v", as, err)
		}
	}
}

func activeRomashka(t *testing.T, o *orgs.Service) storage.Organisation {
	t.Helper()
	org, err := o.Register(t.Context(), romashka(), directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	if org, err = o.ApproveOrganisation(t.Context(), org.ID, directory.Actor{ID: "moderator"}); err != nil {
		t.Fatal(err)
	}
	return org
}

// TestSetRolesStatusRules: what ticking and unticking roles does to a
// membership in each status, and to its claims: a member whose roles are all
// removed is removed (no claims) and may be given roles again; someone who
// left or was refused is not brought back by an org admin's ticks.
func TestSetRolesStatusRules(t *testing.T) {
	tests := []struct {
		name       string
		from       storage.Membership
		roles      []string
		wantStatus string
		wantEnded  string
		wantErr    error
		wantChange string // the audit event's "change"
	}{
		{name: "active, roles changed", from: storage.Membership{Status: storage.MemberActive, Roles: []string{"participant"}},
			roles: []string{"participant", "buyer"}, wantStatus: storage.MemberActive, wantChange: "roles"},
		{name: "active, every role removed", from: storage.Membership{Status: storage.MemberActive, Roles: []string{"participant"}},
			roles: nil, wantStatus: storage.MemberRemoved, wantEnded: storage.MemberEndedRoles, wantChange: "removed"},
		{name: "removed by the org admin, roles again", from: storage.Membership{Status: storage.MemberRemoved, Ended: storage.MemberEndedRoles},
			roles: []string{"buyer"}, wantStatus: storage.MemberActive, wantChange: "restored"},
		{name: "removed by the org admin, still no roles", from: storage.Membership{Status: storage.MemberRemoved, Ended: storage.MemberEndedRoles},
			roles: nil, wantStatus: storage.MemberRemoved, wantEnded: storage.MemberEndedRoles, wantErr: orgs.ErrNotPending},
		{name: "left", from: storage.Membership{Status: storage.MemberRemoved, Ended: storage.MemberEndedLeft},
			roles: []string{"buyer"}, wantStatus: storage.MemberRemoved, wantEnded: storage.MemberEndedLeft, wantErr: orgs.ErrNotPending},
		{name: "request rejected", from: storage.Membership{Status: storage.MemberRemoved, Ended: storage.MemberEndedRejected, Reason: "not ours"},
			roles: []string{"buyer"}, wantStatus: storage.MemberRemoved, wantEnded: storage.MemberEndedRejected, wantErr: orgs.ErrNotPending},
		{name: "requested", from: storage.Membership{Status: storage.MemberRequested},
			roles: []string{"buyer"}, wantStatus: storage.MemberRequested, wantErr: orgs.ErrNotPending},
		{name: "a role of no catalogue", from: storage.Membership{Status: storage.MemberRemoved, Ended: storage.MemberEndedRoles},
			roles: []string{"nonsense"}, wantStatus: storage.MemberRemoved, wantEnded: storage.MemberEndedRoles, wantErr: orgs.ErrUnknownRole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOrgWorld(t, nil)
			withDefaults(t, w.st)
			ctx := t.Context()
			org := w.register(t)
			if _, err := w.o.ApproveOrganisation(ctx, org.ID, moderator); err != nil {
				t.Fatal(err)
			}
			m := tc.from
			m.UserID, m.OrgID, m.CreatedAt = "employee", org.ID, time.Now().UTC()
			if err := w.st.CreateMembership(ctx, m); err != nil {
				t.Fatal(err)
			}
			admin := directory.Actor{ID: "director", IP: "192.0.2.1"}
			got, err := w.o.SetRoles(ctx, "employee", org.ID, tc.roles, admin)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			got, _ = w.st.MembershipByID(ctx, "employee", org.ID)
			if got.Status != tc.wantStatus || got.Ended != tc.wantEnded {
				t.Fatalf("membership %s (%s), want %s (%s)", got.Status, got.Ended, tc.wantStatus, tc.wantEnded)
			}
			claims, err := w.o.Claims(ctx, "employee", org.ID, "portal", true, true)
			if err != nil {
				t.Fatal(err)
			}
			active := got.Status == storage.MemberActive
			if (claims.Org != nil) != active || (len(claims.Orgs) == 1) != active {
				t.Fatalf("claims %+v of a %s member", claims, got.Status)
			}
			list, _ := w.st.QueryAudit(ctx, storage.AuditQuery{OrgID: org.ID, Type: directory.EventMembershipChanged, Limit: 10})
			if tc.wantChange == "" {
				if len(list) != 0 {
					t.Fatalf("a refused change was audited: %+v", list)
				}
				return
			}
			if len(list) != 1 || list[0].Actor != "director" || list[0].UserID != "employee" || list[0].Details["change"] != tc.wantChange {
				t.Fatalf("audited as %+v, want change %q", list, tc.wantChange)
			}
		})
	}
}

// TestInvitationStates: an invitation is listed as sent, accepted, expired or
// withdrawn; only a sent one can be withdrawn (audited) or accepted, and a
// withdrawn one no longer reaches the person.
func TestInvitationStates(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	w := newOrgWorld(t, nil)
	o, err := orgs.New(w.st, nil, orgs.Config{Now: c.now, Audit: directory.NewAuditor(w.st, slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	org := activeRomashka(t, o)
	admin := directory.Actor{ID: "director"}
	for _, to := range []string{"accepts@example.com", "withdrawn@example.com", "lapses@example.com", "waits@example.com"} {
		if _, err := o.Invite(ctx, org.ID, to, []string{"participant"}, admin.ID); err != nil {
			t.Fatal(err)
		}
		if to == "lapses@example.com" {
			c.t = c.t.Add(10 * 24 * time.Hour) // the others are younger
		}
	}
	accepts := storage.User{ID: "u-accepts", Email: "accepts@example.com", EmailVerified: true}
	if err := o.AcceptInvitation(ctx, accepts, org.ID); err != nil {
		t.Fatal(err)
	}
	withdrawn := storage.User{ID: "u-withdrawn", Email: "withdrawn@example.com", EmailVerified: true}
	if err := o.WithdrawInvitation(ctx, org.ID, "email:withdrawn@example.com", admin); err != nil {
		t.Fatal(err)
	}
	if err := o.WithdrawInvitation(ctx, org.ID, "email:withdrawn@example.com", admin); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("withdrawn twice: %v", err)
	}
	if err := o.WithdrawInvitation(ctx, org.ID, "email:accepts@example.com", admin); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("an accepted invitation withdrawn: %v", err)
	}
	if list, _ := o.Invitations(ctx, withdrawn); len(list) != 0 {
		t.Fatalf("a withdrawn invitation is offered: %+v", list)
	}
	if err := o.AcceptInvitation(ctx, withdrawn, org.ID); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("a withdrawn invitation accepted: %v", err)
	}
	c.t = c.t.Add(25 * 24 * time.Hour) // the first lapses (35 days), the rest are 25 days old
	org, _ = w.st.OrganisationByID(ctx, org.ID)
	states := map[string]string{}
	for _, i := range o.SentInvitations(org) {
		states[i.Address] = i.State
	}
	want := map[string]string{"accepts@example.com": orgs.InvitationAccepted, "withdrawn@example.com": orgs.InvitationWithdrawn,
		"lapses@example.com": orgs.InvitationExpired, "waits@example.com": orgs.InvitationSent}
	for addr, state := range want {
		if states[addr] != state {
			t.Errorf("%s: %q, want %q", addr, states[addr], state)
		}
	}
	if err := o.WithdrawInvitation(ctx, org.ID, "email:lapses@example.com", admin); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("a lapsed invitation withdrawn: %v", err)
	}
	events, _ := w.st.QueryAudit(ctx, storage.AuditQuery{OrgID: org.ID, Type: directory.EventInvitationWithdrawn, Limit: 10})
	if len(events) != 1 || events[0].Actor != "director" || events[0].Details["to"] != "email" {
		t.Fatalf("withdrawal audited as %+v", events)
	}
	// Long after, the answered ones drop off the list at the next invitation.
	c.t = c.t.Add(200 * 24 * time.Hour)
	if _, err := o.Invite(ctx, org.ID, "new@example.com", nil, admin.ID); err != nil {
		t.Fatal(err)
	}
	org, _ = w.st.OrganisationByID(ctx, org.ID)
	if got := o.SentInvitations(org); len(got) != 1 || got[0].Address != "new@example.com" {
		t.Fatalf("after the history's end: %+v", got)
	}
}

// TestResubmitRejected: the registrant corrects a rejected registration and
// sends it again: pending, the same organisation, the moderator's reason kept
// for the next decision, audited; nobody else may, the INN/KPP stay, and a
// company registered meanwhile keeps its INN/KPP.
func TestResubmitRejected(t *testing.T) {
	w := newOrgWorld(t, nil)
	ctx := t.Context()
	org := w.register(t)
	registrant := directory.Actor{ID: "director", IP: "192.0.2.1"}
	fixed := romashka()
	fixed.Name, fixed.FullName = "ООО «Ромашка-М»", "Общество с ограниченной ответственностью «Ромашка-М»"
	if _, err := w.o.Resubmit(ctx, org.ID, fixed, registrant); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("resubmitting a pending registration: %v", err)
	}
	if _, err := w.o.RejectOrganisation(ctx, org.ID, moderator, "Полное наименование не то"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.o.Resubmit(ctx, org.ID, fixed, directory.Actor{ID: "someone"}); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("resubmitted by someone else: %v", err)
	}
	other := fixed
	other.KPP = "784201001"
	if _, err := w.o.Resubmit(ctx, org.ID, other, registrant); !errors.Is(err, orgs.ErrResubmitINN) {
		t.Fatalf("another KPP: %v", err)
	}
	bad := fixed
	bad.OGRN = "1177746151022"
	if _, err := w.o.Resubmit(ctx, org.ID, bad, registrant); !errors.Is(err, orgs.ErrInvalidRequisite) {
		t.Fatalf("a bad OGRN: %v", err)
	}
	got, err := w.o.Resubmit(ctx, org.ID, fixed, registrant)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != org.ID || got.Status != storage.OrgPending || got.Name != fixed.Name || got.RegisteredBy != "director" ||
		got.Resubmitted != 1 || got.LastRejection != "Полное наименование не то" || got.Reason != "" {
		t.Fatalf("resubmitted: %+v", got)
	}
	e := w.event(t, org.ID, directory.EventOrgResubmitted)
	if e.UserID != "director" || e.Actor != "" || e.Details["rejected_for"] != "Полное наименование не то" {
		t.Fatalf("resubmission audited as %+v", e)
	}
	if _, err := w.o.Register(ctx, romashka(), directory.Actor{ID: "someone"}); !errors.Is(err, orgs.ErrExists) {
		t.Fatalf("the INN/KPP is free after the resubmission: %v", err)
	}
	// Rejected again; someone else registers the company; resubmitting fails.
	if _, err := w.o.RejectOrganisation(ctx, org.ID, moderator, "again"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.o.Register(ctx, romashka(), directory.Actor{ID: "someone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.o.Resubmit(ctx, org.ID, fixed, registrant); !errors.Is(err, orgs.ErrExists) {
		t.Fatalf("resubmitted over another registration: %v", err)
	}
}
