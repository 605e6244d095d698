package orgs

import (
	"context"
	"errors"
	"slices"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// ErrUnknownSignInPolicy: an organisation's policy is none of the known ones.
var ErrUnknownSignInPolicy = errors.New("unknown sign-in policy")

// SignInPolicies are the organisation policies, weakest first. What each asks
// of a sign-in is directory/factors' Required; which one a company has is an
// organisation setting, kept here with the company's other rules.
var SignInPolicies = []string{storage.OrgSignInAny, storage.OrgSignInSecondFactor, storage.OrgSignInPasskeyOrCertificate}

// SetSignInPolicy sets what members' sign-ins must reach before an app sees
// them act for the organisation; audited. Whether by may set it (an org admin,
// an operator) is the caller's check, as for the organisation's other settings.
func (o *Service) SetSignInPolicy(ctx context.Context, orgID, policy string, by directory.Actor) (storage.Organisation, error) {
	if !slices.Contains(SignInPolicies, policy) {
		return storage.Organisation{}, ErrUnknownSignInPolicy
	}
	org, err := o.store.OrganisationByID(ctx, orgID)
	if err != nil {
		return org, err
	}
	if org.SignInPolicy == policy {
		return org, nil
	}
	from := org.SignInPolicy
	org.SignInPolicy, org.UpdatedAt = policy, o.now().UTC()
	if org, err = o.store.UpdateOrganisation(ctx, org); err != nil {
		return org, err
	}
	e := by.Event(directory.EventOrgSignInPolicy, map[string]string{"from": from, "to": policy})
	e.OrgID = org.ID
	o.audit.Record(ctx, e)
	return org, nil
}
