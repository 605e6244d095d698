package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// start is op's hand-off, GET /login?authRequestID=…: what the SSO session does
// for the request is decided as at /authorize (decide); the pages then answer with
// it, ask for the company or consent, or start a sign-in (prompt=none: an error).
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, lang, uerr := h.authRequest(r, r.URL.Query().Get("authRequestID"))
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	if ar.Completion != nil {
		http.Redirect(w, r, h.cfg.Callback(ctx, ar.ID), http.StatusSeeOther)
		return
	}
	v, sess, err := h.decide(ctx, ar)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if v != answer && hasPrompt(ar, "none") {
		h.cfg.Deny(w, r, ar.ID, v.promptNoneError())
		return
	}
	switch v {
	case answer:
		h.finish(w, r, lang, ar, *sess)
		return
	case chooseOrg:
		h.startFlow(w, r, ar, lang, flows.StateOrgChoice, sess.UserID)
		return
	case askConsent:
		h.startFlow(w, r, ar, lang, flows.StateConsentRequired, sess.UserID)
		return
	}
	// signIn: a new sign-in flow.
	f, err := h.newFlow(r, ar, lang, flows.KindLogin, flows.StateStarted, "")
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	// A session too weak for the request is stepped up: the same person signs in
	// again, more strongly (a certificate joins their account).
	// The account page's "Link a certificate" asks again (prompt=login) for a
	// certificate: that sign-in belongs to the signed-in person too.
	linking := ar.ClientID == directory.AccountClientID && slices.Contains(ar.ACRValues, directory.ACRCertificate)
	if sess != nil && (h.sessionSatisfiesExceptACR(ar, *sess) || linking) {
		f.SessionUserID = sess.UserID
		if uerr := h.move(r, &f, flows.StateStarted); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
	}
	want, err := RequiredACR(ctx, h.store, ar)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	step := h.Kit().StepFor(want)
	if step == "" { // the browser comes to show next
		h.fresh.Put(f.ID, freshFlow{f, ar, lang}, h.now())
	}
	http.Redirect(w, r, flowURL(f.ID, step, ar.ID), http.StatusSeeOther)
}

// authRequest loads an auth request that belongs to this browser.
func (h *Handler) authRequest(r *http.Request, id string) (storage.AuthRequest, language.Tag, *web.UserError) {
	lang := web.PickLanguage(r, nil)
	if id == "" {
		return storage.AuthRequest{}, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.unknown_request", Err: errors.New("no authRequestID")}
	}
	ar, err := h.store.AuthRequestByID(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return ar, lang, h.requestGone(r.Context(), id, err)
	}
	if err != nil {
		return ar, lang, unavailable(err)
	}
	lang = web.PickLanguage(r, ar.UILocales)
	if ar.BrowserHash != h.cookies.BrowserHash(r.Context()) {
		e := &web.UserError{Status: http.StatusBadRequest, Key: "error.other_browser", Err: errors.New("browser binding mismatch")}
		e.App, e.Home = h.appHome(r.Context(), ar.ClientID)
		return ar, lang, e
	}
	return ar, lang, nil
}

func (h *Handler) startFlow(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, lang language.Tag, state State, userID string) {
	f, err := h.newFlow(r, ar, lang, flows.KindLogin, state, userID)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	http.Redirect(w, r, flowURL(f.ID, "", ar.ID), http.StatusSeeOther)
}

func (h *Handler) newFlow(r *http.Request, ar storage.AuthRequest, lang language.Tag, kind Kind, state State, userID string) (flow, error) {
	now := h.now().UTC()
	expires := now.Add(h.cfg.FlowLifetime)
	if ar.ExpiresAt.Before(expires) {
		expires = ar.ExpiresAt
	}
	f := flow{Flow: storage.Flow{
		ID: directory.NewID(), Kind: string(kind), State: string(state), AuthRequestID: ar.ID,
		BrowserHash: h.cookies.BrowserHash(r.Context()), UserID: userID, Locale: lang.String(),
		Steps: []storage.FlowStep{{At: now, To: string(state)}}, CreatedAt: now, ExpiresAt: expires,
	}}
	return f, h.store.CreateFlow(r.Context(), f.Flow)
}

// loadFlow reads the sign-in flow of /login/{flow}… for this browser.
func (h *Handler) loadFlow(r *http.Request) (f flow, ar storage.AuthRequest, lang language.Tag, replaced bool, uerr *web.UserError) {
	return h.loadFlowOf(r, flows.KindLogin)
}

// loadFlowOf reads a flow of the given kind for this browser. A flow that expired
// while its auth request lives on is replaced by a new one (replaced is true).
func (h *Handler) loadFlowOf(r *http.Request, kind Kind) (f flow, ar storage.AuthRequest, lang language.Tag, replaced bool, uerr *web.UserError) {
	ctx := r.Context()
	lang = web.PickLanguage(r, nil)
	h.fresh.Take(mux.Vars(r)["flow"], h.now()) // any other page may change the flow: show reads it then
	stored, err := h.store.FlowByID(ctx, mux.Vars(r)["flow"])
	if errors.Is(err, storage.ErrNotFound) {
		ar, lang, uerr = h.authRequest(r, r.URL.Query().Get("authRequestID"))
		if uerr != nil {
			return f, ar, lang, false, uerr
		}
		f, err = h.newFlow(r, ar, lang, kind, flows.StateStarted, "")
		if err != nil {
			return f, ar, lang, false, unavailable(err)
		}
		return f, ar, lang, true, nil
	}
	if err != nil {
		return f, ar, lang, false, unavailable(err)
	}
	f = flow{Flow: stored}
	if t, err := language.Parse(f.Locale); err == nil {
		lang = t
	}
	if f.BrowserHash != h.cookies.BrowserHash(ctx) {
		return f, ar, lang, false, &web.UserError{Status: http.StatusBadRequest, Key: "error.other_browser", Err: errors.New("flow browser mismatch")}
	}
	if Kind(f.Kind) != kind {
		return f, ar, lang, false, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("flow of kind " + f.Kind)}
	}
	ar, err = h.store.AuthRequestByID(ctx, f.AuthRequestID)
	if errors.Is(err, storage.ErrNotFound) {
		return f, ar, lang, false, h.requestGone(ctx, f.AuthRequestID, err)
	}
	if err != nil {
		return f, ar, lang, false, unavailable(err)
	}
	return f, ar, lang, false, nil
}

type freshFlow struct {
	f    flow
	ar   storage.AuthRequest
	lang language.Tag
}

// show renders the page of the flow's current state.
func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	v, ok := h.fresh.Take(mux.Vars(r)["flow"], h.now())
	f, ar, lang, uerr := v.f, v.ar, v.lang, (*web.UserError)(nil)
	if !ok || f.BrowserHash != h.cookies.BrowserHash(r.Context()) {
		f, ar, lang, _, uerr = h.loadFlow(r)
	}
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	switch State(f.State) {
	case flows.StateStarted:
		h.passwordForm(w, r, http.StatusOK, f, ar, lang, ar.LoginHint, "", h.addressNeedsCaptcha(r))
	case flows.StateCodeSent:
		if r.URL.Query().Get("method") == string(MethodPassword) {
			h.passwordForm(w, r, http.StatusOK, f, ar, lang, ar.LoginHint, "", h.addressNeedsCaptcha(r))
			return
		}
		h.showPart(w, r, f, ar, lang)
	case flows.StatePasswordChange:
		h.passwordChangeForm(w, r, http.StatusOK, f, ar, lang, "")
	case flows.StateConsentRequired:
		h.consentForm(w, r, f, ar, lang)
	case flows.StateOrgChoice:
		h.orgChoiceForm(w, r, http.StatusOK, f, ar, lang, "")
	case flows.StateDone:
		http.Redirect(w, r, h.cfg.Callback(r.Context(), ar.ID), http.StatusSeeOther)
	default:
		h.showPart(w, r, f, ar, lang)
	}
}

// showPart draws the page of a state that a method's pages own (Pages.Show).
func (h *Handler) showPart(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag) {
	for _, p := range h.parts {
		if p.Show(w, r, f, ar, lang) {
			return
		}
	}
	h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("flow in state " + f.State)})
}

// finish records the sign-in on the auth request and hands the browser back to op.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, lang language.Tag, ar storage.AuthRequest, s storage.Session) {
	c, uerr := h.answerWith(r.Context(), ar, s)
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	err := h.store.CompleteAuthRequest(r.Context(), ar.ID, c, h.now().Add(h.cfg.CodeLifetime))
	if err != nil && !errors.Is(err, storage.ErrConflict) {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	http.Redirect(w, r, h.cfg.Callback(r.Context(), ar.ID), http.StatusSeeOther)
}

// SSO answers, at /authorize, whether the browser's SSO session settles the request
// without any page (decide says answer). nil means the login pages take over.
func (h *Handler) SSO(ctx context.Context, ar storage.AuthRequest) (*storage.Completion, error) {
	v, sess, err := h.decide(ctx, ar)
	if err != nil || v != answer {
		return nil, err
	}
	c, uerr := h.answerWith(ctx, ar, *sess)
	if uerr != nil && uerr.Status == http.StatusForbidden {
		return nil, nil // too weak after all: the pages sign in again, or say why not
	}
	if uerr != nil {
		return nil, uerr.Err
	}
	return &c, nil
}

// answerWith is the last step of every answer with a session, at /authorize and
// from the pages (finish): the sign-in meets the client's min_acr (strongEnough)
// and the client is recorded in the session for logout.
func (h *Handler) answerWith(ctx context.Context, ar storage.AuthRequest, s storage.Session) (storage.Completion, *web.UserError) {
	if uerr := h.strongEnough(ctx, ar.ClientID, s.ACR); uerr != nil {
		return storage.Completion{}, uerr
	}
	if err := h.recordSessionClient(ctx, s, ar.ClientID); err != nil {
		return storage.Completion{}, unavailable(err)
	}
	return completion(s), nil
}

// recordSessionClient notes that a client is signed in through the session, so
// that logout can tell it (back- and front-channel); written once per client.
func (h *Handler) recordSessionClient(ctx context.Context, s storage.Session, clientID string) error {
	if slices.Contains(s.ClientIDs, clientID) {
		return nil
	}
	err := h.store.AddSessionClient(ctx, s.SID, clientID)
	if errors.Is(err, storage.ErrNotFound) { // ended meanwhile: nothing to tell later
		return nil
	}
	return err
}

func completion(s storage.Session) storage.Completion {
	return storage.Completion{UserID: s.UserID, AuthTime: s.AuthTime, AMR: s.AMR, ACR: s.ACR, SessionID: s.SID,
		Certificate: s.Certificate, OrgID: s.OrgID, IdP: s.IdP}
}

func hasPrompt(ar storage.AuthRequest, p string) bool { return slices.Contains(ar.Prompt, p) }

func flowURL(flowID, step, authRequestID string) string {
	u := "/login/" + url.PathEscape(flowID)
	if step != "" {
		u += "/" + step
	}
	return u + "?authRequestID=" + url.QueryEscape(authRequestID)
}

// unavailable is the page of a failure: web's (503 when the database is down
// or slow, so the person knows to try again shortly; 500 for anything else),
// and 403 with its reason for an account an operator locked.
func unavailable(err error) *web.UserError {
	if errors.Is(err, directory.ErrAccountBlocked) { // the operator's lock, after a right credential
		return &web.UserError{Status: http.StatusForbidden, Key: "login.account_blocked", Err: err}
	}
	return web.Unavailable(err)
}

// strongEnough is the one check, before any answer to a client, that the sign-in
// meets the client's min_acr: the pages send a person to the method the client
// needs, but every other method's form can still be posted, and every way to an
// answer (finish, the device decision) passes here. A client that cannot be read
// is an error, not "no minimum" (fail closed).
func (h *Handler) strongEnough(ctx context.Context, clientID, acr string) *web.UserError {
	c, err := h.store.ClientByID(ctx, clientID)
	if err != nil {
		return unavailable(fmt.Errorf("minimum acr of client %q: %w", clientID, err))
	}
	if c.MinACR != "" && !directory.ACRSatisfies(acr, c.MinACR) {
		e := &web.UserError{Status: http.StatusForbidden, Key: "error.acr_too_weak",
			Err: fmt.Errorf("client %q needs acr %s, the sign-in has %q", clientID, c.MinACR, acr)}
		e.App, e.Home = h.appHome(ctx, clientID)
		return e
	}
	return nil
}

// RequiredACR is the weakest sign-in the request accepts: the client's minimum,
// raised to the weakest class the RP listed in acr_values (any of them will do).
// When the client cannot be read the minimum is unknown, and that is an error,
// not "no minimum": a database hiccup must not let a password session answer a
// client that demands a certificate (fail closed).
func RequiredACR(ctx context.Context, clients interface {
	ClientByID(context.Context, string) (storage.Client, error)
}, ar storage.AuthRequest) (string, error) {
	want := ""
	for _, v := range ar.ACRValues {
		if directory.ACRSatisfies(v, v) && (want == "" || directory.ACRSatisfies(want, v)) {
			want = v
		}
	}
	c, err := clients.ClientByID(ctx, ar.ClientID)
	if err != nil {
		return "", fmt.Errorf("minimum acr of client %q: %w", ar.ClientID, err)
	}
	if c.MinACR != "" && (want == "" || directory.ACRSatisfies(c.MinACR, want)) {
		want = c.MinACR
	}
	return want, nil
}
