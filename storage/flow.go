package storage

import (
	"context"
	"time"
)

// Flow is the stored form of one self-service attempt (sign-in, later sign-up and
// recovery). Its states and the allowed transitions belong to the login package;
// storage only guarantees that two concurrent writers cannot both win.
type Flow struct {
	ID            string `bson:"_id"`
	Kind          string `bson:"kind"`
	State         string `bson:"state"`
	AuthRequestID string `bson:"auth_request_id,omitempty"`
	BrowserHash   string `bson:"browser_hash"`
	Method        string `bson:"method,omitempty"`
	UserID        string `bson:"user_id,omitempty"`
	// Locale is the page language chosen when the flow started.
	Locale string `bson:"locale,omitempty"`
	// Recipient is where a one-time code was sent (a phone in E.164).
	Recipient string `bson:"recipient,omitempty"`
	// Challenge is the HMAC of the one-time code, never the code itself.
	Challenge          string     `bson:"challenge,omitempty"`
	ChallengeExpiresAt time.Time  `bson:"challenge_expires_at,omitempty"`
	Attempts           int        `bson:"attempts"`
	Steps              []FlowStep `bson:"steps"`
	// Pending is a registration waiting for its code: nothing of it is an account yet.
	Pending *PendingAccount `bson:"pending,omitempty"`
	// Certificate is a verified certificate waiting for the person to confirm the
	// account it creates or the account it joins.
	Certificate *PendingCertificate `bson:"certificate,omitempty"`
	// SessionUserID is the signed-in person a step-up or a binding is for.
	SessionUserID string `bson:"session_user_id,omitempty"`
	// Org is a company being registered: nothing of it is stored elsewhere
	// until it is submitted.
	Org *Organisation `bson:"org,omitempty"`
	// Version increases with every save; SaveFlow writes only over the version it read.
	Version   int       `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// FlowStep is one transition, kept for audit and debugging.
type FlowStep struct {
	At   time.Time `bson:"at"`
	From string    `bson:"from"`
	To   string    `bson:"to"`
}

// Flows stores flows. Reads never return expired flows.
type Flows interface {
	CreateFlow(ctx context.Context, f Flow) error
	FlowByID(ctx context.Context, id string) (Flow, error)
	// SaveFlow replaces the flow if its stored version is still f.Version and returns
	// the saved flow (version incremented); ErrConflict otherwise.
	SaveFlow(ctx context.Context, f Flow) (Flow, error)
}

// PendingAccount is what a person entered at registration (the password only as
// its hash).
type PendingAccount struct {
	PasswordHash string        `bson:"password_hash"`
	Consents     []UserConsent `bson:"consents"`
}

// PendingCertificate is a certificate that passed every check: its DER and what
// the check found.
type PendingCertificate struct {
	DER       []byte `bson:"der"`
	Qualified bool   `bson:"qualified"`
	// Via is how it was presented: "cms" (signed challenge) or "tls".
	Via string `bson:"via"`
	// LinkAfterSignIn: the person has an account already and signs in to it
	// another way; the certificate is then offered to that account.
	LinkAfterSignIn bool `bson:"link_after_sign_in,omitempty"`
}
