package orgs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// invitationLifetime: an unanswered invitation lapses.
const invitationLifetime = 30 * 24 * time.Hour

// invitationHistory: an answered, withdrawn or lapsed invitation stays listed
// for its org admin this long, then it is dropped at the next write.
const invitationHistory = 180 * 24 * time.Hour

// States of an invitation (InvitationState), as its org admin sees them.
const (
	InvitationSent      = "sent"
	InvitationAccepted  = "accepted"
	InvitationExpired   = "expired"
	InvitationWithdrawn = "withdrawn"
)

// InvitationState is what became of an invitation at now.
func InvitationState(i storage.Invitation, now time.Time) string {
	switch {
	case !i.WithdrawnAt.IsZero():
		return InvitationWithdrawn
	case !i.AcceptedAt.IsZero():
		return InvitationAccepted
	case !i.At.After(now.Add(-invitationLifetime)):
		return InvitationExpired
	}
	return InvitationSent
}

// pruneInvitations drops the invitations no longer waiting whose last event
// is older than the history kept, so that an organisation's document does not
// grow without end.
func pruneInvitations(list []storage.Invitation, now time.Time) []storage.Invitation {
	cutoff := now.Add(-invitationHistory)
	return slices.DeleteFunc(list, func(i storage.Invitation) bool {
		last := i.At
		for _, t := range []time.Time{i.AcceptedAt, i.WithdrawnAt} {
			if t.After(last) {
				last = t
			}
		}
		return InvitationState(i, now) != InvitationSent && last.Before(cutoff)
	})
}

// Invite asks the owner of an email or a phone (in any usual spelling) to join
// the company with roles; it returns the normalised identifier key. Inviting
// again replaces the earlier invitation of that address, whatever became of it.
func (o *Service) Invite(ctx context.Context, orgID, address string, roles []string, by string) (string, error) {
	key, err := directory.IdentifierKey(address)
	if err != nil || (!strings.HasPrefix(key, storage.IdentEmail+":") && !strings.HasPrefix(key, storage.IdentPhone+":")) {
		return "", directory.ErrInvalidIdentifier
	}
	if err := o.knownRoles(ctx, roles); err != nil {
		return "", ErrUnknownRole
	}
	for try := 0; try < 3; try++ {
		org, err := o.store.OrganisationByID(ctx, orgID)
		if err != nil {
			return "", err
		}
		if org.Status != storage.OrgActive {
			return "", ErrNotActive
		}
		now := o.now().UTC()
		org.Invitations = slices.DeleteFunc(pruneInvitations(org.Invitations, now), func(i storage.Invitation) bool { return i.Identifier == key })
		org.Invitations = append(org.Invitations, storage.Invitation{Identifier: key, Roles: roles, By: by, At: now})
		if _, err = o.store.UpdateOrganisation(ctx, org); !errors.Is(err, storage.ErrConflict) {
			return key, err
		}
	}
	return "", storage.ErrConflict
}

// SentInvitation is an invitation as its org admin sees it: to whom (the
// kind, "email" or "phone", and the address), with which roles, when, and
// what became of it (InvitationSent…).
type SentInvitation struct {
	storage.Invitation
	Kind, Address, State string
}

// SentInvitations lists a company's invitations, the latest first, each with
// its state.
func (o *Service) SentInvitations(org storage.Organisation) []SentInvitation {
	now := o.now()
	out := make([]SentInvitation, 0, len(org.Invitations))
	for _, i := range org.Invitations {
		kind, address, _ := strings.Cut(i.Identifier, ":")
		out = append(out, SentInvitation{Invitation: i, Kind: kind, Address: address, State: InvitationState(i, now)})
	}
	slices.SortStableFunc(out, func(a, b SentInvitation) int { return b.At.Compare(a.At) })
	return out
}

// WithdrawInvitation withdraws a company's invitation to an identifier key
// that is still waiting, as by: it can no longer be accepted, and stays
// listed as withdrawn. Audited here. ErrNotPending when none waits.
func (o *Service) WithdrawInvitation(ctx context.Context, orgID, identifier string, by directory.Actor) error {
	for try := 0; try < 3; try++ {
		org, err := o.store.OrganisationByID(ctx, orgID)
		if err != nil {
			return err
		}
		now := o.now().UTC()
		i := slices.IndexFunc(org.Invitations, func(i storage.Invitation) bool {
			return i.Identifier == identifier && InvitationState(i, now) == InvitationSent
		})
		if i < 0 {
			return ErrNotPending
		}
		org.Invitations[i].WithdrawnAt, org.Invitations[i].WithdrawnBy = now, by.ID
		if _, err = o.store.UpdateOrganisation(ctx, org); errors.Is(err, storage.ErrConflict) {
			continue
		} else if err != nil {
			return err
		}
		kind, _, _ := strings.Cut(identifier, ":")
		e := by.Event(directory.EventInvitationWithdrawn, map[string]string{"to": kind, "roles": strings.Join(org.Invitations[i].Roles, " ")})
		e.OrgID = orgID
		o.audit.Record(ctx, e)
		return nil
	}
	return storage.ErrConflict
}

// invitationKeys are the identifiers an account may accept invitations for:
// its confirmed email and phone only.
func invitationKeys(u storage.User) []string {
	var keys []string
	if u.Email != "" && u.EmailVerified {
		keys = append(keys, storage.IdentifierKey(storage.IdentEmail, u.Email))
	}
	if u.Phone != "" && u.PhoneVerified {
		keys = append(keys, storage.IdentifierKey(storage.IdentPhone, u.Phone))
	}
	return keys
}

// Invitations lists the active companies that invited this person and have not
// been answered: the database finds those holding an invitation for the
// person's addresses (one page of them: a person has few), and their age is
// checked here.
func (o *Service) Invitations(ctx context.Context, u storage.User) ([]storage.Organisation, error) {
	keys := invitationKeys(u)
	if len(keys) == 0 {
		return nil, nil
	}
	orgs, _, err := o.store.ListOrganisations(ctx, storage.OrgQuery{Status: storage.OrgActive, Invited: keys, Limit: storage.MaxPage})
	if err != nil {
		return nil, err
	}
	now := o.now()
	var out []storage.Organisation
	for _, org := range orgs {
		if slices.ContainsFunc(org.Invitations, func(i storage.Invitation) bool {
			return slices.Contains(keys, i.Identifier) && InvitationState(i, now) == InvitationSent
		}) {
			out = append(out, org)
		}
	}
	return out, nil
}

// AcceptInvitation makes the invited person an active member with the roles of
// the invitation, which stays listed as accepted. A withdrawn or lapsed
// invitation is ErrNotPending.
func (o *Service) AcceptInvitation(ctx context.Context, u storage.User, orgID string) error {
	keys := invitationKeys(u)
	for try := 0; try < 3; try++ {
		org, err := o.store.OrganisationByID(ctx, orgID)
		if err != nil {
			return err
		}
		now := o.now().UTC()
		i := slices.IndexFunc(org.Invitations, func(i storage.Invitation) bool {
			return slices.Contains(keys, i.Identifier) && InvitationState(i, now) == InvitationSent
		})
		if i < 0 || org.Status != storage.OrgActive {
			return ErrNotPending
		}
		inv := org.Invitations[i]
		org.Invitations[i].AcceptedAt, org.Invitations[i].AcceptedBy = now, u.ID
		if _, err = o.store.UpdateOrganisation(ctx, org); errors.Is(err, storage.ErrConflict) {
			continue
		} else if err != nil {
			return err
		}
		return o.activate(ctx, u.ID, orgID, inv.Roles, inv.By)
	}
	return storage.ErrConflict
}
