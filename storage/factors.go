package storage

import (
	"context"
	"time"
)

// SecondFactors are an account's second factors other than passkeys (which
// live in their own collection, one document each): the authenticator app,
// the recovery codes and the person's own demand. They sit in the user
// document, so that the last used TOTP step and the remaining recovery codes
// change with the account in one write.
type SecondFactors struct {
	// AlwaysAsk: the person wants a second factor at every sign-in.
	AlwaysAsk bool `bson:"always_ask"`
	// TOTP is the confirmed authenticator app; TOTPPending one being enrolled,
	// which works only once confirmed with a code and then replaces TOTP.
	TOTP        *TOTP `bson:"totp,omitempty"`
	TOTPPending *TOTP `bson:"totp_pending,omitempty"`
	// RecoveryCodes are the hashes of the unused recovery codes
	// ("sha256:" and the hex digest; see directory).
	RecoveryCodes   []string  `bson:"recovery_codes,omitempty"`
	RecoveryCodesAt time.Time `bson:"recovery_codes_at,omitempty"`
}

// TOTP is an authenticator app's shared secret (sealed with a key derived from
// the master key, never stored in the clear) and the last time step a code
// was accepted for: a code of that step or an earlier one is a replay.
type TOTP struct {
	Secret    string    `bson:"secret"`
	LastStep  int64     `bson:"last_step"`
	CreatedAt time.Time `bson:"created_at"`
	// ConfirmedAt and LastUsedAt are zero until then.
	ConfirmedAt time.Time `bson:"confirmed_at,omitempty"`
	LastUsedAt  time.Time `bson:"last_used_at,omitempty"`
}

// Factors stores the second factors kept in the user document. Every method
// answers ErrNotFound for an unknown account.
type Factors interface {
	// SetPendingTOTP starts (or restarts) the enrolment of an authenticator
	// app; a confirmed one keeps working meanwhile.
	SetPendingTOTP(ctx context.Context, userID string, t TOTP) error
	// ConfirmTOTP makes the pending app with this sealed secret the account's,
	// with step as its first used step; ErrNotFound when no such enrolment waits.
	ConfirmTOTP(ctx context.Context, userID, secret string, step int64, at time.Time) error
	// UseTOTPStep records that a code of step was accepted, if step is later
	// than the last one; of concurrent uses of one step exactly one succeeds.
	// ErrConflict for a step already used (a replay) or an earlier one;
	// ErrNotFound when the account has no confirmed app.
	UseTOTPStep(ctx context.Context, userID string, step int64, at time.Time) error
	// RemoveTOTP removes the app and any pending enrolment.
	RemoveTOTP(ctx context.Context, userID string) error
	// SetRecoveryCodes replaces every recovery code with these hashes.
	SetRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time) error
	// UseRecoveryCode removes the code with this hash; of concurrent uses one
	// wins. ErrNotFound when the account has no such code (used, or never).
	UseRecoveryCode(ctx context.Context, userID, hash string) error
	// SetAlwaysAsk records the person's demand for a second factor.
	SetAlwaysAsk(ctx context.Context, userID string, on bool) error
}

// Passkey is a WebAuthn credential of an account: one document each, keyed by
// the credential ID (base64url, no padding), so that the ID is unique and a
// use updates only its own counter.
type Passkey struct {
	ID     string `bson:"_id"`
	UserID string `bson:"user_id"`
	// Name is the person's label ("iPhone", "YubiKey in the drawer").
	Name      string `bson:"name"`
	PublicKey []byte `bson:"public_key"` // COSE_Key
	// AttestationType and AttestationFormat as registered ("none" by default).
	AttestationType   string   `bson:"attestation_type,omitempty"`
	AttestationFormat string   `bson:"attestation_format,omitempty"`
	AAGUID            []byte   `bson:"aaguid,omitempty"`
	Transports        []string `bson:"transports,omitempty"`
	Attachment        string   `bson:"attachment,omitempty"`
	// SignCount is the authenticator's signature counter at the last use: a
	// later use must show a greater one, unless both are zero (many passkeys
	// keep no counter).
	SignCount uint32 `bson:"sign_count"`
	// Flags as the authenticator reported them: user present and verified,
	// backup eligible (fixed at registration: a change is refused) and backed up.
	UserPresent    bool `bson:"user_present"`
	UserVerified   bool `bson:"user_verified"`
	BackupEligible bool `bson:"backup_eligible"`
	BackupState    bool `bson:"backup_state"`
	// Version increases with every use; UsePasskey writes only over it.
	Version    int       `bson:"version"`
	CreatedAt  time.Time `bson:"created_at"`
	LastUsedAt time.Time `bson:"last_used_at,omitempty"`
}

// PasskeyUse is what a successful sign-in changes in a passkey.
type PasskeyUse struct {
	SignCount                 uint32
	UserVerified, BackupState bool
	At                        time.Time
}

// Passkeys stores WebAuthn credentials.
type Passkeys interface {
	// CreatePasskey stores a new credential; ErrAlreadyExists when its ID is taken.
	CreatePasskey(ctx context.Context, p Passkey) error
	// PasskeyByID finds a credential by its ID.
	PasskeyByID(ctx context.Context, id string) (Passkey, error)
	// PasskeysOfUser lists an account's credentials, oldest first.
	PasskeysOfUser(ctx context.Context, userID string) ([]Passkey, error)
	// RenamePasskey relabels one of the account's credentials; ErrNotFound
	// when the account has no such credential.
	RenamePasskey(ctx context.Context, userID, id, name string) error
	// DeletePasskey removes one of the account's credentials; ErrNotFound
	// when the account has no such credential.
	DeletePasskey(ctx context.Context, userID, id string) error
	// UsePasskey records a sign-in with the credential read at version p.Version;
	// ErrConflict when another use came first (its counter must be checked again).
	UsePasskey(ctx context.Context, p Passkey, u PasskeyUse) error
}

// Ceremony is the server's half of a WebAuthn ceremony between its begin and
// its finish: the challenge and what it was issued for. The browser holds only
// the ID; a ceremony finishes once and not after ExpiresAt.
type Ceremony struct {
	ID   string `bson:"_id"`
	Kind string `bson:"kind"`
	// UserID is whom a registration or a second-factor sign-in is for; empty
	// for a discoverable sign-in, where the credential names the user.
	UserID string `bson:"user_id,omitempty"`
	// Session is the library's session data (JSON), opaque to storage.
	Session   []byte    `bson:"session"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// Ceremonies stores WebAuthn ceremonies. Reads never return expired ones.
type Ceremonies interface {
	CreateCeremony(ctx context.Context, c Ceremony) error
	// TakeCeremony returns the unexpired ceremony and removes it: of concurrent
	// takers one gets it, the others ErrNotFound.
	TakeCeremony(ctx context.Context, id string) (Ceremony, error)
}
