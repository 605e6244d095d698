package directory

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// ErrInvalidCredentials is the one answer to every failed sign-in, so that nobody can
// tell an unknown login from a wrong password.
var ErrInvalidCredentials = errors.New("invalid credentials")

// ErrAccountLocked: too many failed sign-ins; the account opens again later, by
// recovery or by an operator. Pages show it like a limit, without naming the account.
var ErrAccountLocked = errors.New("account locked")

// WrongPasswordError is ErrInvalidCredentials for an existing account: the caller
// learns the account, to count failures against it, and shows nothing more.
type WrongPasswordError struct{ UserID string }

func (e *WrongPasswordError) Error() string        { return ErrInvalidCredentials.Error() }
func (e *WrongPasswordError) Is(target error) bool { return target == ErrInvalidCredentials }

// LockedGuessError is ErrAccountLocked for a wrong recovery password tried on
// a locked account: the answer is the lock's, but a guess was checked, and the
// caller counts it as a failure.
type LockedGuessError struct{ UserID string }

func (e *LockedGuessError) Error() string        { return ErrAccountLocked.Error() }
func (e *LockedGuessError) Is(target error) bool { return target == ErrAccountLocked }

// users is what the directory needs from storage.
type users interface {
	CreateUser(ctx context.Context, u storage.User) error
	UserByID(ctx context.Context, id string) (storage.User, error)
	UserByIdentifier(ctx context.Context, key string) (storage.User, error)
	SetPasswordHash(ctx context.Context, userID, hash string, temporary bool) error
	SetLockedUntil(ctx context.Context, userID string, t time.Time) error
	SetBlock(ctx context.Context, userID string, b *storage.Block) error
	SetRecoveryPassword(ctx context.Context, userID string, r storage.RecoveryPassword) error
	UseRecoveryPassword(ctx context.Context, userID, hash string, now time.Time) error
	CompleteRecovery(ctx context.Context, userID, recoveryHash, passwordHash string) error
	BindCertificate(ctx context.Context, userID string, c storage.BoundCertificate, snils, inn string) error
	UnbindCertificate(ctx context.Context, userID, sha256 string) error
	LinkIdentity(ctx context.Context, userID string, l storage.LinkedIdentity) error
	UnlinkIdentity(ctx context.Context, userID, provider, subject string) error
}

// Directory is the account rules over storage.
type Directory struct {
	users     users
	passwords *Passwords
	policy    PasswordPolicy
	log       *slog.Logger
	// now is the clock of account times, locks and recovery-password expiry;
	// tests move it.
	now func() time.Time
}

// New makes a Directory.
func New(u users, p *Passwords, log *slog.Logger) *Directory {
	return &Directory{users: u, passwords: p, log: log, now: time.Now}
}

// SetClock replaces the clock (tests of expiry).
func (d *Directory) SetClock(now func() time.Time) { d.now = now }

// SetPolicy sets the rules new passwords must satisfy.
func (d *Directory) SetPolicy(p PasswordPolicy) { d.policy = p }

// NewUser is what an account is created from.
type NewUser struct {
	Login, Email, Phone, Contract     string
	FamilyName, GivenName, MiddleName string
	Locale                            string
	Password                          string
	PasswordHash                      string
	// PasswordTemporary: the first sign-in must set a new password.
	PasswordTemporary bool
	// ActivationSecret lets the person activate the account (contract + secret + email).
	ActivationSecret             string
	Consents                     []storage.UserConsent
	EmailVerified, PhoneVerified bool
}

// CreateUser normalises the identifiers, hashes the password and stores the account.
func (d *Directory) CreateUser(ctx context.Context, n NewUser) (storage.User, error) {
	now := d.now().UTC()
	u := storage.User{
		ID: NewID(), FamilyName: n.FamilyName, GivenName: n.GivenName, MiddleName: n.MiddleName,
		Locale: n.Locale, EmailVerified: n.EmailVerified, PhoneVerified: n.PhoneVerified,
		PasswordTemporary: n.PasswordTemporary, Consents: n.Consents, CreatedAt: now, UpdatedAt: now,
	}
	var err error
	if n.Login != "" {
		if u.Login, err = NormalizeLogin(n.Login); err != nil {
			return u, fmt.Errorf("login %q: %w", n.Login, err)
		}
	}
	if n.Email != "" {
		if u.Email, err = NormalizeEmail(n.Email); err != nil {
			return u, fmt.Errorf("email %q: %w", n.Email, err)
		}
	}
	if n.Phone != "" {
		if u.Phone, err = NormalizePhone(n.Phone); err != nil {
			return u, fmt.Errorf("phone %q: %w", n.Phone, err)
		}
	}
	if n.Contract != "" {
		if u.Contract, err = NormalizeContract(n.Contract); err != nil {
			return u, fmt.Errorf("contract %q: %w", n.Contract, err)
		}
	}
	if n.ActivationSecret != "" {
		if u.ActivationHash, err = d.passwords.Hash(normalizeSecret(n.ActivationSecret)); err != nil {
			return u, err
		}
	}
	if len(u.Identifiers()) == 0 {
		return u, fmt.Errorf("an account needs a login, an email or a phone: %w", ErrInvalidIdentifier)
	}
	switch {
	case n.PasswordHash != "":
		if !ValidHash(n.PasswordHash) {
			return u, ErrUnsupportedHash
		}
		u.PasswordHash = n.PasswordHash
	case n.Password != "":
		if u.PasswordHash, err = d.passwords.Hash(n.Password); err != nil {
			return u, err
		}
	}
	if err := d.users.CreateUser(ctx, u); err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Authenticate checks a login (any identifier spelling) and password.
// Every failure is ErrInvalidCredentials; storage faults are returned as they are.
// A recovery password (see StartRecovery) is tried when the password does not
// match, even on a locked account (recovery is the way out of a lock): it signs in
// once, and the user returned then has PasswordTemporary set, so that the sign-in
// leads only to setting a new password (ChangeTemporaryPassword).
// An account an operator locked is ErrAccountBlocked (with the user, for the
// audit), but only once the password
// (or recovery password) is right: a wrong one gets the usual answer, and the
// known-device exemption of the failure lock does not lift an operator's lock.
func (d *Directory) Authenticate(ctx context.Context, login, password string, opts ...AuthOption) (_ storage.User, err error) {
	var o authOptions
	for _, opt := range opts {
		opt(&o)
	}
	u, err := d.UserByLogin(ctx, login)
	if errors.Is(err, storage.ErrNotFound) {
		d.passwords.VerifyNothing(password)
		return storage.User{}, ErrInvalidCredentials
	}
	if err != nil {
		return storage.User{}, err
	}
	now := d.now()
	recovery := !u.Disabled && u.Recovery.Usable(now)
	if !recovery && (u.PasswordHash == "" || u.Disabled) {
		d.passwords.VerifyNothing(password)
		return storage.User{}, ErrInvalidCredentials
	}
	// A browser that signed in to this account before (a device cookie) is spared
	// its lock: the lock is against guessers, not its owner.
	locked := now.Before(u.LockedUntil) && o.knownDevice != u.ID
	if o.accountTry != nil && !locked && o.knownDevice != u.ID {
		end, ok, terr := o.accountTry(ctx, u)
		if terr != nil {
			return storage.User{}, terr
		}
		// Refused: as many failures and checks under way as lock the account,
		// which is then as good as locked (a recovery password still opens it).
		locked = !ok
		if ok {
			defer func() { // err: Authenticate's answer
				var wrong *WrongPasswordError
				end(errors.As(err, &wrong))
			}()
		}
	}
	if locked && !recovery {
		d.passwords.VerifyNothing(password)
		return storage.User{}, ErrAccountLocked
	}
	if !locked && u.PasswordHash != "" {
		ok, rehash, err := d.passwords.Verify(password, u.PasswordHash)
		switch {
		case err != nil:
			d.log.ErrorContext(ctx, "stored password hash unusable", "user", u.ID, "err", err)
			if !recovery {
				return storage.User{}, ErrInvalidCredentials
			}
		case ok:
			if err := SignInAllowed(u, now); err != nil {
				return u, err
			}
			if rehash {
				if h, err := d.passwords.Hash(password); err == nil {
					if err := d.users.SetPasswordHash(ctx, u.ID, h, u.PasswordTemporary); err != nil {
						d.log.WarnContext(ctx, "rehash password", "user", u.ID, "err", err)
					}
				}
			}
			return u, nil
		}
	}
	if recovery {
		if locked || u.PasswordHash == "" {
			// No password was checked: the answer takes the time of one all the same.
			d.passwords.VerifyNothing(password)
		}
		if recoveryMatches(password, u.Recovery.Hash) {
			// Refused before it is spent: the recovery password stays for later.
			if err := SignInAllowed(u, now); err != nil {
				return u, err
			}
			err := d.users.UseRecoveryPassword(ctx, u.ID, u.Recovery.Hash, now)
			switch {
			case err == nil:
				u.PasswordTemporary = true
				u.Recovery.Used, u.Recovery.UsedAt = true, now
				return u, nil
			case !errors.Is(err, storage.ErrNotFound):
				return storage.User{}, err
			}
			// Used a moment ago by another sign-in: a wrong password now.
		}
	}
	if locked {
		// A wrong recovery password on a locked account: answered as the lock,
		// counted as the wrong guess it is.
		return storage.User{}, &LockedGuessError{UserID: u.ID}
	}
	return storage.User{}, &WrongPasswordError{UserID: u.ID}
}

// ChangePassword replaces a password after checking the old one and the policy;
// the new one is permanent. Errors: ErrInvalidCredentials for a wrong old password,
// the policy's errors, ErrPasswordUnchanged.
func (d *Directory) ChangePassword(ctx context.Context, userID, old, new string) error {
	u, err := d.users.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	ok, _, err := d.passwords.Verify(old, u.PasswordHash)
	if err != nil || !ok {
		return ErrInvalidCredentials
	}
	if old == new {
		return ErrPasswordUnchanged
	}
	if err := d.policy.Check(new, u.Login, u.Email, u.Phone); err != nil {
		return err
	}
	h, err := d.passwords.Hash(new)
	if err != nil {
		return err
	}
	return d.users.SetPasswordHash(ctx, u.ID, h, false)
}

// NewPasswordHash checks a chosen password against the policy (and the
// identifiers it must not repeat) and returns its hash.
func (d *Directory) NewPasswordHash(password string, identifiers ...string) (string, error) {
	if err := d.policy.Check(password, identifiers...); err != nil {
		return "", err
	}
	return d.passwords.Hash(password)
}

// ErrNotActivatable: wrong contract number or activation secret, or nothing to activate.
var ErrNotActivatable = errors.New("not activatable")

// CheckActivation finds the account of a contract number whose activation secret
// matches; every failure is ErrNotActivatable and costs one hash.
func (d *Directory) CheckActivation(ctx context.Context, contract, secret string) (storage.User, error) {
	c, err := NormalizeContract(contract)
	if err != nil {
		d.passwords.VerifyNothing(secret)
		return storage.User{}, ErrNotActivatable
	}
	u, err := d.users.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentContract, c))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.ActivationHash == "") {
		d.passwords.VerifyNothing(secret)
		return storage.User{}, ErrNotActivatable
	}
	if err != nil {
		return storage.User{}, err
	}
	if ok, _, err := d.passwords.Verify(normalizeSecret(secret), u.ActivationHash); err != nil || !ok {
		return storage.User{}, ErrNotActivatable
	}
	return u, nil
}

// normalizeSecret forgives case and spaces in secrets read off paper.
func normalizeSecret(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }

// Lock refuses sign-in to an account until until: the lock after failed
// sign-ins (see Authenticate for whom it spares). An operator's lock is Block.
func (d *Directory) Lock(ctx context.Context, userID string, until time.Time) error {
	return d.users.SetLockedUntil(ctx, userID, until)
}

// Unlock lifts the lock after failed sign-ins (not an operator's Block).
func (d *Directory) Unlock(ctx context.Context, userID string) error {
	return d.users.SetLockedUntil(ctx, userID, time.Time{})
}

// ErrPasswordUnchanged: the new password is the old one.
var ErrPasswordUnchanged = errors.New("new password equals the old one")

// UserByID returns an account.
func (d *Directory) UserByID(ctx context.Context, id string) (storage.User, error) {
	return d.users.UserByID(ctx, id)
}

// UserByLogin finds an account by any identifier spelling.
// A number may be a login or a contract number: both are tried, login first.
func (d *Directory) UserByLogin(ctx context.Context, login string) (storage.User, error) {
	keys, err := CandidateKeys(login)
	if err != nil {
		return storage.User{}, fmt.Errorf("find user: %w", storage.ErrNotFound)
	}
	// Every candidate is looked up, and a miss reads a record as a hit does, so
	// that the time of the answer does not tell whether an account exists.
	var found *storage.User
	for _, key := range keys {
		u, err := d.users.UserByIdentifier(ctx, key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return storage.User{}, err
		case found == nil:
			found = &u
		}
	}
	if found == nil {
		_, _ = d.users.UserByID(ctx, "no such account")
		return storage.User{}, fmt.Errorf("find user: %w", storage.ErrNotFound)
	}
	return *found, nil
}

// NewID returns a random opaque identifier (26 characters, 130 bits).
func NewID() string { return rand.Text() }

// CheckNewPassword tells whether a chosen password passes the policy (and does
// not repeat the identifiers), without the cost of hashing it: forms check it
// with their other fields and hash only a form that passed.
func (d *Directory) CheckNewPassword(password string, identifiers ...string) error {
	return d.policy.Check(password, identifiers...)
}

// ErrPasswordExists: the account has a password; changing it needs the old one.
var ErrPasswordExists = errors.New("the account has a password already")

// SetFirstPassword gives an account without a password (one made from a
// certificate) its first, under the policy; no old password is asked, since
// there is none: the caller has made sure the session signed in recently.
// ErrPasswordExists when a password was set meanwhile (ChangePassword then).
func (d *Directory) SetFirstPassword(ctx context.Context, userID, new string) error {
	u, err := d.users.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.PasswordHash != "" {
		return ErrPasswordExists
	}
	if err := d.policy.Check(new, u.Login, u.Email, u.Phone); err != nil {
		return err
	}
	h, err := d.passwords.Hash(new)
	if err != nil {
		return err
	}
	return d.users.SetPasswordHash(ctx, u.ID, h, false)
}
