package storage

import (
	"context"
	"strings"
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
	// Federated is a sign-in through an outside identity provider: what the
	// flow binds while the browser is at the provider, then an identity with
	// no account yet, waiting for the person's choice.
	Federated *PendingFederated `bson:"federated,omitempty"`
	// SessionUserID is the signed-in person a step-up or a binding is for.
	SessionUserID string `bson:"session_user_id,omitempty"`
	// Ceremony is the passkey ceremony (directory/factors) begun in this
	// flow: a passkey's answer is taken only for the flow that asked.
	Ceremony string `bson:"ceremony,omitempty"`
	// Second is a sign-in waiting for its second factor (login/secondfactor).
	Second *PendingSecondFactor `bson:"second,omitempty"`
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

// PendingFederated is a sign-in through an outside identity provider. State,
// Nonce and Verifier are the secrets of the authorization request (state
// against mixed-up callbacks, nonce against replayed ID tokens, PKCE against
// stolen codes); they leave the flow at the callback, used or not.
type PendingFederated struct {
	Provider  string    `bson:"provider"`
	State     string    `bson:"state,omitempty"`
	Nonce     string    `bson:"nonce,omitempty"`
	Verifier  string    `bson:"verifier,omitempty"`
	StartedAt time.Time `bson:"started_at"`
	// Identity is the provider's answer when no account has it yet; Link
	// means the person chose to sign in to an existing account, which the
	// identity then joins.
	Identity *OutsideIdentity `bson:"identity,omitempty"`
	Link     bool             `bson:"link,omitempty"`
	// LinkSince is when the link was chosen (or the identity matched): it
	// joins only a sign-in finished soon after. LinkReason is why it joins
	// (audited): "signed_in", "session", "snils", "email".
	LinkSince  time.Time `bson:"link_since,omitempty"`
	LinkReason string    `bson:"link_reason,omitempty"`
}

// OutsideIdentity is a person as an outside identity provider vouches for
// them, with the operator's rules of which identifiers may find an account.
type OutsideIdentity struct {
	Provider   string `bson:"provider"`
	Subject    string `bson:"subject"`
	FamilyName string `bson:"family_name,omitempty"`
	GivenName  string `bson:"given_name,omitempty"`
	MiddleName string `bson:"middle_name,omitempty"`
	Name       string `bson:"name,omitempty"`

	Email         string `bson:"email,omitempty"`
	EmailVerified bool   `bson:"email_verified,omitempty"`
	Phone         string `bson:"phone,omitempty"`
	PhoneVerified bool   `bson:"phone_verified,omitempty"`
	// SNILS and personal INN, as the provider gave them.
	SNILS string `bson:"snils,omitempty"`
	INN   string `bson:"inn,omitempty"`

	// TrustSNILS: the provider vouches for the SNILS as an accredited CA does
	// in a qualified certificate (Госуслуги).
	TrustSNILS bool `bson:"trust_snils,omitempty"`
	// LinkByEmail: the operator lets a verified email of this provider find an
	// existing account.
	LinkByEmail bool `bson:"link_by_email,omitempty"`

	// ProviderAMR is what the provider says of its own methods: audited,
	// never put in a session (Vhod vouches for none of it; the session's amr
	// is "fed"). ACR is the level the operator gives a sign-in through it.
	ProviderAMR []string `bson:"provider_amr,omitempty"`
	ACR         string   `bson:"acr,omitempty"`
	// Orgs are the organisations the provider says the person works for.
	Orgs []OutsideOrg `bson:"orgs,omitempty"`
}

// OutsideOrg is an organisation an outside provider lists for the person.
type OutsideOrg struct {
	Name  string `bson:"name,omitempty"`
	OGRN  string `bson:"ogrn,omitempty"`
	INN   string `bson:"inn,omitempty"`
	KPP   string `bson:"kpp,omitempty"`
	Chief bool   `bson:"chief,omitempty"`
}

// Label is how the account page tells this outside account from others.
func (o OutsideIdentity) Label() string {
	for _, s := range []string{o.Email, strings.TrimSpace(o.FamilyName + " " + o.GivenName), o.Name, o.Phone} {
		if s != "" {
			return s
		}
	}
	return ""
}

// PendingSecondFactor is what a sign-in waiting for its second factor has
// proved so far, and what it is for: no session holds it meanwhile.
type PendingSecondFactor struct {
	// AMR and ACR of the first sign-in (or of the session stepped up).
	AMR []string `bson:"amr"`
	ACR string   `bson:"acr"`
	// OrgID is the company the person acts for once it is done: chosen, or
	// the accountant's; "" for none yet.
	OrgID string `bson:"org_id,omitempty"`
	// By says who asked: "user", "org", "app".
	By string `bson:"by"`
	// PasskeyOrCertificate: what is asked is a passkey or a certificate (the
	// company's policy): no code meets it.
	PasskeyOrCertificate bool `bson:"passkey_or_certificate,omitempty"`
}
