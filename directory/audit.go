package directory

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vhod-id/vhod/storage"
)

// Audit event types. Outcome says success or failure; Details carry the method and
// the reason (never a password, code or token).
const (
	EventSignIn  = "signin"
	EventConsent = "consent"
	EventLogout  = "logout"
	// EventBackchannelLogout: a client's back-channel logout URI was told (or
	// could not be told, after its retries) that a session ended.
	EventBackchannelLogout = "logout.backchannel"
	EventRefreshReuse      = "token.refresh_reuse"
	EventCodeReplay        = "token.code_replay"
	EventRevocation        = "token.revoked"
	EventTokenExchanged    = "token.exchanged"
	EventDeviceDecision    = "device.decision"
	EventClientAuthFailed  = "client.auth_failed"
	EventPasswordChange    = "password.change"
	EventPasswordReset     = "password.reset"
	// Recovery ("Forgot password?"): a temporary password or a code was asked for
	// (nothing changes yet), a temporary password signed in, and the new password
	// was set (only then do the account's other sessions and tokens end).
	EventRecoveryRequested = "recovery.requested"
	EventRecoveryUsed      = "recovery.used"
	EventRecoveryCompleted = "recovery.completed"
	EventAccountLocked     = "account.locked"
	EventRegistration      = "account.registered"
	EventAccountUnlocked   = "account.unlocked"
	// EventIdentifierChange: a verified new email or phone replaced the old one.
	EventIdentifierChange = "identifier.change"
	// EventReauthRequired: a change of a way in (email, phone, password,
	// certificate) was asked for in a session signed in too long ago; the person
	// is sent to sign in again. EventReauth: they did, and the change goes on.
	EventReauthRequired = "reauth.required"
	EventReauth         = "reauth"
	// EventChangeNotice: the owner was told of such a change (or could not be).
	EventChangeNotice = "notice.change"
	// Certificates: bound to an account (first sign-in, renewal, account page), unbound, refused.
	EventCertificateBound   = "certificate.bound"
	EventCertificateUnbound = "certificate.unbound"
	EventCertificateRefused = "certificate.refused"
	// Outside identity providers: an identity linked to an account (at a
	// sign-in: matched by SNILS or email, or the person signed in to link it),
	// unlinked on the account page; a provider's answer refused (down,
	// consent refused, a bad signature, a foreign or expired state).
	EventIdentityLinked   = "identity.linked"
	EventIdentityUnlinked = "identity.unlinked"
	EventFederatedRefused = "federated.refused"
	// Organisations: registered (by a person, pending; or by an operator or
	// the bootstrap, active), approved or rejected by a moderator, suspended
	// and reactivated, requisites changed; join requests, their decisions,
	// role changes (removal included). The lifecycle events are written by
	// directory/orgs, whoever calls it (page, API, console, bootstrap).
	EventOrgRegistered     = "org.registered"
	EventOrgApproved       = "org.approved"
	EventOrgRejected       = "org.rejected"
	EventOrgSuspended      = "org.suspend"
	EventOrgReactivated    = "org.reactivate"
	EventOrgChanged        = "organisation.changed"
	EventJoinRequested     = "membership.requested"
	EventJoinApproved      = "membership.approved"
	EventJoinRejected      = "membership.rejected"
	EventMembershipChanged = "membership.changed"
	// EventInvitationWithdrawn: an org admin withdrew an invitation that
	// waited; EventOrgResubmitted: the registrant corrected a rejected
	// registration and sent it to moderation again.
	EventInvitationWithdrawn = "membership.invitation_withdrawn"
	EventOrgResubmitted      = "org.resubmitted"
	EventAccountantPIN       = "org.accountant_pin"
	// EventAccountantPINShared: an accountant sign-in was refused because the
	// PIN typed is that of the contract at two or more units of one INN (head
	// office and branches); one event per unit, Details name them all.
	EventAccountantPINShared = "org.accountant_pin_shared"
	EventSystemRegistered    = "system.registered"
	EventSystemChanged       = "system.changed"
	EventSystemRemoved       = "system.removed"
	// EventCodeReissue: the callback of an auth request whose code was already
	// given out was visited again; no second code was given.
	EventCodeReissue = "token.code_reissue"
	// Operators' changes (API and console): clients, role catalogues,
	// accounts, signing keys, sessions ended, trust anchors added or removed.
	EventClientChanged    = "client.changed"
	EventCatalogueChanged = "role_catalogue.changed"
	EventUserChanged      = "user.changed"
	EventKeyRotated       = "key.rotated"
	EventSessionRevoked   = "session.revoked"
	EventAnchorChanged    = "trust_anchor.changed"
	// Second factors and passkeys: enrolled (an app confirmed, a passkey
	// registered), removed, renamed; a check of one (Outcome says how it went,
	// Details the factor and, on failure, the reason); too many wrong codes;
	// a recovery code used; a new set of recovery codes; the person's "always
	// ask" changed; an organisation's sign-in policy changed.
	EventFactorEnrolled      = "factor.enrolled"
	EventFactorRemoved       = "factor.removed"
	EventFactorRenamed       = "factor.renamed"
	EventFactorChecked       = "factor.checked"
	EventFactorLocked        = "factor.locked"
	EventRecoveryCodeUsed    = "factor.recovery_code_used"
	EventRecoveryCodesIssued = "factor.recovery_codes_issued"
	EventFactorAlwaysAsk     = "factor.always_ask"
	EventOrgSignInPolicy     = "org.sign_in_policy"
	// Outside identity providers operators manage (directory/idp): added,
	// changed (Details name the settings, never a secret's value; a secret
	// replaced is named as such), switched on or off, deleted.
	EventIdentityProviderCreated = "identity_provider.created"
	EventIdentityProviderUpdated = "identity_provider.updated"
	EventIdentityProviderEnabled = "identity_provider.enabled"
	EventIdentityProviderDeleted = "identity_provider.deleted"
	// EventFactorRequired: a sign-in was stopped for a second factor the
	// person has not enrolled, or a company withheld from an app because the
	// sign-in does not meet its policy (Details: by, org, reason).
	EventFactorRequired = "factor.required"
	// EventFactorsReset: an operator removed every second factor of a person.
	EventFactorsReset = "factor.reset"
)

// Outcomes of audit events.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// MaxAuditUserAgent bounds the user agent kept in an audit event, in bytes: a
// client chooses the header, and a few kilobytes of it in every event would
// fill the audit log for nothing.
const MaxAuditUserAgent = 256

// TruncateUTF8 makes s valid UTF-8 and cuts it to at most n bytes at a character
// boundary, so that what is stored and shown is never a broken character.
func TruncateUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Actor is who does an action and from where, as its audit event records
// it: a person's or client's ID, or a process ("registry", "bootstrap").
type Actor struct {
	ID        string
	IP        string
	UserAgent string
	// Lang is the caller's language, for mail to a person who chose none.
	Lang string
	// Details are the caller's own marks ("via": "console", "api": "POST …"),
	// added to the event's.
	Details map[string]string
}

// Event is an audit event of a successful action by a, for the services of
// directory and its subpackages (directory/factors) to record.
func (a Actor) Event(typ string, details map[string]string) storage.AuditEvent {
	d := map[string]string{}
	for k, v := range a.Details {
		d[k] = v
	}
	for k, v := range details {
		d[k] = v
	}
	return storage.AuditEvent{Type: typ, Outcome: OutcomeSuccess, Actor: a.ID, IP: a.IP, UserAgent: a.UserAgent, Details: d}
}

type auditStore interface {
	AppendAudit(ctx context.Context, e storage.AuditEvent) error
}

// Auditor appends audit events. A failure to record is logged loudly but does not
// fail the person's request: the log line carries the same event.
type Auditor struct {
	store auditStore
	log   *slog.Logger
	now   func() time.Time // the time of each event
}

// NewAuditor makes an Auditor.
func NewAuditor(st auditStore, log *slog.Logger) *Auditor {
	return &Auditor{store: st, log: log, now: time.Now}
}

// SetClock replaces the clock (tests).
func (a *Auditor) SetClock(now func() time.Time) { a.now = now }

// Record appends e, filling its ID and time.
func (a *Auditor) Record(ctx context.Context, e storage.AuditEvent) {
	if a == nil {
		return
	}
	e.ID, e.Time = NewID(), a.now().UTC()
	e.UserAgent = TruncateUTF8(e.UserAgent, MaxAuditUserAgent)
	if err := a.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		a.log.ErrorContext(ctx, "audit event not recorded", "type", e.Type, "outcome", e.Outcome,
			"user", e.UserID, "client_id", e.ClientID, "details", e.Details, "err", err)
	}
}
