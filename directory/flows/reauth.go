package flows

import (
	"context"
	"strconv"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Changing a way into an account (email, phone, password, certificates) needs a
// recent proof of who the person is, not only a session: a browser left signed in
// or a stolen session cookie must not be enough to take the account for good.
// A session whose sign-in is older than the window is sent to sign in again
// (prompt=login through the account client, so every method and every limit of
// the sign-in page applies: password, SMS code, certificate). What was asked for
// waits in a flow of KindReauth and is carried out on return, so the input is not
// lost (typed passwords excepted: they are never stored).

// DefaultReauthWithin is how recent the sign-in must be: the 5 minutes of
// Keycloak's max_auth_age.
const DefaultReauthWithin = 5 * time.Minute

// What a re-authentication resumes (kept in the flow's Method; its Recipient
// holds the value: the new email or phone, a certificate's fingerprint, a
// sign-in flow). A change of email or phone is kept as storage.IdentEmail or
// storage.IdentPhone.
const (
	ReauthPassword          = "password"
	ReauthCertificateAdd    = "certificate_add"
	ReauthCertificateRemove = "certificate_remove"
	// ReauthCertificateBind: a certificate waits on the confirmation page of a
	// sign-in flow (Recipient) of an auth request (AuthRequestID).
	ReauthCertificateBind = "certificate_bind"
	// ReauthProviderUnlink: an outside provider's identity ("provider:subject")
	// is unlinked.
	ReauthProviderUnlink = "provider_unlink"
)

type reauthStore interface {
	CreateFlow(ctx context.Context, f storage.Flow) error
}

// Reauths decide whether a session may change a way in, and keep what waits
// for a new sign-in.
type Reauths struct {
	store  reauthStore
	audit  *directory.Auditor
	within time.Duration
	life   time.Duration
	now    func() time.Time
}

// NewReauths: within is how recent a sign-in must be (0: DefaultReauthWithin),
// life how long the waiting action is kept (0: 15 minutes).
func NewReauths(st reauthStore, audit *directory.Auditor, within, life time.Duration, now func() time.Time) *Reauths {
	if within <= 0 {
		within = DefaultReauthWithin
	}
	if life <= 0 {
		life = 15 * time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &Reauths{store: st, audit: audit, within: within, life: life, now: now}
}

// Fresh tells whether the session's sign-in is recent enough to change a way in.
func (a *Reauths) Fresh(s *storage.Session) bool {
	return s != nil && a.now().Sub(s.AuthTime) <= a.within
}

// Wait keeps action (with its value, and the auth request of a sign-in it
// returns to) for after a new sign-in of userID in this browser, and audits
// that one was asked for. It returns the flow to name in the sign-in's state
// (directory.ReauthStatePrefix + ID).
func (a *Reauths) Wait(ctx context.Context, by directory.Actor, sess *storage.Session, userID, browserHash, action, value, authRequestID string) (string, error) {
	return a.WaitFor(ctx, ReasonStale, by, sess, userID, browserHash, action, value, authRequestID)
}

// Why a new sign-in is asked for (the audit event's reason): the sign-in is
// too old, or it lacks the second factor the account or the company needs.
const (
	ReasonStale        = "stale_session"
	ReasonSecondFactor = "second_factor"
)

// WaitFor is Wait with the reason the audit event gives.
func (a *Reauths) WaitFor(ctx context.Context, reason string, by directory.Actor, sess *storage.Session, userID, browserHash, action, value, authRequestID string) (string, error) {
	now := a.now().UTC()
	f := storage.Flow{ID: directory.NewID(), Kind: string(KindReauth), State: string(StateStarted),
		AuthRequestID: authRequestID, BrowserHash: browserHash, UserID: userID, Method: action, Recipient: value,
		Steps: []storage.FlowStep{{At: now, To: string(StateStarted)}}, CreatedAt: now, ExpiresAt: now.Add(a.life)}
	if err := a.store.CreateFlow(ctx, f); err != nil {
		return "", err
	}
	age := "unknown"
	if sess != nil {
		age = strconv.Itoa(int(now.Sub(sess.AuthTime).Seconds()))
	}
	a.audit.Record(ctx, storage.AuditEvent{Type: directory.EventReauthRequired, Outcome: directory.OutcomeFailure, UserID: userID,
		IP: by.IP, UserAgent: by.UserAgent, Details: map[string]string{"action": action, "reason": reason, "age_seconds": age}})
	return f.ID, nil
}
