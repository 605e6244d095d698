package secondfactor

import (
	"errors"
	"net/http"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// ways are what the step offers: the person's factors that meet what it waits
// for, and the certificate sign-in.
type ways struct {
	TOTP, SMS, Recovery, Passkey, Certificate bool
}

// none: nothing the person has meets what the step waits for.
func (w ways) none() bool { return w == ways{} }

// offered are the ways of the step of f for a person enrolled in e; certOn
// tells whether the certificate sign-in is on (a part begins requests for a
// certificate). A company asking for a passkey or a certificate is met by no
// code: a code of the app, an SMS or a recovery code would be accepted and
// then leave the person without the company (factors.Requirement.Met).
func offered(f login.Flow, e factors.Enrolment, certOn bool) ways {
	w := ways{Passkey: len(e.Passkeys) > 0 && !firstWasKey(f)}
	if f.Second.PasskeyOrCertificate {
		w.Certificate = certOn
		return w
	}
	w.TOTP, w.SMS, w.Recovery = e.TOTP, e.SMS && !firstWasSMS(f), e.RecoveryCodesLeft > 0
	return w
}

// certificateStep is the certificate sign-in's step ("" when it is off).
func (p *Pages) certificateStep() string { return p.kit.StepFor(directory.ACRCertificate) }

// errNotAccepted: a code posted to a step that waits for a passkey or a
// certificate (a hand-made post: the page offers no such form).
var errNotAccepted = errors.New("a code does not meet a passkey-or-certificate policy")

// codesRefused refuses a code of any kind for a step that waits for a passkey
// or a certificate, before the code is checked or spent (a recovery code
// stays unused); it answers and reports true.
func (p *Pages) codesRefused(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) bool {
	if !f.Second.PasskeyOrCertificate {
		return false
	}
	p.kit.OnSignIn(Method, login.OutcomeFailure)
	p.kit.Logger().InfoContext(r.Context(), "second factor: a code posted for a passkey-or-certificate policy", "flow", f.ID, "err", errNotAccepted)
	p.render(w, r, http.StatusForbidden, f, ar, lang, view{Error: "e4.mfa.code_not_accepted"})
	return true
}

// certificate leaves the step for the certificate sign-in of the same flow
// (POST …/second-factor/certificate): the certificate must be the person's
// (SessionUserID, as for any step-up), and the company chosen stays in the
// flow until the certificate's session meets it (Hold, returning).
func (p *Pages) certificate(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.pending(w, r)
	if !ok {
		return
	}
	step := p.certificateStep()
	if !f.Second.PasskeyOrCertificate || f.Second.By != byOrg || step == "" {
		p.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("no certificate way for this step")})
		return
	}
	f.SessionUserID = f.UserID
	if uerr := p.kit.Move(r, &f, flows.StateStarted); uerr != nil {
		p.kit.Fail(w, r, lang, uerr)
		return
	}
	http.Redirect(w, r, login.FlowURL(f.ID, step, ar.ID), http.StatusSeeOther)
}

// returning: f comes back from the certificate sign-in with the company
// chosen before it, signed in by the same person.
func returning(f login.Flow, sess storage.Session) bool {
	return f.In(flows.StateStarted) && f.Second != nil && f.Second.By == byOrg && f.Second.OrgID != "" &&
		f.SessionUserID != "" && f.SessionUserID == sess.UserID
}

// actFor records that the session, which meets the company's policy, acts
// for orgID, and takes the sign-in on as the core does after any method
// (where the company is checked again, settleOrg).
func (p *Pages) actFor(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, sess storage.Session, orgID string) {
	if err := p.store.SetSessionOrg(r.Context(), sess.ID, orgID); err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	sess.OrgID = orgID
	p.kit.SignedIn(w, r, f, ar, lang, sess, login.Method(f.Method))
}

// withoutOrg goes on without the company whose policy the person cannot meet
// now (POST …/second-factor/without): the app gets no company, and the
// session, which met everything else, answers it.
func (p *Pages) withoutOrg(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.pending(w, r)
	if !ok {
		return
	}
	if f.Second.By != byOrg {
		p.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("no company to go without")})
		return
	}
	sess, err := p.kit.CurrentSession(r.Context())
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	if sess == nil || sess.UserID != f.UserID {
		p.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("no session of the person to go on with")})
		return
	}
	p.refuse(r, ar, f.UserID, byOrg, f.Second.OrgID, "without_company")
	f.Second = nil
	// Without the company, what the person and the app ask must still be
	// met: a session short of it waits for that second factor instead.
	if p.Hold(w, r, f, ar, lang, *sess, "") {
		return
	}
	p.kit.WithoutOrg(w, r, f, ar, lang, *sess)
}
