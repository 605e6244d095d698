// Package flows holds the rules of every multi-step flow of the pages: the
// kinds, their states and the one table of the moves each state allows, for
// the sign-in flows of login and the account's flows (company registration,
// a sign-in made again, the confirmation of a new identifier). Each kind is
// drawn in flow_<kind>.mermaid; TestFlowDiagrams keeps the drawings and the
// table the same. Saving a flow and answering the browser are the pages'.
package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Kind is what a flow is for.
type Kind string

// Flow kinds.
const (
	KindLogin        Kind = "login"
	KindRecovery     Kind = "recovery"
	KindRegistration Kind = "registration"
	// KindVerification confirms a new email or phone of a signed-in person.
	KindVerification Kind = "verification"
	// KindActivation is an operator-issued account's first use.
	KindActivation Kind = "activation"
	// KindReauth keeps a change of a way in while the person signs in again.
	KindReauth Kind = "reauth"
	// KindCompany registers a company: a wizard whose steps can be revisited until
	// it is submitted; the company exists only in the flow until then.
	KindCompany Kind = "company"
)

// State is where a flow stands.
type State string

// Login flow states; see flow_login.mermaid.
const (
	StateStarted         State = "started"
	StateCodeSent        State = "code_sent"
	StatePasswordChange  State = "password_change"
	StateConsentRequired State = "consent_required"
	// StateCertConfirm: a verified certificate without an account waits for the
	// person to confirm the account made from it (or its binding).
	StateCertConfirm State = "certificate_confirm"
	// StateOrgChoice: the person has several companies and chooses one to act for.
	StateOrgChoice State = "org_choice"
	// StateFederatedChoice: an outside provider vouched for a person no
	// account knows; they choose to sign in to their account (which the
	// identity then joins) or to make one from it.
	StateFederatedChoice State = "federated_choice"
	// StateSecondFactor: the first sign-in (or the SSO session) does not reach
	// what the person, the app or the company requires; a second factor
	// (login/secondfactor) finishes it. No session exists for it meanwhile
	// but the one being stepped up.
	StateSecondFactor State = "second_factor"
	StateDone         State = "done"
	StateDenied       State = "denied"
	// Recovery: a temporary password went out by SMS (or nothing did, for a number
	// without an account: the page says the same).
	StateSMSSent State = "sms_sent"
)

// The steps of the company wizard, in order; each is also the flow's state.
const (
	StepINN     State = "inn"
	StepGeneral State = "general"
	StepBank    State = "bank"
	StepAddress State = "address"
	StepContact State = "contact"
	StepReview  State = "review"
)

// transitions lists, per kind, the states each state may move to: the one table
// of every flow, each kind drawn in flow_<kind>.mermaid (TestFlowDiagrams keeps
// the drawings and this table the same).
var transitions = map[Kind]map[State][]State{
	KindLogin: {
		StateStarted:         {StateStarted, StateCodeSent, StatePasswordChange, StateConsentRequired, StateDone, StateCertConfirm, StateOrgChoice, StateFederatedChoice, StateSecondFactor},
		StatePasswordChange:  {StatePasswordChange, StateConsentRequired, StateDone, StateOrgChoice, StateCertConfirm, StateSecondFactor},
		StateCodeSent:        {StateCodeSent, StateStarted, StatePasswordChange, StateConsentRequired, StateDone, StateCertConfirm, StateOrgChoice, StateFederatedChoice, StateSecondFactor},
		StateFederatedChoice: {StateFederatedChoice, StateStarted, StateConsentRequired, StateDone, StateOrgChoice, StateSecondFactor},
		StateCertConfirm:     {StateStarted, StateConsentRequired, StateDone, StateOrgChoice},
		StateOrgChoice:       {StateConsentRequired, StateDone, StateSecondFactor},
		StateSecondFactor:    {StateSecondFactor, StateOrgChoice, StateConsentRequired, StateDone, StateStarted},
		StateConsentRequired: {StateDone, StateDenied},
	},
	KindRegistration: {
		StateStarted:         {StateStarted, StateCodeSent},
		StateCodeSent:        {StateCodeSent, StateStarted, StateConsentRequired, StateDone},
		StateConsentRequired: {StateDone, StateDenied},
	},
	KindActivation: {
		StateStarted:  {StateStarted, StateCodeSent},
		StateCodeSent: {StateCodeSent, StateDone},
	},
	KindVerification: {
		StateCodeSent: {StateCodeSent, StateDone},
	},
	KindReauth: {
		StateStarted: {StateDone},
	},
	KindRecovery: {
		StateStarted:  {StateStarted, StateSMSSent, StateCodeSent},
		StateCodeSent: {StateCodeSent, StateDone},
	},
	// The wizard's steps can be revisited in any order once the INN is in; the
	// review submits (a code to the company's email), the code files it.
	KindCompany: {
		StepINN:       {StepINN, StepGeneral},
		StepGeneral:   {StepINN, StepGeneral, StepBank, StepAddress, StepContact, StepReview},
		StepBank:      {StepINN, StepGeneral, StepBank, StepAddress, StepContact, StepReview},
		StepAddress:   {StepINN, StepGeneral, StepBank, StepAddress, StepContact, StepReview},
		StepContact:   {StepINN, StepGeneral, StepBank, StepAddress, StepContact, StepReview},
		StepReview:    {StepINN, StepGeneral, StepBank, StepAddress, StepContact, StepReview, StateCodeSent},
		StateCodeSent: {StateCodeSent, StepReview, StateDone},
	},
}

// CodeLifetime is how long a one-time code sent by email or SMS may be used.
const CodeLifetime = 15 * time.Minute

// ErrRefused is a move the table does not allow.
var ErrRefused error = refusedError{}

// refusedError says Refused: the request asked for a step the flow does not
// allow here (a stale or forged form), which the pages answer 400.
type refusedError struct{}

func (refusedError) Error() string { return "flow move not allowed" }
func (refusedError) Refused() bool { return true }

// Flow wraps the stored document with the transition rules.
type Flow struct{ storage.Flow }

// To moves the flow to s if the table allows it, recording the step.
func (f *Flow) To(s State, now time.Time) error {
	from := State(f.State)
	if !slices.Contains(transitions[Kind(f.Kind)][from], s) {
		return fmt.Errorf("%w: flow %s: %s → %s", ErrRefused, f.Kind, from, s)
	}
	f.Steps = append(f.Steps, storage.FlowStep{At: now.UTC(), From: string(from), To: string(s)})
	f.State = string(s)
	return nil
}

// In tells whether the flow stands in s.
func (f *Flow) In(s State) bool { return State(f.State) == s }

// Refusals of a one-time code (CheckCode).
var (
	ErrTooManyAttempts = errors.New("too many attempts at the code")
	ErrWrongCode       = errors.New("wrong or expired code")
)

// CheckCode compares code with the flow's. The caller has counted the attempt
// (Attempts) and saved the flow before, so that racing requests cannot try
// more codes than allowed. nil when it is right, ErrTooManyAttempts or
// ErrWrongCode.
func (f *Flow) CheckCode(key []byte, code string, now time.Time) error {
	switch {
	case f.Attempts > directory.OTPMaxAttempts:
		return ErrTooManyAttempts
	case now.After(f.ChallengeExpiresAt) || !directory.OTPMatches(key, f.ID, f.Recipient, code, f.Challenge):
		return ErrWrongCode
	}
	return nil
}

// RefusalKey is the page's message for a refused code.
func RefusalKey(err error) string {
	if errors.Is(err, ErrTooManyAttempts) {
		return "phone.too_many_attempts"
	}
	return "phone.wrong_code"
}

// NewCode makes a one-time code for the recipient to and keeps only its HMAC
// in the flow; the caller moves the flow to StateCodeSent, saves it and sends
// the code.
func (f *Flow) NewCode(key []byte, to string, lifetime time.Duration, now time.Time) (string, error) {
	code, err := directory.NewOTP()
	if err != nil {
		return "", err
	}
	f.Recipient, f.Attempts = to, 0
	f.Challenge = directory.OTPHash(key, f.ID, to, code)
	f.ChallengeExpiresAt = now.Add(lifetime)
	return code, nil
}

// Saver saves a flow that moved (storage.ErrConflict when another request
// saved it first).
type Saver interface {
	SaveFlow(ctx context.Context, f storage.Flow) (storage.Flow, error)
}

// Move takes the flow to s and saves it: ErrRefused when the table forbids
// the move, storage.ErrConflict when another tab moved it first, else the
// store's error. On success f is the saved flow.
func Move(ctx context.Context, st Saver, f *Flow, s State, now time.Time) error {
	if err := f.To(s, now); err != nil {
		return err
	}
	saved, err := st.SaveFlow(ctx, f.Flow)
	if err != nil {
		return err
	}
	f.Flow = saved
	return nil
}

// SpendAttempt counts an attempt at the flow's code and saves it, moved to
// StateCodeSent, before the comparison (Spend). refusal is the page's message
// for a wrong code ("" when it is right); err is Move's.
func SpendAttempt(ctx context.Context, st Saver, f *Flow, key []byte, code string, now time.Time) (refusal string, err error) {
	if err := f.To(StateCodeSent, now); err != nil {
		return "", err
	}
	switch err := Spend(ctx, st, f, key, code, now); {
	case errors.Is(err, ErrTooManyAttempts), errors.Is(err, ErrWrongCode):
		return RefusalKey(err), nil
	case err != nil:
		return "", err
	}
	return "", nil
}

// Spend counts an attempt at the flow's code, saves the flow and only then
// compares (CheckCode), so that racing requests cannot try more codes than
// allowed: nil when the code is right, ErrTooManyAttempts, ErrWrongCode, or
// the store's error (storage.ErrConflict when another request saved first).
// The flow's state is the caller's: SpendAttempt moves it to StateCodeSent;
// a second factor's SMS code (directory/factors) leaves it where it stands.
func Spend(ctx context.Context, st Saver, f *Flow, key []byte, code string, now time.Time) error {
	f.Attempts++
	saved, err := st.SaveFlow(ctx, f.Flow)
	if err != nil {
		return err
	}
	f.Flow = saved
	return f.CheckCode(key, code, now)
}

// Issue makes a one-time code for to, keeps only its HMAC in the flow and
// saves the flow as waiting for it; the caller sends the code. err is the
// code generator's or Move's.
func Issue(ctx context.Context, st Saver, f *Flow, key []byte, to string, lifetime time.Duration, now time.Time) (string, error) {
	code, err := f.NewCode(key, to, lifetime, now)
	if err != nil {
		return "", err
	}
	if err := Move(ctx, st, f, StateCodeSent, now); err != nil {
		return "", err
	}
	return code, nil
}
