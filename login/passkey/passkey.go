// Package passkey is sign-in with a passkey alone (WebAuthn, discoverable
// credentials), one of login's methods: a "Sign in with a passkey" button on
// the sign-in form, and the person's passkeys offered as autofill of the Login
// field (conditional mediation, autocomplete="username webauthn"). The
// browser's part is /static/passkey.js (no inline script). Each ceremony is
// bound to the flow that began it. A passkey that verified the user (PIN,
// biometrics) is two factors in one: amr ["hwk"|"swk", "user", "mfa"] and acr
// urn:vhod:acr:mfa; without user verification it counts for no more than a
// password (amr ["hwk"|"swk"], acr password), so that a second factor may be
// asked after it.
//
// Routes, on the login pages' router:
//
//	POST /login/{flow}/passkey/begin   the options of navigator.credentials.get (JSON)
//	POST /login/{flow}/passkey/finish  the passkey's answer (form field "credential")
package passkey

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Method names passkey sign-in in metrics and audit.
const Method login.Method = "passkey"

// Pages are passkey sign-in's two posts (the button and the autofill live on
// the core's sign-in form, through Links).
type Pages struct {
	kit     *login.Kit
	factors *factors.Service
}

// New prepares passkey sign-in over the second factors' service.
func New(kit *login.Kit, f *factors.Service) *Pages { return &Pages{kit: kit, factors: f} }

// Mount adds the posts.
func (p *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/login/{flow}/passkey/begin", p.begin).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/passkey/finish", p.finish).Methods(http.MethodPost)
}

// Links puts the button (and the autofill) on the sign-in form while passkeys
// are configured.
func (p *Pages) Links(links map[string]string, f login.Flow, ar storage.AuthRequest) {
	if p.factors != nil && p.factors.PasskeysOn() {
		links["passkey"] = login.FlowURL(f.ID, "passkey/begin", ar.ID)
		links["passkey_finish"] = login.FlowURL(f.ID, "passkey/finish", ar.ID)
	}
}

// Show: passkey sign-in has no page of its own.
func (p *Pages) Show(http.ResponseWriter, *http.Request, login.Flow, storage.AuthRequest, language.Tag) bool {
	return false
}

// FirstStep: the sign-in form is where passkeys are offered.
func (p *Pages) FirstStep(string) string { return "" }

// flow loads the flow of a post: a sign-in not yet past its first factor.
func (p *Pages) flow(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, replaced, uerr := p.kit.LoadFlow(r, flows.KindLogin)
	if uerr == nil && (replaced || !(f.In(flows.StateStarted) || f.In(flows.StateCodeSent))) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("passkey posted in state " + f.State)}
	}
	if uerr == nil && !p.factors.PasskeysOn() {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "passkey.unavailable", Err: errors.New("passkeys are off")}
	}
	if uerr != nil {
		p.kit.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// begin starts a discoverable ceremony and binds it to the flow.
func (p *Pages) begin(w http.ResponseWriter, r *http.Request) {
	f, _, lang, ok := p.flow(w, r)
	if !ok {
		return
	}
	id, opts, err := p.factors.BeginPasskeyLogin(r.Context(), "")
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	f.Ceremony = id
	if uerr := p.kit.Move(r, &f, flows.State(f.State)); uerr != nil {
		p.kit.Fail(w, r, lang, uerr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(opts)
}

// finish checks the passkey's answer against the flow's ceremony: signature,
// origin and RP ID, sign counter, backup flags (factors), then signs the
// account it names in.
func (p *Pages) finish(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := p.flow(w, r)
	if !ok {
		return
	}
	c, err := p.kit.Failures(r)
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	if p.kit.Over(c) {
		p.kit.OnSignIn(Method, login.OutcomeLimited)
		p.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusTooManyRequests, Key: "login.too_many_failures", Err: errors.New("passkey: too many failures")})
		return
	}
	ceremony := f.Ceremony
	var res factors.PasskeySignIn
	if ceremony == "" {
		err = factors.ErrPasskeyFailed
	} else {
		res, err = p.factors.FinishPasskeyLogin(r.Context(), p.kit.Actor(r, ""), "", ceremony, strings.NewReader(r.PostFormValue("credential")))
	}
	if errors.Is(err, factors.ErrPasskeyFailed) {
		p.kit.OnSignIn(Method, login.OutcomeFailure)
		p.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, UserID: res.User.ID, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(Method), "reason": "passkey_refused"}})
		if cerr := p.kit.CountAddressFailure(r); cerr != nil {
			p.kit.Logger().WarnContext(r.Context(), "passkey failure not counted", "err", cerr)
		}
		p.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusUnauthorized, Key: "passkey.failed", Err: err})
		return
	}
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	amr, acr := Assurance(res.AMR)
	sess, err := p.kit.StartSession(w, r, storage.Session{UserID: res.User.ID, AMR: amr, ACR: acr, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	p.kit.OnSignIn(Method, login.OutcomeSuccess)
	p.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: res.User.ID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(Method), "passkey": res.Passkey.ID, "sid": sess.SID, "acr": acr}})
	f.Ceremony = ""
	p.kit.SignedIn(w, r, f, ar, lang, sess, Method)
}

// Assurance is what a passkey alone earns: with user verification two
// factors (the device and the PIN or biometrics: "mfa", acr mfa); without,
// no more than a password.
func Assurance(amr []string) ([]string, string) {
	if slices.Contains(amr, directory.AMRUser) {
		return directory.WithMFA(amr, nil), directory.ACRMFA
	}
	return amr, directory.ACRPassword
}
