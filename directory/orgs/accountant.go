package orgs

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/ruid"
	"github.com/vhod-id/vhod/storage"
)

// ErrBadPIN: an accountant PIN is 6 to 12 digits.
var ErrBadPIN = errors.New("a PIN is 6 to 12 digits")

func validPIN(pin string) bool {
	if len(pin) < 6 || len(pin) > 12 {
		return false
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// SetAccountantPIN sets the PIN of the accountant sign-in for one of the
// company's contracts (adding the contract number when it is new), audited
// here whoever sets it (page, API, console).
func (o *Service) SetAccountantPIN(ctx context.Context, orgID, contract, pin string, by directory.Actor) error {
	c, err := directory.NormalizeContract(contract)
	if err != nil {
		return err
	}
	if !validPIN(pin) {
		return ErrBadPIN
	}
	hash, err := o.passwords.Hash(pin)
	if err != nil {
		return err
	}
	for try := 0; try < 3; try++ {
		org, err := o.store.OrganisationByID(ctx, orgID)
		if err != nil {
			return err
		}
		// The list keeps the number as the org admin typed it ("Д-2026/15");
		// the PIN is matched by its normal form ("Д2026/15").
		if !slices.ContainsFunc(org.Contracts, func(x string) bool { n, err := directory.NormalizeContract(x); return err == nil && n == c }) {
			org.Contracts = append(org.Contracts, strings.Join(strings.Fields(contract), " "))
		}
		pins := org.AccountantPINs[:0:0]
		for _, p := range org.AccountantPINs {
			if p.Contract != c {
				pins = append(pins, p)
			}
		}
		org.AccountantPINs = append(pins, storage.ContractPIN{Contract: c, PINHash: hash})
		if _, err = o.store.UpdateOrganisation(ctx, org); !errors.Is(err, storage.ErrConflict) {
			if err == nil {
				e := by.Event(directory.EventAccountantPIN, map[string]string{"contract": c})
				e.OrgID = orgID
				o.audit.Record(ctx, e)
			}
			return err
		}
	}
	return storage.ErrConflict
}

// AccountantLimitKey is the key failed accountant sign-ins count under: the INN
// and the contract number normalised as AuthenticateAccountant matches them, so
// that "Д-15", "д 15" and "Д--1-5" (one contract) share one counter and one lock.
// Texts that can match no company or contract count together under "invalid".
func AccountantLimitKey(inn, contract string) string {
	inn = strings.TrimSpace(inn)
	if !ruid.ValidINN(inn) {
		inn = "invalid"
	}
	c, err := directory.NormalizeContract(contract)
	if err != nil {
		c = "invalid"
	}
	return "accountant:" + inn + "/" + c
}

// AccountantUserIDs are the accounts of the accountant of contract at the
// companies with inn (one per company that has the contract and has been signed
// in to): a device cookie names one of them when it belongs to that accountant.
func (o *Service) AccountantUserIDs(ctx context.Context, inn, contract string) ([]string, error) {
	c, err := directory.NormalizeContract(contract)
	if err != nil {
		return nil, nil
	}
	orgs, err := o.store.OrganisationsByINN(ctx, inn)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, x := range orgs {
		u, err := o.store.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentAccountant, x.ID+"/"+c))
		switch {
		case err == nil:
			ids = append(ids, u.ID)
		case !errors.Is(err, storage.ErrNotFound):
			return nil, err
		}
	}
	return ids, nil
}

// AuthenticateAccountant checks a company's INN, a contract number and its PIN.
// The accountant account of that contract is made at its first sign-in: it has
// no personal profile, and its only membership is the company, with the single
// role accountant. Every failure is directory.ErrInvalidCredentials, and every
// call checks the PIN against each unit's PIN for the contract (one hash when
// none has one), whatever matched. A PIN that two units of the INN share signs
// in to neither (audited as EventAccountantPINShared).
func (o *Service) AuthenticateAccountant(ctx context.Context, inn, contract, pin string) (storage.User, storage.Organisation, error) {
	c, cerr := directory.NormalizeContract(contract)
	orgs, err := o.store.OrganisationsByINN(ctx, inn)
	if err != nil {
		return storage.User{}, storage.Organisation{}, err
	}
	// The head office and branches share the INN, and each may hold a
	// contract of the same number with a PIN of its own: the PIN tells whose
	// contract it is. Every unit's PIN for the contract is checked, always,
	// so that the time taken does not tell which unit (if any) matched; the
	// store's order decides nothing.
	var matched []storage.Organisation
	tried := false
	for _, x := range orgs {
		if x.Status != storage.OrgActive || cerr != nil {
			continue
		}
		for _, p := range x.AccountantPINs {
			if p.Contract != c {
				continue
			}
			tried = true
			if ok, _, err := o.passwords.Verify(pin, p.PINHash); err == nil && ok {
				matched = append(matched, x)
			}
		}
	}
	if !tried {
		o.passwords.VerifyNothing(pin)
	}
	if len(matched) > 1 {
		// Two units gave the contract the same PIN: it cannot tell whose
		// accountant this is, so nobody signs in with it, and the answer is
		// that of a wrong PIN (it does not reveal the PIN is right). The org
		// admins learn it from the audit trail and set another PIN for one.
		o.pinShared(ctx, matched, c)
	}
	if len(matched) != 1 {
		return storage.User{}, storage.Organisation{}, directory.ErrInvalidCredentials
	}
	org := matched[0]
	key := org.ID + "/" + c
	u, err := o.store.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentAccountant, key))
	if errors.Is(err, storage.ErrNotFound) {
		now := o.now().UTC()
		u = storage.User{ID: directory.NewID(), AccountantOf: key, CreatedAt: now, UpdatedAt: now}
		if err = o.store.CreateUser(ctx, u); errors.Is(err, storage.ErrAlreadyExists) {
			u, err = o.store.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentAccountant, key))
		}
	}
	if err != nil {
		return u, org, err
	}
	m, err := o.store.MembershipByID(ctx, u.ID, org.ID)
	if err == nil && m.Status == storage.MemberActive && len(m.Roles) == 1 && m.Roles[0] == storage.RoleAccountant {
		return u, org, nil
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return u, org, err
	}
	return u, org, o.activate(ctx, u.ID, org.ID, []string{storage.RoleAccountant}, "accountant sign-in")
}

// pinShared records, for each unit whose PIN for contract c was the one
// typed, that the accountant sign-in was refused because another unit of the
// same INN uses that PIN too (Details name them all).
func (o *Service) pinShared(ctx context.Context, units []storage.Organisation, c string) {
	ids := make([]string, len(units))
	for i, x := range units {
		ids[i] = x.ID
	}
	all := strings.Join(ids, ",")
	o.log.WarnContext(ctx, "accountant sign-in refused: units share the contract's PIN", "inn", units[0].INN, "contract", c, "orgs", all)
	for _, x := range units {
		o.audit.Record(ctx, storage.AuditEvent{Type: directory.EventAccountantPINShared, Outcome: directory.OutcomeFailure, OrgID: x.ID,
			Details: map[string]string{"contract": c, "inn": x.INN, "orgs": all}})
	}
}
