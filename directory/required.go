package directory

import (
	"context"
	"errors"
	"slices"

	"github.com/vhod-id/vhod/storage"
)

// Requirement is what a sign-in must reach before it answers an app: at least
// the class ACR ("" when nothing more than the first sign-in), and, with
// PasskeyOrCertificate, by a passkey or a certificate (a code does not do).
type Requirement struct {
	ACR                  string
	PasskeyOrCertificate bool
	// By says who asked for it: "user" (always ask), "org" (the company's
	// policy), or "" when nobody did.
	By string
	// Enrolled: the person has a factor that can meet it. When not, the pages
	// send them to enrol, and the company is not offered until then.
	Enrolled bool
}

// Met tells whether a sign-in of class acr with methods amr meets r.
func (r Requirement) Met(acr string, amr []string) bool {
	if r.ACR == "" {
		return true
	}
	if !ACRSatisfies(acr, r.ACR) {
		return false
	}
	if !r.PasskeyOrCertificate || ACRSatisfies(acr, ACRCertificate) {
		return true
	}
	return slices.Contains(amr, AMRHardKey) || slices.Contains(amr, AMRSoftKey)
}

// ErrUnknownSignInPolicy: an organisation's policy is none of the known ones.
var ErrUnknownSignInPolicy = errors.New("unknown sign-in policy")

// SignInPolicies are the organisation policies, weakest first.
var SignInPolicies = []string{storage.OrgSignInAny, storage.OrgSignInSecondFactor, storage.OrgSignInPasskeyOrCertificate}

// Required says what a sign-in of u must reach: the person's own "always ask"
// (when they have a factor to ask for), and, when the sign-in acts for org
// (nil for none), the company's policy; the stronger of the two.
func (f *Factors) Required(ctx context.Context, u storage.User, org *storage.Organisation) (Requirement, error) {
	e, err := f.Enrolment(ctx, u.ID)
	if err != nil {
		return Requirement{}, err
	}
	var r Requirement
	if u.Factors.AlwaysAsk && e.Any() {
		r = Requirement{ACR: ACRMFA, By: "user", Enrolled: true}
	}
	if org == nil {
		return r, nil
	}
	switch org.SignInPolicy {
	case storage.OrgSignInAny:
	case storage.OrgSignInSecondFactor:
		r = Requirement{ACR: ACRMFA, By: "org", Enrolled: e.Any()}
	case storage.OrgSignInPasskeyOrCertificate:
		// A certificate bound to the account also meets it.
		r = Requirement{ACR: ACRMFA, PasskeyOrCertificate: true, By: "org",
			Enrolled: len(e.Passkeys) > 0 || len(u.Certificates) > 0}
	default: // fail closed: an unknown policy asks for the most
		r = Requirement{ACR: ACRMFA, PasskeyOrCertificate: true, By: "org", Enrolled: len(e.Passkeys) > 0 || len(u.Certificates) > 0}
	}
	return r, nil
}

// SetSignInPolicy sets what members' sign-ins must reach before an app sees
// them act for the organisation; audited. Whether by may set it (an org admin,
// an operator) is the caller's check, as for the organisation's other settings.
func (o *Orgs) SetSignInPolicy(ctx context.Context, orgID, policy string, by Actor) (storage.Organisation, error) {
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
	e := by.event(EventOrgSignInPolicy, map[string]string{"from": from, "to": policy})
	e.OrgID = org.ID
	o.audit.Record(ctx, e)
	return org, nil
}
