package factors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/tries"
	"github.com/vhod-id/vhod/storage"
)

// Errors of second factors. Pages show ErrWrongCode for every failed check
// (wrong, expired, replayed), so that nobody learns which.
var (
	ErrWrongCode     = errors.New("wrong code")
	ErrFactorLocked  = errors.New("too many wrong codes: try again later")
	ErrNoFactor      = errors.New("no such second factor")
	ErrNoEnrolment   = errors.New("no enrolment waits for confirmation")
	ErrPasskeyFailed = errors.New("passkey not accepted")
)

// Store is what the second factors need from storage.
type Store interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
	storage.Factors
	storage.Passkeys
	storage.Ceremonies
	SaveFlow(ctx context.Context, f storage.Flow) (storage.Flow, error)
	// Sessions weaker than a second factor end when "always ask" is turned
	// on, so the SSO decision need not read the account to honour it.
	ListUserSessions(ctx context.Context, userID string) ([]storage.Session, error)
	DeleteSession(ctx context.Context, id string) error
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	Count(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	tries.Store
}

// Config is what the second factors are built with.
type Config struct {
	// SecretKey (32 bytes) seals TOTP secrets at rest. The caller derives it
	// from the master key for this one purpose (cmd/vhod's deriveKey(master,
	// "totp")), as it does the outbox's and the one-time codes' keys.
	SecretKey []byte
	// OTPKey keys the HMAC of SMS codes kept in flows: the sign-in pages' key.
	OTPKey []byte
	// Issuer names Vhod in authenticator apps ("Vhod"); the default "Vhod".
	Issuer string
	// MaxFailures wrong codes (app or recovery) per account in FailureWindow
	// lock the codes until the window slides: 5 and 15 minutes by default.
	MaxFailures   int
	FailureWindow time.Duration
	// Passkeys: the relying party; without RPID passkeys are off.
	Passkeys PasskeyConfig
	// SMS sends second-factor codes (the limited sender the pages use); nil
	// turns the SMS factor off. Texts renders its message ("phone.sms_text").
	SMS   notify.SMSSender
	Texts directory.Texts
	// Audit records every enrolment, check and use; Notifier mails the
	// person about changes and used recovery codes.
	Audit    *directory.Auditor
	Notifier *directory.Notifier
	Now      func() time.Time
	Logger   *slog.Logger
}

// Factors holds the rules of second factors (an authenticator app, SMS
// codes, recovery codes) and passkeys, and their side effects (audit, mail),
// whoever calls them: the sign-in and account pages, the console, the API.
type Service struct {
	store Store
	cfg   Config
	wa    *webauthn.WebAuthn // nil when passkeys are off
	log   *slog.Logger
	now   func() time.Time
}

// New checks the configuration and makes the service.
func New(st Store, cfg Config) (*Service, error) {
	if len(cfg.SecretKey) != 32 {
		return nil, errors.New("second factors: the TOTP sealing key must be 32 bytes")
	}
	if cfg.SMS != nil && len(cfg.OTPKey) != 32 {
		return nil, errors.New("second factors: the SMS code key must be 32 bytes")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "Vhod"
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 5
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = 15 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Service{store: st, cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if cfg.Passkeys.RPID != "" {
		wa, err := newWebAuthn(cfg.Passkeys)
		if err != nil {
			return nil, fmt.Errorf("second factors: passkeys: %w", err)
		}
		f.wa = wa
	}
	return f, nil
}

// failKey counts an account's wrong second-factor codes: apps and recovery
// codes together, so that switching between them buys no tries.
func failKey(userID string) string { return "factor-fail:user:" + userID }

// open refuses to send a code while the account has failed too often.
func (f *Service) open(ctx context.Context, userID string) error {
	n, err := f.store.Count(ctx, failKey(userID), f.cfg.FailureWindow, f.now())
	if err != nil {
		return err
	}
	if n >= int64(f.cfg.MaxFailures) {
		return ErrFactorLocked
	}
	return nil
}

// try is one check of a code, counted against the account's allowance before
// the code is compared (directory/tries: a burst of guesses sent at once must
// not be compared more often than MaxFailures).
type try struct {
	f      *Service
	userID string
	t      *tries.Try
}

// beginTry counts a try, or refuses it unchecked while the account has failed
// too often (or has as many checks under way as it has tries left).
func (f *Service) beginTry(ctx context.Context, userID string) (*try, error) {
	t, err := tries.Begin(ctx, f.store, f.now(), tries.Allowance{Key: failKey(userID), Window: f.cfg.FailureWindow})
	if err != nil {
		return nil, err
	}
	tr := &try{f: f, userID: userID, t: t}
	if t.Before(0)[0] >= int64(f.cfg.MaxFailures) {
		tr.end(ctx, ErrFactorLocked)
		return nil, ErrFactorLocked
	}
	return tr, nil
}

// end keeps the try counted when the code was wrong (err is ErrWrongCode) and
// takes it back otherwise: a right code, a refusal, or a check not made.
func (t *try) end(ctx context.Context, err error) {
	if errors.Is(err, ErrWrongCode) {
		t.t.Fail()
	}
	if err := t.t.End(ctx); err != nil {
		t.f.log.WarnContext(ctx, "a second-factor try not taken back", "user", t.userID, "err", err)
	}
}

// failed audits a wrong code; the failure that reaches the limit is audited
// as a lock too.
func (t *try) failed(ctx context.Context, by directory.Actor, factor, reason string) error {
	f, n := t.f, t.t.Before(0)[0]+1
	f.record(ctx, by, t.userID, directory.EventFactorChecked, directory.OutcomeFailure, map[string]string{"factor": factor, "reason": reason})
	if n == int64(f.cfg.MaxFailures) {
		f.record(ctx, by, t.userID, directory.EventFactorLocked, directory.OutcomeSuccess, map[string]string{"factor": factor,
			"failures": strconv.FormatInt(n, 10), "until": f.now().Add(f.cfg.FailureWindow).UTC().Format(time.RFC3339)})
	}
	return ErrWrongCode
}

// record writes an audit event about userID's factors.
func (f *Service) record(ctx context.Context, by directory.Actor, userID, typ, outcome string, details map[string]string) {
	e := by.Event(typ, details)
	e.Outcome, e.UserID = outcome, userID
	f.cfg.Audit.Record(ctx, e)
}

// Enrolment is what second factors an account has, for the pages.
type Enrolment struct {
	TOTP              bool
	TOTPPending       bool
	Passkeys          []storage.Passkey
	RecoveryCodesLeft int
	// SMS: the account has a confirmed phone to send codes to.
	SMS       bool
	AlwaysAsk bool
}

// Any tells whether the account has a second factor to ask for (recovery
// codes alone are a way back, not a factor).
func (e Enrolment) Any() bool { return e.TOTP || len(e.Passkeys) > 0 || e.SMS }

// Enrolment reads an account's factors.
func (f *Service) Enrolment(ctx context.Context, userID string) (Enrolment, error) {
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return Enrolment{}, err
	}
	return f.enrolmentOf(ctx, u)
}

// enrolmentOf is Enrolment of an account already read.
func (f *Service) enrolmentOf(ctx context.Context, u storage.User) (Enrolment, error) {
	pks, err := f.store.PasskeysOfUser(ctx, u.ID)
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{TOTP: u.Factors.TOTP != nil, TOTPPending: u.Factors.TOTPPending != nil, Passkeys: pks,
		RecoveryCodesLeft: len(u.Factors.RecoveryCodes), SMS: f.smsFor(u), AlwaysAsk: u.Factors.AlwaysAsk}, nil
}

// SetAlwaysAsk records the person's "always ask for a second factor"; it can
// be turned on only with a second factor to ask for.
func (f *Service) SetAlwaysAsk(ctx context.Context, by directory.Actor, userID string, on bool) error {
	if on {
		e, err := f.Enrolment(ctx, userID)
		if err != nil {
			return err
		}
		if !e.Any() {
			return ErrNoFactor
		}
	}
	if err := f.store.SetAlwaysAsk(ctx, userID, on); err != nil {
		return err
	}
	details := map[string]string{"on": strconv.FormatBool(on)}
	if on {
		// From now on no session of the person is weaker than a second factor
		// (login holds a first factor alone until the second): the ones that
		// are end here, so that single sign-on, which reads no account, never
		// answers for one.
		ended, err := f.endWeakSessions(ctx, userID)
		if err != nil {
			return err
		}
		details["sessions_ended"] = strconv.Itoa(ended)
	}
	f.record(ctx, by, userID, directory.EventFactorAlwaysAsk, directory.OutcomeSuccess, details)
	return nil
}

// endWeakSessions ends the sessions of userID that did not reach a second
// factor, and says how many.
func (f *Service) endWeakSessions(ctx context.Context, userID string) (int, error) {
	sessions, err := f.store.ListUserSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range sessions {
		if directory.ACRSatisfies(s.ACR, directory.ACRMFA) {
			continue
		}
		if err := f.store.DeleteSession(ctx, s.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// changed audits a change of factors and mails the person of it.
func (f *Service) changed(ctx context.Context, by directory.Actor, userID, event, mail, factor string) {
	f.record(ctx, by, userID, event, directory.OutcomeSuccess, map[string]string{"factor": factor})
	f.cfg.Notifier.Mail(ctx, userID, by.Lang, mail)
}
