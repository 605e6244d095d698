package directory

import (
	"context"
	"errors"
	"strings"

	"github.com/vhod-id/vhod/internal/ruid"
	"github.com/vhod-id/vhod/storage"
)

// OutsideIdentity is a person as an outside identity provider vouches for
// them (login converts connector.Identity into it), with the operator's rules
// of which of its identifiers may find an existing account; it waits in the
// sign-in flow while the person chooses.
type OutsideIdentity = storage.OutsideIdentity

// How an outside identity found its account (FindForIdentity).
const (
	// MatchLinked: the identity is linked to the account.
	MatchLinked = "linked"
	// MatchSNILS, MatchEmail: the account holds the same verified identifier
	// and the rules allow linking by it.
	MatchSNILS = "snils"
	MatchEmail = "email"
)

// ErrIdentityTaken: the outside identity is linked to another account.
var ErrIdentityTaken = errors.New("the outside identity is linked to another account")

// FindForIdentity finds the account an outside identity signs in to: the one
// it is linked to; else one holding the same SNILS when the provider vouches
// for it (the rule of qualified certificates: one person, whichever way they
// come); else one whose verified email is the identity's verified email, when
// the operator allows that for the provider. match says which; the caller
// links a matched account (LinkIdentity) before signing in. storage.ErrNotFound
// when no account matches: the person then signs in to an existing account
// another way or makes a new one.
func (d *Directory) FindForIdentity(ctx context.Context, o OutsideIdentity) (u storage.User, match string, err error) {
	if o.Provider == "" || o.Subject == "" {
		return u, "", errors.New("an outside identity without provider or subject")
	}
	u, err = d.users.UserByIdentifier(ctx, storage.FederatedKey(o.Provider, o.Subject))
	if err == nil || !errors.Is(err, storage.ErrNotFound) {
		return u, MatchLinked, err
	}
	if snils := trustedSNILS(o); snils != "" {
		u, err = d.users.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentSNILS, snils))
		if err == nil || !errors.Is(err, storage.ErrNotFound) {
			return u, MatchSNILS, err
		}
	}
	if email := verifiedEmail(o); email != "" && o.LinkByEmail {
		u, err = d.users.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentEmail, email))
		// Only an address the account has itself confirmed: an unconfirmed one
		// may have been typed by anybody.
		if err == nil && !u.EmailVerified {
			return storage.User{}, "", storage.ErrNotFound
		}
		if err == nil || !errors.Is(err, storage.ErrNotFound) {
			return u, MatchEmail, err
		}
	}
	return storage.User{}, "", storage.ErrNotFound
}

// trustedSNILS is the identity's SNILS when it may find an account: vouched
// for, and with valid check digits.
func trustedSNILS(o OutsideIdentity) string {
	if !o.TrustSNILS || o.SNILS == "" {
		return ""
	}
	s := ruid.NormalizeSNILS(o.SNILS)
	if !ruid.ValidSNILS(s) {
		return ""
	}
	return s
}

func verifiedEmail(o OutsideIdentity) string {
	if !o.EmailVerified || o.Email == "" {
		return ""
	}
	e, err := NormalizeEmail(o.Email)
	if err != nil {
		return ""
	}
	return e
}

func verifiedPhone(o OutsideIdentity) string {
	if !o.PhoneVerified || o.Phone == "" {
		return ""
	}
	p, err := NormalizePhone(o.Phone)
	if err != nil {
		return ""
	}
	return p
}

// trustedEmail is the identity's email when Vhod may hold it as confirmed:
// the provider verified it and the operator trusts the provider with email
// (link_by_email), or it is ЕСИА (TrustSNILS), which verifies contacts
// itself. A confirmed address is a claim to a company's invitations and is
// released to clients as email_verified, so any provider's word on its own
// users is not enough. An address not trusted is left out, not kept
// unconfirmed: an account holds its identifiers exclusively, and an
// unchecked address would keep its real owner from signing up with it; the
// person adds it on the account page, confirmed by a code as any other.
func trustedEmail(o OutsideIdentity) string {
	if !o.LinkByEmail && !o.TrustSNILS {
		return ""
	}
	return verifiedEmail(o)
}

// trustedPhone is the identity's phone when Vhod may hold it as confirmed:
// only ЕСИА is trusted with phones (a confirmed phone signs in by SMS and
// receives second-factor codes).
func trustedPhone(o OutsideIdentity) string {
	if !o.TrustSNILS {
		return ""
	}
	return verifiedPhone(o)
}

func (d *Directory) link(o OutsideIdentity) storage.LinkedIdentity {
	return storage.LinkedIdentity{Provider: o.Provider, Subject: o.Subject, Label: o.Label(), LinkedAt: d.now().UTC(), Orgs: o.Orgs,
		Person: strings.Join(strings.Fields(o.FamilyName+" "+o.GivenName+" "+o.MiddleName), " ")}
}

// LinkIdentity links the outside identity to the account (again: refreshes
// what the provider said, its organisations); ErrIdentityTaken when another
// account holds it.
func (d *Directory) LinkIdentity(ctx context.Context, userID string, o OutsideIdentity) error {
	err := d.users.LinkIdentity(ctx, userID, d.link(o))
	if errors.Is(err, storage.ErrAlreadyExists) {
		return ErrIdentityTaken
	}
	return err
}

// CreateUserFromIdentity makes an account from what the provider vouches for:
// names, the verified email and phone of a provider trusted with them
// (trustedEmail, trustedPhone; each left out when another account holds it:
// that person signs in there), the SNILS and INN of a provider
// trusted with them, and the link. All of it is one CreateUser: nothing is
// left half-made. ErrIdentityTaken when the identity got linked meanwhile.
func (d *Directory) CreateUserFromIdentity(ctx context.Context, o OutsideIdentity, locale string) (storage.User, error) {
	now := d.now().UTC()
	u := storage.User{ID: NewID(), FamilyName: o.FamilyName, GivenName: o.GivenName, MiddleName: o.MiddleName, Locale: locale,
		Links: []storage.LinkedIdentity{d.link(o)}, CreatedAt: now, UpdatedAt: now}
	if u.FamilyName == "" && u.GivenName == "" {
		u.GivenName = o.Name
	}
	if snils := trustedSNILS(o); snils != "" {
		u.SNILS = snils
		if ruid.ValidINN12(o.INN) {
			u.INN = o.INN
		}
	}
	withContacts := u
	withContacts.Email = trustedEmail(o)
	withContacts.EmailVerified = withContacts.Email != ""
	withContacts.Phone = trustedPhone(o)
	withContacts.PhoneVerified = withContacts.Phone != ""
	err := d.users.CreateUser(ctx, withContacts)
	if err == nil {
		return withContacts, nil
	}
	if !errors.Is(err, storage.ErrAlreadyExists) {
		return u, err
	}
	// Something was taken: the link (a second tab won), the SNILS (an account
	// made meanwhile) or a contact of another account. Without the contacts,
	// only the first two can still be.
	if err := d.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return u, ErrIdentityTaken
		}
		return u, err
	}
	return u, nil
}

// UnlinkIdentity removes a linked identity, unless it is the account's last
// way in (no password, phone, certificate or other link).
func (d *Directory) UnlinkIdentity(ctx context.Context, userID, provider, subject string) error {
	u, err := d.users.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" && u.Phone == "" && len(u.Certificates) == 0 && len(u.Links) <= 1 {
		return ErrLastCredential
	}
	return d.users.UnlinkIdentity(ctx, userID, provider, subject)
}
