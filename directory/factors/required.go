package factors

import (
	"context"
	"slices"

	"github.com/vhod-id/vhod/directory"
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
	if !directory.ACRSatisfies(acr, r.ACR) {
		return false
	}
	if !r.PasskeyOrCertificate || directory.ACRSatisfies(acr, directory.ACRCertificate) {
		return true
	}
	return slices.Contains(amr, directory.AMRHardKey) || slices.Contains(amr, directory.AMRSoftKey)
}

// Required says what a sign-in of u must reach: the person's own "always ask"
// (when they have a factor to ask for), and, when the sign-in acts for org
// (nil for none), the company's policy; the stronger of the two.
func (f *Service) Required(ctx context.Context, u storage.User, org *storage.Organisation) (Requirement, error) {
	if !u.Factors.AlwaysAsk && (org == nil || org.SignInPolicy == storage.OrgSignInAny) {
		return Requirement{}, nil // nothing asked: every sign-in comes here, so nothing is read
	}
	e, err := f.enrolmentOf(ctx, u)
	if err != nil {
		return Requirement{}, err
	}
	var r Requirement
	if u.Factors.AlwaysAsk && e.Any() {
		r = Requirement{ACR: directory.ACRMFA, By: "user", Enrolled: true}
	}
	if org == nil {
		return r, nil
	}
	switch org.SignInPolicy {
	case storage.OrgSignInAny:
	case storage.OrgSignInSecondFactor:
		r = Requirement{ACR: directory.ACRMFA, By: "org", Enrolled: e.Any()}
	case storage.OrgSignInPasskeyOrCertificate:
		// A certificate bound to the account also meets it.
		r = Requirement{ACR: directory.ACRMFA, PasskeyOrCertificate: true, By: "org",
			Enrolled: len(e.Passkeys) > 0 || len(u.Certificates) > 0}
	default: // fail closed: an unknown policy asks for the most
		r = Requirement{ACR: directory.ACRMFA, PasskeyOrCertificate: true, By: "org", Enrolled: len(e.Passkeys) > 0 || len(u.Certificates) > 0}
	}
	return r, nil
}
