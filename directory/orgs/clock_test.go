package orgs_test

import (
	"errors"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// TestInvitationLapsesAfter30DaysByTheServiceClock: an invitation is dated by
// the Service clock and lapses 30 days later by the same clock, for the list and
// for accepting; nothing waits for real time.
func TestInvitationLapsesAfter30DaysByTheServiceClock(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	o, _ := newOrgs(t, func(cfg *orgs.Config) { cfg.Now = c.now })
	ctx := t.Context()
	org, err := o.Register(ctx, romashka(), directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	approved, err := o.ApproveOrganisation(ctx, org.ID, directory.Actor{ID: "moderator"})
	if err != nil {
		t.Fatal(err)
	}
	if !approved.ModeratedAt.Equal(c.t) {
		t.Fatalf("moderated at %v, want the service clock's %v", approved.ModeratedAt, c.t)
	}
	if _, err := o.Invite(ctx, org.ID, "petrov@example.com", []string{"participant"}, "director"); err != nil {
		t.Fatal(err)
	}
	petrov := storage.User{ID: "u-petrov", Email: "petrov@example.com", EmailVerified: true}
	c.t = c.t.Add(30*24*time.Hour - time.Minute)
	if list, err := o.Invitations(ctx, petrov); err != nil || len(list) != 1 {
		t.Fatalf("a minute before it lapses: %v %v", list, err)
	}
	c.t = c.t.Add(2 * time.Minute)
	if list, err := o.Invitations(ctx, petrov); err != nil || len(list) != 0 {
		t.Fatalf("a minute after it lapsed it is still listed: %v %v", list, err)
	}
	if err := o.AcceptInvitation(ctx, petrov, org.ID); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("a lapsed invitation was accepted: %v", err)
	}
	// Inviting again dates the new invitation now, and it can be accepted.
	if _, err := o.Invite(ctx, org.ID, "petrov@example.com", []string{"participant"}, "director"); err != nil {
		t.Fatal(err)
	}
	if err := o.AcceptInvitation(ctx, petrov, org.ID); err != nil {
		t.Fatalf("a fresh invitation: %v", err)
	}
}

// TestAccountantAccountDatedByTheServiceClock: the account made at an
// accountant's first sign-in and its membership carry the Service clock's time.
func TestAccountantAccountDatedByTheServiceClock(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	o, st := newOrgs(t, func(cfg *orgs.Config) { cfg.Now = c.now })
	ctx := t.Context()
	org, err := o.Register(ctx, romashka(), directory.Actor{ID: "director"})
	if err == nil {
		_, err = o.ApproveOrganisation(ctx, org.ID, directory.Actor{ID: "moderator"})
	}
	if err == nil {
		err = o.SetAccountantPIN(ctx, org.ID, "Д-15", "123456", directory.Actor{ID: "director"})
	}
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Hour)
	u, _, err := o.AuthenticateAccountant(ctx, "7728824599", "Д-15", "123456")
	if err != nil {
		t.Fatal(err)
	}
	if !u.CreatedAt.Equal(c.t) {
		t.Fatalf("accountant account created at %v, want %v", u.CreatedAt, c.t)
	}
	if m, _ := st.MembershipByID(ctx, u.ID, org.ID); !m.ApprovedAt.Equal(c.t) {
		t.Fatalf("accountant membership approved at %v, want %v", m.ApprovedAt, c.t)
	}
}

// clock is a settable time for expiry tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
