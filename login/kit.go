package login

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// The core of login (start, the SSO decision, flows, sessions, password,
// company choice, consent) lends the sign-in methods and side flows in the
// packages below login/ (certificate, phone, contract, selfservice, and the
// passkeys and outside providers to come) what they share: the Kit. cmd/vhod
// builds the Handler, then each of them with h.Kit(), and mounts them with
// h.Mount(r, them...). The core imports none of them.

// Pages are the pages of a sign-in method or a side flow of its own package.
type Pages interface {
	// Mount adds the routes: bare is the router itself (for files served
	// without the pages' headers, ahead of the static files), pages the login
	// pages' router (security headers, cookies, CSRF).
	Mount(bare, pages *mux.Router)
	// Links puts the links to these pages on the password form of f into
	// links, by the names the form knows (certificate, contract, phone,
	// recovery, register, activate); none when the pages are off.
	Links(links map[string]string, f Flow, ar storage.AuthRequest)
	// Show draws GET /login/{flow} for a flow in a state these pages own
	// (certificate confirmation, code sent), and reports whether it did.
	Show(w http.ResponseWriter, r *http.Request, f Flow, ar storage.AuthRequest, lang language.Tag) bool
	// FirstStep is the step under /login/{flow}/ that a request needing acr
	// begins at ("" for the password form).
	FirstStep(acr string) string
}

// Button is a way in offered as a button of its own on the password form
// (an outside identity provider): a POST with the form's CSRF token.
type Button struct{ Label, Action string }

// ButtonPages are Pages that put buttons on the password form.
type ButtonPages interface {
	Buttons(r *http.Request, f Flow, ar storage.AuthRequest, lang language.Tag) []Button
}

// Joiner is Pages whose flow may carry something that joins the account of
// whoever signs in by any method (an outside identity the person chose to
// link): the core calls Join once the person has proved who they are.
type Joiner interface {
	Join(r *http.Request, f *Flow, userID string)
}

// NoticePages are Pages with something to tell on the password form of a
// flow (an outside account that joins the account signed in to).
type NoticePages interface {
	Notice(r *http.Request, f Flow, lang language.Tag) string
}

// Gate is a step before the answer (login/secondfactor). Hold stops a sign-in of sess short of
// what the person, request or company orgID ("" none) requires (moves the flow, answers, true);
// Offer splits companies into offered and blocked (policy not enrolled); Meets: sess meets org's.
type Gate interface {
	Hold(w http.ResponseWriter, r *http.Request, f Flow, ar storage.AuthRequest, lang language.Tag, sess storage.Session, orgID string) bool
	Offer(ctx context.Context, userID string, active []orgs.Active) (offered, blocked []orgs.Active, err error)
	Meets(ctx context.Context, sess storage.Session, org storage.Organisation) (bool, error)
}

// Flow is a flow document with the rules of directory/flows.
type Flow = flows.Flow

// Counts are failed sign-ins of an address and an identifier (Kit.Failures).
type Counts = counts

// Device is a verified device cookie (Kit.TrustedDevice).
type Device = device

// User is the account the device cookie was issued for.
func (d device) User() string { return d.userID }

// Kit is the core's API for the packages below login/.
type Kit struct{ h *Handler }

// Kit is what the sign-in methods and side flows are built with.
func (h *Handler) Kit() *Kit { return &Kit{h} }

// Renderer draws the pages names of fsys (templates/<name>.html) in the common
// layout, with login's template functions and its shared "captcha" template.
// Its pages show times in the core's time zone (Config.TimeZone).
func (k *Kit) Renderer(fsys fs.FS, names ...string) (*web.Renderer, error) {
	p, err := web.NewRenderer(k.h.catalog, k.h.log, overlay{fsys, templateFS}, names, templateFuncs, sharedTemplates...)
	if err != nil {
		return nil, err
	}
	p.SetTimeZone(k.h.cfg.TimeZone)
	return p, nil
}

// overlay reads a file from the first file system that has it.
type overlay []fs.FS

func (o overlay) Open(name string) (fs.File, error) {
	for _, f := range o[:len(o)-1] {
		if file, err := f.Open(name); err == nil {
			return file, nil
		}
	}
	return o[len(o)-1].Open(name)
}

// Base is the common data of a page in lang, titled by titleKey.
func (k *Kit) Base(r *http.Request, lang language.Tag, titleKey string) Base {
	return k.h.newBase(r, lang, titleKey)
}

// Translator gives the sentences of lang.
func (k *Kit) Translator(lang language.Tag) web.Translator {
	return k.h.catalog.Translator(lang).InZone(k.h.cfg.TimeZone)
}

// Fail draws the error page of e.
func (k *Kit) Fail(w http.ResponseWriter, r *http.Request, lang language.Tag, e *web.UserError) {
	k.h.pages.Fail(w, r, lang, e)
}

// Unavailable is the error page of a failure of the store or a service.
func Unavailable(err error) *web.UserError { return unavailable(err) }

// FlowURL is a step's address of a sign-in flow: /login/FLOW[/step]?authRequestID=….
func FlowURL(flowID, step, authRequestID string) string { return flowURL(flowID, step, authRequestID) }

// AppHome is where an error page about clientID may lead back to, and the
// app's name: the origin of one of its registered redirect URIs ("" when none
// is known, and the page leads to the account).
func (k *Kit) AppHome(ctx context.Context, clientID string) (name, home string) {
	return k.h.appHome(ctx, clientID)
}

// Now is the core's clock.
func (k *Kit) Now() time.Time { return k.h.now() }

// Issuer is Vhod's issuer URL.
func (k *Kit) Issuer() string { return k.h.cfg.Issuer }

// Logger is the core's logger.
func (k *Kit) Logger() *slog.Logger { return k.h.log }

// WithCaptcha puts a captcha on the page when one is set up.
func (k *Kit) WithCaptcha(r *http.Request, b *Base) { k.h.withCaptcha(r, b) }

// CheckCaptcha checks the form's captcha answer (nil without a captcha;
// captcha.ErrFailed when wrong).
func (k *Kit) CheckCaptcha(r *http.Request) error {
	if k.h.cfg.Captcha == nil {
		return nil
	}
	return k.h.cfg.Captcha.Verify(r.Context(), k.h.captchaAnswer(r), clientIP(r))
}

// AuthRequest loads an auth request that belongs to this browser.
func (k *Kit) AuthRequest(r *http.Request, id string) (storage.AuthRequest, language.Tag, *web.UserError) {
	return k.h.authRequest(r, id)
}

// NewFlow stores a new flow of kind in state for ar.
func (k *Kit) NewFlow(r *http.Request, ar storage.AuthRequest, lang language.Tag, kind Kind, state State, userID string) (Flow, error) {
	return k.h.newFlow(r, ar, lang, kind, state, userID)
}

// LoadFlow reads this browser's flow of kind named in the path ({flow}); one
// that expired while its auth request lives on is replaced by a new one.
func (k *Kit) LoadFlow(r *http.Request, kind Kind) (f Flow, ar storage.AuthRequest, lang language.Tag, replaced bool, uerr *web.UserError) {
	return k.h.loadFlowOf(r, kind)
}

// Move takes the flow to s and saves it.
func (k *Kit) Move(r *http.Request, f *Flow, s State) *web.UserError { return k.h.move(r, f, s) }

// IssueCode makes a one-time code for to and saves the flow as waiting for it.
func (k *Kit) IssueCode(r *http.Request, f *Flow, to string, lifetime time.Duration) (string, *web.UserError) {
	return k.h.issueCode(r, f, to, lifetime)
}

// SpendCodeAttempt counts an attempt at the flow's code before comparing it;
// it returns the message key of a refusal, "" when the code is right.
func (k *Kit) SpendCodeAttempt(r *http.Request, f *Flow, code string) (string, *web.UserError) {
	return k.h.spendCodeAttempt(r, f, code)
}

// CodesOn tells whether one-time codes can be issued (the OTP key is set).
func (k *Kit) CodesOn() bool { return len(k.h.cfg.OTPKey) == 32 }

// ClientName is the client's name, "" when it cannot be read.
func (k *Kit) ClientName(ctx context.Context, clientID string) string {
	c, err := k.h.store.ClientByID(ctx, clientID)
	if err != nil {
		return ""
	}
	return c.Name
}

// CurrentSession is the browser's valid SSO session, or nil.
func (k *Kit) CurrentSession(ctx context.Context) (*storage.Session, error) {
	return k.h.currentSession(ctx)
}

// SignedInPerson is the signed-in person of a page that needs one (the device
// page), or false once the browser is sent to sign in through the account
// client, coming back to /account/callback with state (or shown why not).
func (k *Kit) SignedInPerson(w http.ResponseWriter, r *http.Request, state string) (*storage.Session, storage.User, bool) {
	return k.h.accountSessionThen(w, r, state)
}

// StrongEnough is nil when a sign-in of class acr meets the client's min_acr,
// else the page that says it does not (the one check before every answer).
func (k *Kit) StrongEnough(ctx context.Context, clientID, acr string) *web.UserError {
	return k.h.strongEnough(ctx, clientID, acr)
}

// BrowserHash names this browser (its binding cookie).
func (k *Kit) BrowserHash(ctx context.Context) string { return k.h.cookies.BrowserHash(ctx) }

// ClearSession forgets the browser's SSO session cookie.
func (k *Kit) ClearSession(w http.ResponseWriter) { k.h.cookies.ClearSession(w) }

// SignInAllowed applies directory's one rule of who may sign in to the
// account (an operator's lock); a refusal of ErrAccountBlocked is audited.
func (k *Kit) SignInAllowed(r *http.Request, userID string) error {
	err := k.h.signInAllowed(r.Context(), userID)
	if errors.Is(err, directory.ErrAccountBlocked) {
		k.h.refuseBlocked(r, userID, nil)
	}
	return err
}

// SignedInUser is the account userID as this request read it right after
// its session was written (StartSession), else as the database has it.
func (k *Kit) SignedInUser(ctx context.Context, userID string) (storage.User, error) {
	if m, ok := ctx.Value(signedInKey{}).(*storage.User); ok && userID != "" && m.ID == userID {
		return *m, nil
	}
	return k.h.accounts.UserByID(ctx, userID)
}

// StartSession replaces the browser's SSO session with one from the template
// s (user, amr, acr, certificate, company).
func (k *Kit) StartSession(w http.ResponseWriter, r *http.Request, s storage.Session) (storage.Session, error) {
	return k.h.startSessionWith(w, r, s)
}

// SignedIn takes a person who has just proved who they are by method through
// what remains of the flow: the company, consent, the answer to the client.
func (k *Kit) SignedIn(w http.ResponseWriter, r *http.Request, f Flow, ar storage.AuthRequest, lang language.Tag, sess storage.Session, method Method) {
	k.h.afterAuthentication(w, r, f, ar, lang, sess, method)
}

// StepFor is the step under /login/{flow}/ of the part a request needing acr
// begins at ("" when no part begins it: the password form), as start chooses.
func (k *Kit) StepFor(acr string) string {
	for _, p := range k.h.parts {
		if step := p.FirstStep(acr); step != "" {
			return step
		}
	}
	return ""
}

// WithoutOrg takes the flow on to consent and the answer acting for no
// company: the person gave up the one whose policy they cannot meet now.
func (k *Kit) WithoutOrg(w http.ResponseWriter, r *http.Request, f Flow, ar storage.AuthRequest, lang language.Tag, sess storage.Session) {
	if sess.OrgID != "" {
		if err := k.h.store.SetSessionOrg(r.Context(), sess.ID, ""); err != nil {
			k.h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		sess.OrgID = ""
	}
	k.h.afterOrg(w, r, f, ar, lang, sess)
}

// OnSignIn tells the metrics of a sign-in attempt (OutcomeSuccess, …).
func (k *Kit) OnSignIn(method Method, outcome string) { k.h.cfg.OnSignIn(string(method), outcome) }

// Audit records e with the request's address and user agent.
func (k *Kit) Audit(r *http.Request, e storage.AuditEvent) { k.h.audit(r, e) }

// Actor is the person acting in r, as directory's services audit them.
func (k *Kit) Actor(r *http.Request, userID string) directory.Actor { return k.h.actor(r, userID) }

// TellOfChange tells u that a way into the account changed.
func (k *Kit) TellOfChange(r *http.Request, u storage.User, change string) {
	k.h.tellOfChange(r, u, change)
}

// EndOldAccess ends every session and token of an account whose password was
// reset, and records event (with via) once that is done.
func (k *Kit) EndOldAccess(r *http.Request, userID, event, via string) error {
	return k.h.endOldAccess(r, userID, event, via)
}

// Failures are the failed sign-ins of the address and, the most of them, of keys.
func (k *Kit) Failures(r *http.Request, keys ...string) (Counts, error) {
	return k.h.failures(r, keys...)
}

// Over: the address or identifier has failed too often.
func (k *Kit) Over(c Counts) bool { return k.h.over(c) }

// CaptchaNeeded: the form asks for a captcha after these failures.
func (k *Kit) CaptchaNeeded(c Counts) bool { return k.h.captchaNeeded(c) }

// AddressNeedsCaptcha decides the captcha of a fresh form.
func (k *Kit) AddressNeedsCaptcha(r *http.Request) bool { return k.h.addressNeedsCaptcha(r) }

// BeginAttempt counts a guess at a typed secret before it is checked, under
// keys or, from a browser known to the account, its device (the address's
// failures are read now and counted by Attempt.Failed).
func (k *Kit) BeginAttempt(r *http.Request, known *Device, keys ...string) (*Attempt, error) {
	return k.h.beginAttempt(r, known, keys...)
}

// CountAddressFailure adds a failure to the address's counter only.
func (k *Kit) CountAddressFailure(r *http.Request) error { return k.h.countAddressFailure(r) }

// Locked: one of the identifiers counted is locked by failures.
func (k *Kit) Locked(c Counts) bool { return c.locked }

// IdentifierFailure keeps a failed attempt counted against its identifiers:
// slower answers, then a lock (reported; the caller records it) at the count n.
func (k *Kit) IdentifierFailure(a *Attempt) (locked bool, n int64) {
	return k.h.identifierFailure(a)
}

// LockFor is how long a lock lasts.
func (k *Kit) LockFor() time.Duration { return k.h.cfg.Limits.LockFor }

// TrustedDevice is the browser's device cookie, when signed and not
// distrusted by failures; whose account it names is for the caller to check.
func (k *Kit) TrustedDevice(r *http.Request) (Device, bool, error) { return k.h.trustedDevice(r) }

// afterAnswerTimeout bounds the work done after an answer.
const afterAnswerTimeout = 30 * time.Second

// AfterAnswer does work after the answer has gone, in a goroutine of its own,
// for work that only an existing account gets (a lookup, a hash, writes, a
// message): neither the answer nor the next request on the same connection
// (which waits for this handler) may take its time, or they would tell whether
// the account exists. The work gets a copy of the request with a context that
// does not end when the client closes the connection, and a bound.
func (k *Kit) AfterAnswer(r *http.Request, work func(r *http.Request)) {
	ctx, cancel := context.WithTimeout(notify.Detach(r.Context()), afterAnswerTimeout)
	detached := r.Clone(ctx)
	go func() {
		defer cancel()
		work(detached)
	}()
}

// ContractKeys are the limit keys of a contract number typed alone (activation).
func ContractKeys(contract string) []string { return contractKeys(contract) }

// SetClock replaces the core's clock (tests move it instead of sleeping).
func (h *Handler) SetClock(now func() time.Time) { h.now = now }
