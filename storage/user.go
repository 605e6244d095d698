package storage

import (
	"context"
	"time"
)

// User is a person's account.
type User struct {
	ID    string `bson:"_id"`
	Login string `bson:"login,omitempty"`
	// Contract is a contract or personal account number (normalised: see directory).
	Contract      string `bson:"contract,omitempty"`
	Email         string `bson:"email,omitempty"`
	EmailVerified bool   `bson:"email_verified"`
	// Phone is in E.164 form.
	Phone         string `bson:"phone,omitempty"`
	PhoneVerified bool   `bson:"phone_verified"`
	FamilyName    string `bson:"family_name,omitempty"`
	GivenName     string `bson:"given_name,omitempty"`
	MiddleName    string `bson:"middle_name,omitempty"`
	Locale        string `bson:"locale,omitempty"`
	// PasswordHash is a PHC string (argon2id; bcrypt accepted on import).
	PasswordHash string `bson:"password_hash,omitempty"`
	// ActivationHash is the argon2id hash of an activation secret an operator issued
	// (the flat number on a bill, say); empty once the account is activated.
	ActivationHash string `bson:"activation_hash,omitempty"`
	// PasswordTemporary means the next sign-in must set a new password.
	PasswordTemporary bool `bson:"password_temporary"`
	// Recovery is a temporary password sent by SMS to recover the account. It works
	// beside PasswordHash, which stays until the new password is set.
	Recovery *RecoveryPassword `bson:"recovery,omitempty"`
	Disabled bool              `bson:"disabled"`
	// LockedUntil: sign-in is refused until then (too many failed attempts).
	// It is against guessers: a browser that signed in before is spared it, and
	// recovery lifts it. An operator's lock is Blocked.
	LockedUntil time.Time `bson:"locked_until,omitempty"`
	// Unlocks counts the unlocks (recovery, an operator): the account's failure
	// count starts anew with each (directory.AccountTries keys it by them), so
	// failures before an unlock do not refuse the owner after it.
	Unlocks int64 `bson:"unlocks,omitempty"`
	// Blocked is an operator's lock (nil when none); see Block.
	Blocked *Block `bson:"blocked,omitempty"`
	// Consents are the person's recorded agreements (personal data, news).
	Consents []UserConsent `bson:"consents,omitempty"`
	// SNILS and INN (personal, 12 digits) come from a qualified certificate whose
	// CA vouched for them; SNILS then finds the account across renewals.
	SNILS string `bson:"snils,omitempty"`
	INN   string `bson:"inn,omitempty"`
	// Certificates are the certificates that sign in to this account.
	Certificates []BoundCertificate `bson:"certificates,omitempty"`
	// Authorities are Vhod-wide powers: AuthorityModerator, AuthorityOperator.
	Authorities []string `bson:"authorities,omitempty"`
	// AccountantOf marks the account of an accountant sign-in: organisation ID
	// and contract number; it has no personal profile.
	AccountantOf string `bson:"accountant_of,omitempty"`
	// Links are the outside identity providers' accounts that sign in to this
	// one; each is also an identifier (IdentFederated), so a (provider,
	// subject) pair belongs to one account at most.
	Links []LinkedIdentity `bson:"links,omitempty"`
	// Factors are the second factors kept with the account (see SecondFactors);
	// passkeys are stored apart (Passkeys).
	Factors   SecondFactors `bson:"factors"`
	CreatedAt time.Time     `bson:"created_at"`
	UpdatedAt time.Time     `bson:"updated_at"`
}

// RecoveryPassword is a temporary password asked for by "Forgot password?": it
// signs in once, before ExpiresAt, and only to set a new password. Asking for it
// changes nothing else, so that whoever knows a phone number cannot take away the
// owner's password, sessions or tokens.
type RecoveryPassword struct {
	// Hash is "sha256:" and the hex digest (see directory.recoveryHash): the
	// password is random and short-lived, so a fast hash suffices.
	Hash      string    `bson:"hash"`
	ExpiresAt time.Time `bson:"expires_at"`
	// Used: it has signed in (at UsedAt); from then on it only lets that sign-in
	// set the new password.
	Used   bool      `bson:"used"`
	UsedAt time.Time `bson:"used_at,omitempty"`
}

// Usable tells whether the recovery password may still sign in at now.
func (r *RecoveryPassword) Usable(now time.Time) bool {
	return r != nil && r.Hash != "" && !r.Used && now.Before(r.ExpiresAt)
}

// WaitsForChange tells whether the recovery password has signed in and waits for the new password.
func (r *RecoveryPassword) WaitsForChange() bool { return r != nil && r.Hash != "" && r.Used }

// Block is an operator's lock of an account: no sign-in by any method, from any
// browser, until Until or until an operator lifts it. Only operators set and
// clear it (admin API, console, `vhod users unlock`); failed sign-ins, recovery
// and password resets never touch it, unlike LockedUntil.
type Block struct {
	Until time.Time `bson:"until"`
	// At and By (an account or client ID, or the command) say who locked it and when.
	At     time.Time `bson:"at"`
	By     string    `bson:"by,omitempty"`
	Reason string    `bson:"reason,omitempty"`
}

// Active tells whether the block refuses sign-in at now.
func (b *Block) Active(now time.Time) bool { return b != nil && now.Before(b.Until) }

// UserConsent is one agreement: what, which text version, when and from where.
type UserConsent struct {
	Kind    string    `bson:"kind"`
	Version string    `bson:"version"`
	At      time.Time `bson:"at"`
	IP      string    `bson:"ip,omitempty"`
}

// Profile is what a person edits about themselves on the account pages.
type Profile struct {
	FamilyName, GivenName, MiddleName string
	Consents                          []UserConsent
}

// Identifier kinds. An identifier document is keyed "kind:value" so that a unique
// _id makes every identifier belong to one user at most.
const (
	IdentLogin = "login"
	IdentEmail = "email"
	IdentPhone = "phone"
	// IdentContract is a contract or personal account number an operator issued.
	IdentContract = "contract"
	// IdentSNILS is a SNILS vouched for by a qualified certificate.
	IdentSNILS = "snils"
	// IdentCertificate is the SHA-256 (hex) of a bound certificate.
	IdentCertificate = "cert"
	// IdentAccountant is "orgID/contract" of an accountant account.
	IdentAccountant = "accountant"
	// IdentFederated is "provider:subject" of a linked outside identity
	// (FederatedKey).
	IdentFederated = "fed"
)

// LinkedIdentity is an outside provider's account linked to a Vhod account.
type LinkedIdentity struct {
	// Provider is the connector's ID, Subject the provider's id of the person.
	Provider string `bson:"provider"`
	Subject  string `bson:"subject"`
	// Label says which of the person's outside accounts it is (an email or a
	// name, as the provider gave it), for the account page.
	Label    string    `bson:"label,omitempty"`
	LinkedAt time.Time `bson:"linked_at"`
	// Orgs are the organisations the provider listed at the last sign-in
	// (Госуслуги): offered on the company pages, as a certificate's are.
	Orgs []OutsideOrg `bson:"orgs,omitempty"`
	// Person is the full name the provider gave (family, given, patronymic),
	// compared with the head the registry names when the provider says the
	// person heads a company; the account's own names can be edited.
	Person string `bson:"person,omitempty"`
}

// FederatedKey is the identifier key of a linked identity.
func FederatedKey(provider, subject string) string {
	return IdentifierKey(IdentFederated, provider+":"+subject)
}

// Authorities.
const (
	AuthorityModerator = "moderator" // approves companies and join requests
	AuthorityOperator  = "operator"  // runs Vhod
	// AuthorityIntrospect is a client's only: it may introspect tokens issued
	// to other clients (a resource server's gateway, RFC 7662 section 4).
	AuthorityIntrospect = "introspect"
)

// CertificateRef describes a certificate: in an account, a session and a token.
type CertificateRef struct {
	SHA256   string    `bson:"sha256" json:"sha256"`
	Subject  string    `bson:"subject" json:"subject"`
	Issuer   string    `bson:"issuer" json:"issuer"`
	Serial   string    `bson:"serial" json:"serial"`
	NotAfter time.Time `bson:"not_after" json:"not_after"`
}

// BoundCertificate is a certificate that signs in to an account.
type BoundCertificate struct {
	CertificateRef `bson:",inline"`
	Qualified      bool      `bson:"qualified"`
	BoundAt        time.Time `bson:"bound_at"`
}

// IdentifierKey is the stored key of an identifier.
func IdentifierKey(kind, value string) string { return kind + ":" + value }

// Identifiers lists the identifier keys a user holds.
func (u User) Identifiers() []string {
	var keys []string
	for _, p := range []struct{ kind, value string }{
		{IdentLogin, u.Login}, {IdentEmail, u.Email}, {IdentPhone, u.Phone}, {IdentContract, u.Contract}, {IdentSNILS, u.SNILS},
		{IdentAccountant, u.AccountantOf},
	} {
		if p.value != "" {
			keys = append(keys, IdentifierKey(p.kind, p.value))
		}
	}
	for _, c := range u.Certificates {
		keys = append(keys, IdentifierKey(IdentCertificate, c.SHA256))
	}
	for _, l := range u.Links {
		keys = append(keys, FederatedKey(l.Provider, l.Subject))
	}
	return keys
}

// Users stores accounts and their identifiers.
type Users interface {
	// CreateUser claims the user's identifiers and stores the user. ErrAlreadyExists when
	// an identifier or the ID is taken; nothing is left behind then.
	CreateUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, id string) (User, error)
	// UserByIdentifier finds the owner of an identifier key (see IdentifierKey).
	UserByIdentifier(ctx context.Context, key string) (User, error)
	// ChangeIdentifier gives the account a new, verified email or phone (kind
	// IdentEmail or IdentPhone) and releases the old one; ErrAlreadyExists when
	// another account has it.
	ChangeIdentifier(ctx context.Context, userID, kind, value string) error
	// UpdateProfile replaces the names and the consents of an account.
	UpdateProfile(ctx context.Context, userID string, p Profile) error
	// Activate clears the activation secret once it has served.
	Activate(ctx context.Context, userID string) error
	// SetLockedUntil locks sign-in until t (the zero time unlocks, and counts
	// the unlock in Unlocks).
	SetLockedUntil(ctx context.Context, userID string, t time.Time) error
	// SetBlock sets an operator's lock (see Block); nil lifts it.
	// ErrNotFound when there is no such account.
	SetBlock(ctx context.Context, userID string, b *Block) error
	// SetPasswordHash replaces the stored hash and its temporary mark, and ends a
	// pending recovery password.
	SetPasswordHash(ctx context.Context, userID, hash string, temporary bool) error
	// SetRecoveryPassword gives the account a recovery password in place of any
	// earlier one; nothing else of the account changes.
	SetRecoveryPassword(ctx context.Context, userID string, r RecoveryPassword) error
	// UseRecoveryPassword marks the recovery password whose hash is hash as used
	// at now, if it is unused and not expired then: of two concurrent uses one
	// wins. ErrNotFound when there is no such usable password.
	UseRecoveryPassword(ctx context.Context, userID, hash string, now time.Time) error
	// CompleteRecovery sets passwordHash (permanent) in place of the old password,
	// unlocks the account and clears the recovery password, if the recovery
	// password with hash recoveryHash has been used. ErrNotFound otherwise.
	CompleteRecovery(ctx context.Context, userID, recoveryHash, passwordHash string) error
	// BindCertificate claims the certificate (and, when snils is set and the account
	// has none, the SNILS with the personal inn) for the account; ErrAlreadyExists
	// when another account holds either. Binding a bound certificate again is a no-op.
	BindCertificate(ctx context.Context, userID string, c BoundCertificate, snils, inn string) error
	// UnbindCertificate releases a certificate; ErrNotFound when the account has no
	// such certificate. The SNILS goes with the last qualified certificate.
	UnbindCertificate(ctx context.Context, userID, sha256 string) error
	// LinkIdentity claims the outside identity for the account (its
	// FederatedKey) and adds it to Links; ErrAlreadyExists when another account
	// holds it. Linking a linked identity again refreshes its Label and Orgs.
	LinkIdentity(ctx context.Context, userID string, l LinkedIdentity) error
	// UnlinkIdentity drops the link and releases its identifier; ErrNotFound
	// when the account has no such link.
	UnlinkIdentity(ctx context.Context, userID, provider, subject string) error
	// SetAuthorities replaces an account's Vhod-wide powers.
	SetAuthorities(ctx context.Context, userID string, authorities []string) error
	// ListUsers pages through accounts by ID, optionally those whose names or
	// identifiers contain Text (case-insensitive).
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	// DeleteUser removes an account with its identifiers, memberships and
	// sessions (its tokens are revoked by the caller).
	DeleteUser(ctx context.Context, id string) error
}

// UserQuery pages through accounts: those after the ID After, at most Limit.
type UserQuery struct {
	Text string
	// Sort orders the page (SortCreated); After is then a UserCursor.
	Sort  Sort
	After string
	Limit int
}
