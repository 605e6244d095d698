package login

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/vhod-id/vhod/internal/web"
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
	StateDone      State = "done"
	StateDenied    State = "denied"
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

// Method is how the person proved who they are.
type Method string

// Sign-in methods.
const (
	MethodPassword Method = "password"
	MethodPhone    Method = "sms"
)

// transitions lists, per kind, the states each state may move to: the one table
// of every flow, each kind drawn in flow_<kind>.mermaid (TestFlowDiagrams keeps
// the drawings and this table the same).
var transitions = map[Kind]map[State][]State{
	KindLogin: {
		StateStarted:         {StateStarted, StateCodeSent, StatePasswordChange, StateConsentRequired, StateDone, StateCertConfirm, StateOrgChoice},
		StatePasswordChange:  {StatePasswordChange, StateConsentRequired, StateDone, StateOrgChoice},
		StateCodeSent:        {StateCodeSent, StateStarted, StatePasswordChange, StateConsentRequired, StateDone, StateCertConfirm, StateOrgChoice},
		StateCertConfirm:     {StateStarted, StateConsentRequired, StateDone, StateOrgChoice},
		StateOrgChoice:       {StateConsentRequired, StateDone},
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

// flow wraps the stored document with the transition rules.
type flow struct{ storage.Flow }

// to moves the flow to s if the table allows it, recording the step.
func (f *flow) to(s State, now time.Time) error {
	from := State(f.State)
	if !slices.Contains(transitions[Kind(f.Kind)][from], s) {
		return fmt.Errorf("flow %s: %s → %s is not allowed", f.Kind, from, s)
	}
	f.Steps = append(f.Steps, storage.FlowStep{At: now.UTC(), From: string(from), To: string(s)})
	f.State = string(s)
	return nil
}

func (f *flow) in(s State) bool { return State(f.State) == s }

// move takes the flow to s and saves it. A transition the table forbids is a bad
// request; losing the race to another tab is the person's to retry.
func (h *Handler) move(r *http.Request, f *flow, s State) *web.UserError {
	if err := f.to(s, h.now()); err != nil {
		return &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err}
	}
	saved, err := h.store.SaveFlow(r.Context(), f.Flow)
	if errors.Is(err, storage.ErrConflict) {
		return &web.UserError{Status: http.StatusConflict, Key: "error.bad_request", Err: err}
	}
	if err != nil {
		return unavailable(err)
	}
	f.Flow = saved
	return nil
}
