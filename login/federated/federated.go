// Package federated is sign-in through outside identity providers
// (Госуслуги, Яндекс ID, VK ID, Сбер ID, any OpenID provider), one of
// login's methods over the connector library. The password form shows a
// button per provider; the button stores the connector's secrets (state,
// nonce, PKCE verifier, start time) in the sign-in flow bound to this browser
// and sends the browser to the provider. The provider sends it back to one
// callback address for every provider (the one registered with them); a
// cookie names the flow, whose secrets must match.
//
// Back from the provider, directory decides the account: the one the
// identity is linked to; else one with the same SNILS (Госуслуги) or, where
// the operator allows it, the same verified email (linked then, the owner
// told); else the person chooses between signing in to their account another
// way (the identity joins it then) and making an account from the identity.
//
// Routes, on the login pages' router:
//
//	POST /login/{flow}/federated/{provider}  start: to the provider
//	GET  /login/federated/callback           back from the provider
//	POST /login/{flow}/federated/choice      "I already have an account" or "Create an account"
package federated

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Method names a sign-in through an outside provider (metrics, audit).
const Method login.Method = "federated"

// AMR is the RFC 8176 value of a federated sign-in; the provider's own
// methods follow it where it names them.
const AMR = "fed"

// CallbackPath is the redirect URI registered with every provider (under the
// issuer).
const CallbackPath = "/login/federated/callback"

// flowCookie names the flow a callback belongs to. Lax, not Strict: the
// provider's redirect back is a cross-site navigation.
const flowCookie = "vhod_federated"

// LinkWindow is how long an outside identity waits to join the account of
// whoever signs in next in its flow: a browser left at the password form
// must not link it to a later person's account.
const LinkWindow = 10 * time.Minute

// accounts is what sign-in through outside providers needs from directory.
type accounts interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
	FindForIdentity(ctx context.Context, o directory.OutsideIdentity) (storage.User, string, error)
	LinkIdentity(ctx context.Context, userID string, o directory.OutsideIdentity) error
	CreateUserFromIdentity(ctx context.Context, o directory.OutsideIdentity, locale string) (storage.User, error)
}

// Pages are the outside providers' buttons and pages.
type Pages struct {
	providers connector.Registry
	kit       *login.Kit
	accounts  accounts
	pages     *web.Renderer
	secure    bool
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the pages over the providers of reg (nil: none).
func New(reg connector.Registry, kit *login.Kit, acc accounts) (*Pages, error) {
	pages, err := kit.Renderer(templateFS, "federated_choice", "federated_failed")
	if err != nil {
		return nil, err
	}
	if reg == nil {
		reg = connector.Static(nil)
	}
	return &Pages{providers: reg, kit: kit, accounts: acc, pages: pages,
		secure: strings.HasPrefix(kit.Issuer(), "https://")}, nil
}

var (
	_ login.Pages       = (*Pages)(nil)
	_ login.ButtonPages = (*Pages)(nil)
	_ login.Joiner      = (*Pages)(nil)
	_ login.NoticePages = (*Pages)(nil)
)

// Mount adds the pages.
func (h *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc(CallbackPath, h.callback).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/federated/choice", h.choose).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/federated/{provider}", h.start).Methods(http.MethodPost)
}

// Links: the providers are buttons (Buttons), not links.
func (h *Pages) Links(map[string]string, login.Flow, storage.AuthRequest) {}

// Buttons are the enabled providers, labelled in the page's language.
func (h *Pages) Buttons(r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) []login.Button {
	cs, err := h.providers.Connectors(r.Context())
	if err != nil {
		h.kit.Logger().WarnContext(r.Context(), "identity providers not listed", "err", err)
		return nil
	}
	var out []login.Button
	for _, c := range cs {
		t := h.kit.Translator(lang)
		out = append(out, login.Button{Label: t.T("fed.button", "Provider", c.DisplayName(lang.String())),
			Action: login.FlowURL(f.ID, "federated/"+c.ID(), ar.ID)})
	}
	return out
}

// Show draws the choice of a flow whose identity has no account yet.
func (h *Pages) Show(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) bool {
	if !f.In(flows.StateFederatedChoice) {
		return false
	}
	h.renderChoice(w, r, http.StatusOK, f, ar, lang, "")
	return true
}

// FirstStep: no acr is reached only through a provider.
func (h *Pages) FirstStep(string) string { return "" }

// Join links the identity waiting in the flow ("I already have an account",
// a step-up, an account its SNILS or email matched) to the account just
// signed in to, by whatever method, once the sign-in is whole (the core calls
// it after the second-factor gate), and only within LinkWindow of the choice;
// it drops what an abandoned trip to a provider left in the flow.
func (h *Pages) Join(r *http.Request, f *login.Flow, userID string) {
	p := f.Federated
	if p == nil {
		return
	}
	f.Federated = nil
	if !p.Link || p.Identity == nil {
		return
	}
	reason := cmp.Or(p.LinkReason, "signed_in")
	if !h.linkFresh(p) {
		h.kit.Logger().WarnContext(r.Context(), "outside identity not linked: chosen too long ago", "provider", p.Provider, "user", userID, "since", p.LinkSince)
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventIdentityLinked, Outcome: directory.OutcomeFailure, UserID: userID,
			Details: map[string]string{"provider": p.Identity.Provider, "reason": reason, "refused": "expired"}})
		return
	}
	h.link(r, *p.Identity, userID, reason, f.AuthRequestID)
}

// linkFresh: the link was chosen within LinkWindow.
func (h *Pages) linkFresh(p *storage.PendingFederated) bool {
	return !p.LinkSince.IsZero() && h.kit.Now().Sub(p.LinkSince) <= LinkWindow
}

// pendingLink is o waiting in the flow to join the account of the sign-in.
func (h *Pages) pendingLink(o directory.OutsideIdentity, reason string) *storage.PendingFederated {
	now := h.kit.Now().UTC()
	return &storage.PendingFederated{Provider: o.Provider, Identity: &o, StartedAt: now, Link: true, LinkSince: now, LinkReason: reason}
}

// toLink sends the person to sign in to their account (any method; the
// password form says what joins it), after which o joins it (Join).
func (h *Pages) toLink(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, o directory.OutsideIdentity, reason string) {
	f.Federated = h.pendingLink(o, reason)
	if uerr := h.kit.Move(r, &f, flows.StateStarted); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	http.Redirect(w, r, login.FlowURL(f.ID, "", ar.ID)+"&method="+string(login.MethodPassword), http.StatusSeeOther)
}

// Notice tells on the password form which outside account will join the
// account signed in to.
func (h *Pages) Notice(r *http.Request, f login.Flow, lang language.Tag) string {
	p := f.Federated
	if p == nil || !p.Link || p.Identity == nil || !h.linkFresh(p) {
		return ""
	}
	t := h.kit.Translator(lang)
	name := web.NBSP(h.providerName(r.Context(), p.Provider, lang))
	if label := p.Identity.Label(); label != "" {
		return t.T("f2.fed.linking", "Provider", name, "Account", label, "Minutes", strconv.Itoa(int(LinkWindow.Minutes())))
	}
	return t.T("f2.fed.linking_unnamed", "Provider", name, "Minutes", strconv.Itoa(int(LinkWindow.Minutes())))
}

// link links o to the account and tells the owner; a refusal (another
// account has it meanwhile) is logged and audited, the sign-in goes on.
func (h *Pages) link(r *http.Request, o directory.OutsideIdentity, userID, reason, clientID string) bool {
	details := map[string]string{"provider": o.Provider, "reason": reason}
	if err := h.accounts.LinkIdentity(r.Context(), userID, o); err != nil {
		h.kit.Logger().WarnContext(r.Context(), "outside identity not linked", "provider", o.Provider, "user", userID, "err", err)
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventIdentityLinked, Outcome: directory.OutcomeFailure, UserID: userID, Details: details})
		return false
	}
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventIdentityLinked, Outcome: directory.OutcomeSuccess, UserID: userID, Details: details})
	if u, err := h.accounts.UserByID(r.Context(), userID); err == nil {
		h.kit.TellOfChange(r, u, directory.ChangeProviderLinked)
	}
	return true
}

// start sends the browser to the provider (POST /login/{flow}/federated/{provider}).
func (h *Pages) start(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, _, uerr := h.kit.LoadFlow(r, flows.KindLogin)
	if uerr == nil && !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("provider started in state " + f.State)}
	}
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	c, err := h.providers.Connector(r.Context(), mux.Vars(r)["provider"])
	if errors.Is(err, connector.ErrUnknownProvider) {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	s := connector.NewFlowSecrets()
	f.Federated = &storage.PendingFederated{Provider: c.ID(), State: s.State, Nonce: s.Nonce, Verifier: s.Verifier, StartedAt: h.kit.Now().UTC()}
	to, err := c.Start(r.Context(), connector.StartRequest{RedirectURI: h.redirectURI(), State: s.State, Nonce: s.Nonce,
		Verifier: s.Verifier, Lang: baseLang(lang)})
	if err != nil {
		h.refused(w, r, f, ar, lang, c.ID(), err)
		return
	}
	if uerr := h.kit.Move(r, &f, flows.State(f.State)); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: web.CookieName(h.secure, flowCookie), Value: f.ID, Path: "/", HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(connector.MaxFlowAge.Seconds())})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (h *Pages) redirectURI() string { return strings.TrimSuffix(h.kit.Issuer(), "/") + CallbackPath }

// callback takes the provider's answer (GET /login/federated/callback).
func (h *Pages) callback(w http.ResponseWriter, r *http.Request) {
	name := web.CookieName(h.secure, flowCookie)
	ck, err := r.Cookie(name)
	http.SetCookie(w, &http.Cookie{Name: name, Path: "/", HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	if err != nil || ck.Value == "" {
		lang := web.PickLanguage(r, nil)
		h.audit(r, "", "", connector.KindState, "")
		h.renderFailed(w, r, http.StatusBadRequest, lang, connector.KindState, "", "")
		return
	}
	r = mux.SetURLVars(r, map[string]string{"flow": ck.Value})
	f, ar, lang, replaced, uerr := h.kit.LoadFlow(r, flows.KindLogin)
	if uerr != nil {
		// The sign-in expired, or belongs to another browser.
		h.audit(r, "", "", connector.KindState, "")
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	p := f.Federated
	if replaced || p == nil || p.State == "" || (!f.In(flows.StateStarted) && !f.In(flows.StateCodeSent)) {
		// No trip to a provider waits in this flow: the answer is a replay, or
		// for a flow that has moved on.
		h.audit(r, ar.ClientID, "", connector.KindState, "")
		h.renderFailed(w, r, http.StatusBadRequest, lang, connector.KindState, "", login.FlowURL(f.ID, "", ar.ID))
		return
	}
	// The secrets leave the flow before they are used: a second answer finds
	// none.
	secrets := *p
	f.Federated = nil
	if uerr := h.kit.Move(r, &f, flows.State(f.State)); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	c, err := h.providers.Connector(r.Context(), secrets.Provider)
	if err != nil {
		h.refused(w, r, f, ar, lang, secrets.Provider, err)
		return
	}
	id, err := c.Callback(r.Context(), connector.CallbackRequest{Query: r.URL.Query(), RedirectURI: h.redirectURI(),
		State: secrets.State, Nonce: secrets.Nonce, Verifier: secrets.Verifier, StartedAt: secrets.StartedAt})
	if err == nil && (id == nil || id.Subject == "") {
		err = &connector.Error{Kind: connector.KindInvalid, Provider: c.ID(), Err: errors.New("no subject in the identity")}
	}
	if err != nil {
		h.refused(w, r, f, ar, lang, c.ID(), err)
		return
	}
	h.vouched(w, r, f, ar, lang, outside(c, id))
}

// vouched finds the account of an identity the provider vouched for and
// signs in, or asks the person what to do.
func (h *Pages) vouched(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, o directory.OutsideIdentity) {
	u, match, err := h.accounts.FindForIdentity(r.Context(), o)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if f.SessionUserID != "" {
			// A signed-in person stepping up with an identity no account has:
			// a session (perhaps old, perhaps of one factor) does not prove
			// that identity is theirs. They sign in to their account anew, the
			// second factor included, and it joins then (Join).
			h.toLink(w, r, f, ar, lang, o, "session")
			return
		}
		f.Federated = &storage.PendingFederated{Provider: o.Provider, Identity: &o, StartedAt: h.kit.Now().UTC()}
		if uerr := h.kit.Move(r, &f, flows.StateFederatedChoice); uerr != nil {
			h.kit.Fail(w, r, lang, uerr)
			return
		}
		http.Redirect(w, r, login.FlowURL(f.ID, "", ar.ID), http.StatusSeeOther)
		return
	case err != nil:
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	if f.SessionUserID != "" && f.SessionUserID != u.ID {
		h.renderFailed(w, r, http.StatusConflict, lang, "", "fed.error.other_account", login.FlowURL(f.ID, "", ar.ID))
		return
	}
	if u.Disabled {
		h.kit.OnSignIn(Method, login.OutcomeFailure)
		h.renderFailed(w, r, http.StatusForbidden, lang, "", "fed.error.disabled", login.FlowURL(f.ID, "", ar.ID))
		return
	}
	if match != directory.MatchLinked {
		// A matched identity joins the account once the sign-in is whole
		// (Join, after the second-factor gate), not on the first factor.
		f.Federated = h.pendingLink(o, match)
	} else if len(o.Orgs) > 0 {
		// What the provider says of the person's organisations changes:
		// the link keeps the latest (offered on the company pages).
		if err := h.accounts.LinkIdentity(r.Context(), u.ID, o); err != nil {
			h.kit.Logger().WarnContext(r.Context(), "organisations of a linked identity not refreshed", "err", err)
		}
	}
	h.signIn(w, r, f, ar, lang, u.ID, o)
}

// signIn starts the session of a sign-in through the provider: amr "fed"
// only, the provider's acr (password level unless the operator set one), and
// the provider for the "idp" claim. What the provider says of its own methods
// (ProviderAMR: "hwk", "mfa"…) is audited, never copied: Vhod cannot vouch for
// it, and a policy that reads amr (passkey or certificate) must not count it.
func (h *Pages) signIn(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, userID string, o directory.OutsideIdentity) {
	amr := []string{AMR}
	acr := o.ACR
	if acr == "" {
		acr = directory.ACRPassword
	}
	sess, err := h.kit.StartSession(w, r, storage.Session{UserID: userID, AMR: amr, ACR: acr, IdP: o.Provider, ClientIDs: []string{ar.ClientID}})
	if errors.Is(err, directory.ErrAccountBlocked) {
		h.renderFailed(w, r, http.StatusForbidden, lang, "", "fed.error.disabled", login.FlowURL(f.ID, "", ar.ID))
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	h.kit.OnSignIn(Method, login.OutcomeSuccess)
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: userID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(Method), "provider": o.Provider, "sid": sess.SID, "acr": acr, "provider_amr": strings.Join(o.ProviderAMR, " ")}})
	if f.Federated != nil && !f.Federated.Link {
		f.Federated = nil // a link waits for Join
	}
	h.kit.SignedIn(w, r, f, ar, lang, sess, Method)
}

// refused answers a provider's failure: a page that says what happened in
// the person's words, with the way back to the sign-in form; an audit event;
// the detail in the log.
func (h *Pages) refused(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, provider string, err error) {
	kind, code := connector.KindOf(err), ""
	var ce *connector.Error
	if errors.As(err, &ce) {
		code = ce.Code
	}
	if errors.Is(err, connector.ErrUnknownProvider) {
		kind = connector.KindConfig
	}
	h.kit.Logger().WarnContext(r.Context(), "outside provider refused", "provider", provider, "kind", kind, "err", err)
	h.kit.OnSignIn(Method, login.OutcomeFailure)
	h.audit(r, ar.ClientID, provider, kind, code)
	h.renderFailed(w, r, statusOf(kind), lang, kind, "", login.FlowURL(f.ID, "", ar.ID), provider)
}

func (h *Pages) audit(r *http.Request, clientID, provider string, kind connector.Kind, code string) {
	d := map[string]string{"method": string(Method), "reason": string(kind)}
	if provider != "" {
		d["provider"] = provider
	}
	if code != "" {
		d["code"] = code
	}
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventFederatedRefused, Outcome: directory.OutcomeFailure, ClientID: clientID, Details: d})
}

func statusOf(k connector.Kind) int {
	switch k {
	case connector.KindDenied:
		return http.StatusForbidden
	case connector.KindUnavailable:
		return http.StatusBadGateway
	case connector.KindConfig:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// outside is what directory is told of the identity, with the provider's
// rules: ESIA vouches for SNILS as an accredited CA does; a verified email
// finds an account only where the operator allows it.
func outside(c connector.Connector, id *connector.Identity) directory.OutsideIdentity {
	o := directory.OutsideIdentity{Provider: c.ID(), Subject: id.Subject, FamilyName: id.LastName, GivenName: id.FirstName,
		MiddleName: id.MiddleName, Name: id.Name, Email: id.Email, EmailVerified: id.EmailVerified, Phone: id.Phone,
		PhoneVerified: id.PhoneVerified, SNILS: id.SNILS, INN: id.INN, TrustSNILS: c.Type() == connector.TypeESIA,
		ProviderAMR: id.AMR, ACR: id.ACR}
	if l, ok := c.(connector.EmailLinker); ok {
		o.LinkByEmail = l.LinksByEmail()
	}
	for _, org := range id.Organisations {
		if org.Active && (org.OGRN != "" || org.INN != "") {
			o.Orgs = append(o.Orgs, storage.OutsideOrg{Name: firstOf(org.ShortName, org.Name), OGRN: org.OGRN, INN: org.INN, KPP: org.KPP, Chief: org.Chief})
		}
	}
	return o
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func baseLang(t language.Tag) string {
	b, _ := t.Base()
	return b.String()
}

type choicePage struct {
	login.Base
	Action, Client, Provider, Error string
	Identity                        directory.OutsideIdentity
}

func (h *Pages) renderChoice(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, errKey string) {
	if f.Federated == nil || f.Federated.Identity == nil {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("no outside identity waits in the flow")})
		return
	}
	page := choicePage{Base: h.kit.Base(r, lang, "fed.choice_title"), Action: login.FlowURL(f.ID, "federated/choice", ar.ID),
		Identity: *f.Federated.Identity, Provider: h.providerName(r.Context(), f.Federated.Provider, lang)}
	page.Client = h.kit.ClientName(r.Context(), ar.ClientID)
	if errKey != "" {
		page.Error = h.kit.Translator(lang).T(errKey)
	}
	h.pages.Render(w, r, status, "federated_choice", page)
}

func (h *Pages) providerName(ctx context.Context, id string, lang language.Tag) string {
	if c, err := h.providers.Connector(ctx, id); err == nil {
		return c.DisplayName(lang.String())
	}
	return id
}

// choose takes the person's choice (POST /login/{flow}/federated/choice):
// "link" signs in to an existing account another way, which the identity
// then joins (Join); "create" makes the account from the identity.
func (h *Pages) choose(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, _, uerr := h.kit.LoadFlow(r, flows.KindLogin)
	if uerr == nil && (!f.In(flows.StateFederatedChoice) || f.Federated == nil || f.Federated.Identity == nil) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "login.flow_expired", Err: errors.New("choice in state " + f.State)}
	}
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	o := *f.Federated.Identity
	switch r.PostFormValue("action") {
	case "link":
		h.toLink(w, r, f, ar, lang, o, "signed_in")
	case "create":
		u, err := h.accounts.CreateUserFromIdentity(r.Context(), o, lang.String())
		if errors.Is(err, directory.ErrIdentityTaken) {
			// Made meanwhile (another tab): that account is the person's.
			h.vouched(w, r, f, ar, lang, o)
			return
		}
		if err != nil {
			h.kit.Fail(w, r, lang, login.Unavailable(err))
			return
		}
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventRegistration, Outcome: directory.OutcomeSuccess, UserID: u.ID, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(Method), "provider": o.Provider}})
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventIdentityLinked, Outcome: directory.OutcomeSuccess, UserID: u.ID,
			Details: map[string]string{"provider": o.Provider, "reason": "registration"}})
		h.signIn(w, r, f, ar, lang, u.ID, o)
	default:
		h.renderChoice(w, r, http.StatusBadRequest, f, ar, lang, "fed.error.choose")
	}
}

type failedPage struct {
	login.Base
	Message, Back string
}

// renderFailed draws a failure: the kind's sentence (or the key's), and the
// way back to the sign-in form when the flow is known.
func (h *Pages) renderFailed(w http.ResponseWriter, r *http.Request, status int, lang language.Tag, kind connector.Kind, key, back string, provider ...string) {
	if key == "" {
		key = kind.MessageKey()
	}
	page := failedPage{Base: h.kit.Base(r, lang, "fed.failed_title"), Back: back}
	name := ""
	if len(provider) > 0 {
		name = h.providerName(r.Context(), provider[0], lang)
	}
	page.Message = h.kit.Translator(lang).T(key, "Provider", name)
	h.pages.Render(w, r, status, "federated_failed", page)
}
