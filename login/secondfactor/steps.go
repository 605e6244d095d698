package secondfactor

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// view is what a post adds to the page: its refusal or notice (message
// keys), and whether an SMS code is waiting.
type view struct {
	Error, Notice string
	SMSSent       bool
}

type secondPage struct {
	login.Base
	Client, By string
	// Where each form posts.
	TOTPAction, SMSAction, SMSCheckAction, RecoveryAction, PasskeyBegin, PasskeyFinish string
	// The person's factors this sign-in may use (offered).
	TOTP, SMS, Recovery, Passkey bool
	Phone                        string
	Error, Notice                string
	SMSSent                      bool
	// A company asking for a passkey or a certificate (Strong, named Org):
	// the certificate sign-in (Certificate, posted to CertificateAction) and,
	// when None of the ways is at hand, the ways out: a passkey added on the
	// account's Security page (AddPasskey: passkeys are on), then Resume;
	// going on WithoutAction.
	Strong, Certificate, None, AddPasskey                   bool
	Org, CertificateAction, WithoutAction, Security, Resume string
}

type enrolPage struct {
	login.Base
	Client, By, Enrol string
}

// render draws the step with the person's factors.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, v view) {
	e, err := p.factors.Enrolment(r.Context(), f.UserID)
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	t := p.kit.Translator(lang)
	wy := offered(f, e, p.certificateStep() != "")
	page := secondPage{Base: p.kit.Base(r, lang, "mfa.title"), Client: p.kit.ClientName(r.Context(), ar.ClientID),
		By:         f.Second.By,
		TOTPAction: step(f, ar, "totp"), SMSAction: step(f, ar, "sms"), SMSCheckAction: step(f, ar, "sms/check"),
		RecoveryAction: step(f, ar, "recovery"), PasskeyBegin: step(f, ar, "passkey/begin"), PasskeyFinish: step(f, ar, "passkey/finish"),
		TOTP: wy.TOTP, SMS: wy.SMS, Recovery: wy.Recovery, Passkey: wy.Passkey, SMSSent: v.SMSSent || f.Challenge != "",
		Strong: f.Second.PasskeyOrCertificate, Certificate: wy.Certificate, None: wy.none(),
		AddPasskey:        f.Second.PasskeyOrCertificate && !wy.Passkey && p.factors.PasskeysEnabled(),
		CertificateAction: step(f, ar, "certificate"), WithoutAction: step(f, ar, "without"),
		Security: SecurityPath, Resume: login.FlowURL(f.ID, "", ar.ID)}
	if f.Second.By == byOrg && f.Second.OrgID != "" {
		if o, err := p.store.OrganisationByID(r.Context(), f.Second.OrgID); err == nil {
			page.Org = o.Name
		}
	}
	if page.SMS {
		if u, err := p.accounts.UserByID(r.Context(), f.UserID); err == nil {
			page.Phone = maskPhone(u.Phone)
		}
	}
	if v.Error != "" {
		page.Error = t.T(v.Error)
	}
	if v.Notice != "" {
		page.Notice = t.T(v.Notice)
	}
	p.pages.Render(w, r, status, "second_factor", page)
}

// step is the address of one of the step's posts.
func step(f login.Flow, ar storage.AuthRequest, name string) string {
	return login.FlowURL(f.ID, "second-factor/"+name, ar.ID)
}

// firstWasKey: a passkey does not second a passkey sign-in.
func firstWasKey(f login.Flow) bool {
	return slices.Contains(f.Second.AMR, directory.AMRHardKey) || slices.Contains(f.Second.AMR, directory.AMRSoftKey)
}

// maskPhone shows enough of the number for the person to know it (its last two digits).
func maskPhone(phone string) string {
	if len(phone) < 4 {
		return ""
	}
	return "•••" + phone[len(phone)-2:]
}

// totp checks a code of the authenticator app (used once; wrong ones count
// towards the lock).
func (p *Pages) totp(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.pending(w, r)
	if !ok || p.codesRefused(w, r, f, ar, lang) {
		return
	}
	code := strings.Join(strings.Fields(r.PostFormValue("code")), "")
	if err := p.factors.VerifyTOTP(r.Context(), p.kit.Actor(r, f.UserID), f.UserID, code); err != nil {
		p.failed(w, r, f, ar, lang, err, view{})
		return
	}
	p.done(w, r, f, ar, lang, "totp", []string{directory.AMROTP})
}

// recovery takes a recovery code in place of a factor (once; audited and
// mailed by factors).
func (p *Pages) recovery(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.pending(w, r)
	if !ok || p.codesRefused(w, r, f, ar, lang) {
		return
	}
	if _, err := p.factors.UseRecoveryCode(r.Context(), p.kit.Actor(r, f.UserID), f.UserID, r.PostFormValue("recovery_code")); err != nil {
		p.failed(w, r, f, ar, lang, err, view{})
		return
	}
	// A recovery code stands for a second factor the person keeps offline:
	// "otp" is the nearest RFC 8176 value (a one-time code).
	p.done(w, r, f, ar, lang, "recovery_code", []string{directory.AMROTP})
}

// smsSend texts a code to the account's confirmed phone (the limited sender).
func (p *Pages) smsSend(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.pending(w, r)
	if !ok || p.codesRefused(w, r, f, ar, lang) {
		return
	}
	if firstWasSMS(f) {
		p.failed(w, r, f, ar, lang, factors.ErrNoFactor, view{})
		return
	}
	err := p.factors.SendSMSCode(r.Context(), &f, f.UserID, lang.String())
	switch {
	case errors.Is(err, notify.ErrLimited):
		p.render(w, r, http.StatusTooManyRequests, f, ar, lang, view{Error: "phone.send_limited"})
	case err != nil:
		p.failed(w, r, f, ar, lang, err, view{})
	default:
		p.render(w, r, http.StatusOK, f, ar, lang, view{Notice: "mfa.sms_sent", SMSSent: true})
	}
}

// smsCheck checks the SMS code (attempts counted in the flow before the
// comparison).
func (p *Pages) smsCheck(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.pending(w, r)
	if !ok || p.codesRefused(w, r, f, ar, lang) {
		return
	}
	if f.Challenge == "" || firstWasSMS(f) {
		p.failed(w, r, f, ar, lang, factors.ErrWrongCode, view{})
		return
	}
	code := strings.Join(strings.Fields(r.PostFormValue("sms_code")), "")
	if err := p.factors.CheckSMSCode(r.Context(), p.kit.Actor(r, f.UserID), &f, code); err != nil {
		p.failed(w, r, f, ar, lang, err, view{SMSSent: !errors.Is(err, factors.ErrFactorLocked)})
		return
	}
	p.done(w, r, f, ar, lang, "sms", []string{directory.AMRSMS, directory.AMROTP})
}

// passkeyBegin starts a passkey ceremony of the flow's person, bound to the
// flow; the answer is the options for navigator.credentials.get (JSON).
func (p *Pages) passkeyBegin(w http.ResponseWriter, r *http.Request) {
	f, _, lang, ok := p.pending(w, r)
	if !ok {
		return
	}
	if firstWasKey(f) {
		p.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("a passkey after a passkey")})
		return
	}
	id, opts, err := p.factors.BeginPasskeyLogin(r.Context(), f.UserID)
	if errors.Is(err, factors.ErrNoFactor) {
		// A person without a passkey (a hand-made request, a passkey removed in
		// another tab): bad input, not an outage.
		p.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "f2.mfa.no_passkey", Err: err})
		return
	}
	if err != nil {
		p.kit.Logger().WarnContext(r.Context(), "second factor: passkey ceremony not begun", "flow", f.ID, "err", err)
		http.Error(w, "passkey unavailable", http.StatusServiceUnavailable)
		return
	}
	f.Ceremony = id
	if uerr := p.kit.Move(r, &f, flows.State(f.State)); uerr != nil {
		p.kit.Fail(w, r, lang, uerr)
		return
	}
	writeJSON(w, opts)
}

// passkeyFinish checks the passkey's answer (form field "credential", the
// PublicKeyCredential as JSON) against the flow's ceremony.
func (p *Pages) passkeyFinish(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.pending(w, r)
	if !ok {
		return
	}
	ceremony := f.Ceremony
	if ceremony == "" || firstWasKey(f) {
		p.failed(w, r, f, ar, lang, factors.ErrWrongCode, view{Error: "mfa.passkey_failed"})
		return
	}
	f.Ceremony = ""
	res, err := p.factors.FinishPasskeyLogin(r.Context(), p.kit.Actor(r, f.UserID), f.UserID, ceremony, strings.NewReader(r.PostFormValue("credential")))
	if errors.Is(err, factors.ErrPasskeyFailed) {
		p.kit.OnSignIn(Method, login.OutcomeFailure)
		p.render(w, r, http.StatusUnauthorized, f, ar, lang, view{Error: "mfa.passkey_failed"})
		return
	}
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	p.done(w, r, f, ar, lang, "passkey", res.AMR)
}

// writeJSON answers a script with options it hands to the browser's API.
func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}
