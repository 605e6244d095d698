// Package secondfactor is the second-factor step of a sign-in, one of login's
// parts and its Gate: after a first sign-in (password, phone code, contract…)
// that does not reach what the person ("always ask"), the app (acr_values or
// min_acr asking for urn:vhod:acr:mfa) or the company being chosen (its
// sign-in policy) requires, the flow moves to StateSecondFactor and this page
// offers the person's factors: a code of the authenticator app, an SMS code
// to the confirmed phone, a recovery code, a passkey. Only then does a session
// exist with both factors (amr first + second + "mfa", acr mfa): a sign-in the
// person's own rule holds keeps no session meanwhile. A session too weak for
// a request is stepped up here too, without the first factor again.
//
// Routes, on the login pages' router:
//
//	GET  /login/{flow}/second-factor                 step up the SSO session (FirstStep)
//	POST /login/{flow}/second-factor/totp            a code of the authenticator app
//	POST /login/{flow}/second-factor/sms             send an SMS code
//	POST /login/{flow}/second-factor/sms/check       the SMS code
//	POST /login/{flow}/second-factor/recovery        a recovery code
//	POST /login/{flow}/second-factor/passkey/begin   the passkey's options (JSON)
//	POST /login/{flow}/second-factor/passkey/finish  the passkey's answer (JSON)
//	POST /login/{flow}/second-factor/certificate     sign in with a certificate instead
//	POST /login/{flow}/second-factor/without         go on without the company
//
// A company that asks for a passkey or a certificate is met by neither a code
// nor a recovery code (factors.Requirement.Met): the page offers only the
// person's passkeys and the certificate sign-in, and when none is at hand it
// says so and offers the ways out (offered, in ways.go).
package secondfactor

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"slices"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Who asks for a second factor (storage.PendingSecondFactor.By).
const (
	byUser = "user" // the person's "always ask"
	byOrg  = "org"  // the company's sign-in policy
	byApp  = "app"  // acr_values or the client's min_acr
)

// EnrolPath is where a person sets up a second factor (the account page).
const EnrolPath = "/account"

// SecurityPath is the account's page where a passkey is added.
const SecurityPath = "/account/security"

// Store is what the step needs of storage: the client's minimum, the company
// being chosen, and ending a session the person's own rule does not allow yet.
type Store interface {
	ClientByID(ctx context.Context, id string) (storage.Client, error)
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
	DeleteSession(ctx context.Context, id string) error
	SetSessionOrg(ctx context.Context, id, orgID string) error
}

// Accounts reads accounts.
type Accounts interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
}

// Pages are the second-factor step.
type Pages struct {
	kit      *login.Kit
	factors  *factors.Service
	store    Store
	accounts Accounts
	pages    *web.Renderer
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the step; it fails if a template is broken.
func New(kit *login.Kit, f *factors.Service, st Store, acc Accounts) (*Pages, error) {
	pages, err := kit.Renderer(templateFS, "second_factor", "second_factor_enrol")
	if err != nil {
		return nil, err
	}
	return &Pages{kit: kit, factors: f, store: st, accounts: acc, pages: pages}, nil
}

// Mount adds the step's routes.
func (p *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/login/{flow}/second-factor", p.stepUp).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/second-factor/totp", p.totp).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/second-factor/sms", p.smsSend).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/second-factor/sms/check", p.smsCheck).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/second-factor/recovery", p.recovery).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/second-factor/passkey/begin", p.passkeyBegin).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/second-factor/passkey/finish", p.passkeyFinish).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/second-factor/certificate", p.certificate).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/second-factor/without", p.withoutOrg).Methods(http.MethodPost)
}

// Links: the step is never a first sign-in.
func (p *Pages) Links(map[string]string, login.Flow, storage.AuthRequest) {}

// Show draws the step of a flow waiting for its second factor.
func (p *Pages) Show(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) bool {
	if !f.In(flows.StateSecondFactor) || f.Second == nil {
		return false
	}
	p.render(w, r, http.StatusOK, f, ar, lang, view{})
	return true
}

// FirstStep: a request that needs exactly a second factor starts here, so
// that a weaker SSO session of the person is stepped up without the first
// factor again (stepUp sends everybody else to the password form).
func (p *Pages) FirstStep(acr string) string {
	if acr == directory.ACRMFA {
		return "second-factor"
	}
	return ""
}

// requirement is what a sign-in of userID must reach for ar and the company
// orgID ("" none): the stronger of the person's rule and the company's
// policy (factors.Required), or the app's demand for a second factor.
func (p *Pages) requirement(ctx context.Context, ar storage.AuthRequest, userID, orgID string) (factors.Requirement, error) {
	u, err := p.kit.SignedInUser(ctx, userID) // read once per sign-in (issue 21)
	if err != nil {
		return factors.Requirement{}, err
	}
	var org *storage.Organisation
	if orgID != "" {
		o, err := p.store.OrganisationByID(ctx, orgID)
		if err != nil {
			return factors.Requirement{}, err
		}
		org = &o
	}
	req, err := p.factors.Required(ctx, u, org)
	if err != nil || req.ACR != "" {
		return req, err
	}
	want, err := login.RequiredACR(ctx, p.store, ar)
	if err != nil || want != directory.ACRMFA {
		return req, err
	}
	e, err := p.factors.Enrolment(ctx, userID)
	if err != nil {
		return req, err
	}
	return factors.Requirement{ACR: directory.ACRMFA, By: byApp, Enrolled: e.Any()}, nil
}

// Hold is the Gate: a sign-in short of its requirement waits here.
func (p *Pages) Hold(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, sess storage.Session, orgID string) bool {
	carried := orgID == "" && returning(f, sess)
	if carried {
		orgID, f.Second = f.Second.OrgID, nil // the company chosen before the certificate
	}
	req, err := p.requirement(r.Context(), ar, sess.UserID, orgID)
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return true
	}
	if req.Met(sess.ACR, sess.AMR) {
		if carried {
			p.actFor(w, r, f, ar, lang, sess, orgID)
			return true
		}
		return false
	}
	if !req.Enrolled {
		// The app does not get a weaker answer than it asked for: the person
		// is sent to set a factor up first.
		p.refuse(r, ar, sess.UserID, req.By, orgID, "not_enrolled")
		p.pages.Render(w, r, http.StatusForbidden, "second_factor_enrol", enrolPage{Base: p.kit.Base(r, lang, "mfa.enrol_title"),
			Client: p.kit.ClientName(r.Context(), ar.ClientID), By: req.By, Enrol: EnrolPath})
		return true
	}
	if req.By == byUser && sess.ID != "" {
		// The person's own rule: no session exists before both factors.
		if err := p.store.DeleteSession(r.Context(), sess.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			p.kit.Fail(w, r, lang, login.Unavailable(err))
			return true
		}
		p.kit.ClearSession(w)
	}
	if orgID == "" {
		orgID = sess.OrgID // an accountant's company
	}
	f.UserID = sess.UserID
	f.Second = &storage.PendingSecondFactor{AMR: sess.AMR, ACR: sess.ACR, OrgID: orgID, By: req.By, PasskeyOrCertificate: req.PasskeyOrCertificate}
	if uerr := p.kit.Move(r, &f, flows.StateSecondFactor); uerr != nil {
		p.kit.Fail(w, r, lang, uerr)
		return true
	}
	http.Redirect(w, r, login.FlowURL(f.ID, "", ar.ID), http.StatusSeeOther)
	return true
}

// refuse audits a sign-in or a company held back for a factor not enrolled,
// or a company the person went on without (reason).
func (p *Pages) refuse(r *http.Request, ar storage.AuthRequest, userID, by, orgID, reason string) {
	d := map[string]string{"by": by, "reason": reason}
	if orgID != "" {
		d["org"] = orgID
	}
	p.kit.Audit(r, storage.AuditEvent{Type: directory.EventFactorRequired, Outcome: directory.OutcomeFailure, UserID: userID,
		ClientID: ar.ClientID, Details: d})
}

// Offer is the Gate: a company whose policy the person has no factor for is
// shown, not offered, until they enrol.
func (p *Pages) Offer(ctx context.Context, userID string, active []orgs.Active) (offered, blocked []orgs.Active, err error) {
	if len(active) == 0 {
		return active, nil, nil
	}
	u, err := p.accounts.UserByID(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range active {
		req, err := p.factors.Required(ctx, u, &a.Org)
		if err != nil {
			return nil, nil, err
		}
		if req.By == byOrg && !req.Enrolled {
			blocked = append(blocked, a)
		} else {
			offered = append(offered, a)
		}
	}
	return offered, blocked, nil
}

// Meets is the Gate: whether sess reaches org's policy (and the person's own;
// an empty org: the person's own only, as the SSO decision asks).
func (p *Pages) Meets(ctx context.Context, sess storage.Session, org storage.Organisation) (bool, error) {
	u, err := p.accounts.UserByID(ctx, sess.UserID)
	if err != nil {
		return false, err
	}
	if !u.Factors.AlwaysAsk && org.SignInPolicy == storage.OrgSignInAny {
		return true, nil // nothing asked: the passkeys need not be read (every SSO answer asks)
	}
	req, err := p.factors.Required(ctx, u, &org)
	if err != nil {
		return false, err
	}
	return req.Met(sess.ACR, sess.AMR), nil
}

// stepUp begins the step for a request that needs a second factor
// (FirstStep): with an SSO session of the flow's person, that session is the
// first factor; without one, the person signs in first (password form).
func (p *Pages) stepUp(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, _, uerr := p.kit.LoadFlow(r, flows.KindLogin)
	if uerr != nil {
		p.kit.Fail(w, r, lang, uerr)
		return
	}
	if f.In(flows.StateSecondFactor) {
		http.Redirect(w, r, login.FlowURL(f.ID, "", ar.ID), http.StatusSeeOther)
		return
	}
	sess, err := p.kit.CurrentSession(r.Context())
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	if !f.In(flows.StateStarted) || sess == nil || f.SessionUserID == "" || sess.UserID != f.SessionUserID {
		http.Redirect(w, r, login.FlowURL(f.ID, "", ar.ID), http.StatusSeeOther)
		return
	}
	f.Method = "session"
	if !p.Hold(w, r, f, ar, lang, *sess, "") {
		// Strong enough after all (another tab stepped it up): on to the answer.
		p.kit.SignedIn(w, r, f, ar, lang, *sess, login.Method(f.Method))
	}
}

// pending loads the flow of a post: it must wait for its second factor.
func (p *Pages) pending(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, replaced, uerr := p.kit.LoadFlow(r, flows.KindLogin)
	if uerr == nil && (replaced || !f.In(flows.StateSecondFactor) || f.Second == nil) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("second factor posted in state " + f.State)}
	}
	if uerr != nil {
		p.kit.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// done starts the session of both factors and takes the flow on (the
// company, consent, the answer).
func (p *Pages) done(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, factor string, second []string) {
	pend := *f.Second
	amr := directory.WithMFA(pend.AMR, second)
	acr := directory.StrongerACR(pend.ACR, directory.ACRFromAMR(amr))
	sess, err := p.kit.StartSession(w, r, storage.Session{UserID: f.UserID, AMR: amr, ACR: acr, OrgID: pend.OrgID, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	p.kit.OnSignIn(Method, login.OutcomeSuccess)
	p.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: f.UserID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(Method), "factor": factor, "first": f.Method, "by": pend.By, "sid": sess.SID, "acr": acr}})
	f.Second = nil
	p.kit.SignedIn(w, r, f, ar, lang, sess, login.Method(f.Method))
}

// Method names the step in metrics and audit.
const Method login.Method = "second_factor"

// failed shows the step again with the refusal of err.
func (p *Pages) failed(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, err error, v view) {
	p.kit.OnSignIn(Method, login.OutcomeFailure)
	switch {
	case errors.Is(err, factors.ErrFactorLocked):
		v.Error = "mfa.locked"
		p.render(w, r, http.StatusTooManyRequests, f, ar, lang, v)
	case errors.Is(err, factors.ErrWrongCode), errors.Is(err, factors.ErrNoFactor):
		v.Error = "mfa.wrong_code"
		p.render(w, r, http.StatusUnauthorized, f, ar, lang, v)
	default:
		p.kit.Fail(w, r, lang, login.Unavailable(err))
	}
}

// firstWasSMS: a sign-in by SMS code is not doubled by another SMS code.
func firstWasSMS(f login.Flow) bool { return slices.Contains(f.Second.AMR, directory.AMRSMS) }
