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

// Invite asks the owner of an email or a phone (in any usual spelling) to join
// the company with roles; it returns the normalised identifier key. Inviting
// again replaces the earlier invitation of that address.
func (o *Service) Invite(ctx context.Context, orgID, address string, roles []string, by string) (string, error) {
	key, err := directory.IdentifierKey(address)
	if err != nil || (!strings.HasPrefix(key, storage.IdentEmail+":") && !strings.HasPrefix(key, storage.IdentPhone+":")) {
		return "", directory.ErrInvalidIdentifier
	}
	known, err := o.allRoles(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range roles {
		if !known[r] {
			return "", ErrUnknownRole
		}
	}
	for try := 0; try < 3; try++ {
		org, err := o.store.OrganisationByID(ctx, orgID)
		if err != nil {
			return "", err
		}
		if org.Status != storage.OrgActive {
			return "", ErrNotActive
		}
		org.Invitations = slices.DeleteFunc(org.Invitations, func(i storage.Invitation) bool { return i.Identifier == key })
		org.Invitations = append(org.Invitations, storage.Invitation{Identifier: key, Roles: roles, By: by, At: o.now().UTC()})
		if _, err = o.store.UpdateOrganisation(ctx, org); !errors.Is(err, storage.ErrConflict) {
			return key, err
		}
	}
	return "", storage.ErrConflict
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
	cutoff := o.now().Add(-invitationLifetime)
	var out []storage.Organisation
	for _, org := range orgs {
		if slices.ContainsFunc(org.Invitations, func(i storage.Invitation) bool { return slices.Contains(keys, i.Identifier) && i.At.After(cutoff) }) {
			out = append(out, org)
		}
	}
	return out, nil
}

// AcceptInvitation makes the invited person an active member with the roles of
// the invitation, and removes it.
func (o *Service) AcceptInvitation(ctx context.Context, u storage.User, orgID string) error {
	keys := invitationKeys(u)
	for try := 0; try < 3; try++ {
		org, err := o.store.OrganisationByID(ctx, orgID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(org.Invitations, func(i storage.Invitation) bool {
			return slices.Contains(keys, i.Identifier) && i.At.After(o.now().Add(-invitationLifetime))
		})
		if i < 0 || org.Status != storage.OrgActive {
			return ErrNotPending
		}
		inv := org.Invitations[i]
		org.Invitations = slices.Delete(org.Invitations, i, i+1)
		if _, err = o.store.UpdateOrganisation(ctx, org); errors.Is(err, storage.ErrConflict) {
			continue
		} else if err != nil {
			return err
		}
		return o.activate(ctx, u.ID, orgID, inv.Roles, inv.By)
	}
	return storage.ErrConflict
}
