// Package logout ends sessions for relying parties (RP-Initiated Logout 1.0)
// and shows the page after: the end of a sign-in, beside login's core.
//
// Routes, on the login pages' router:
//
//	GET|POST /end_session  the end_session endpoint (asks unless the hint is current)
//	POST     /logout       the confirmation's answer
//	GET      /logged-out   the apps signed out, framed for front-channel logout
package logout

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/text/language"

	"github.com/gorilla/mux"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Config is what the logout pages need of the provider.
type Config struct {
	// Logouts checks and carries out RP-initiated logout requests; nil: the
	// end_session endpoint is not served.
	Logouts Logouts
	// SignedOut opens the sealed state of the end-session page: the apps a person
	// was signed out of and where to continue ("" to stay); ok false when stale.
	SignedOut func(sealed string) (apps []SignedOutApp, next string, ok bool)
}

// Pages are the end of a session: RP-initiated logout (GET or POST
// /end_session; the core lets its POST pass the CSRF check, as relying
// parties post it from their own pages), its confirmation (POST /logout) and
// the page after it (GET /logged-out).
type Pages struct {
	cfg   Config
	kit   *login.Kit
	pages *web.Renderer
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the pages; it fails if a template is broken.
func New(cfg Config, kit *login.Kit) (*Pages, error) {
	pages, err := kit.Renderer(templateFS, "logout_confirm", "logout_stayed", "logged_out")
	if err != nil {
		return nil, err
	}
	return &Pages{cfg: cfg, kit: kit, pages: pages}, nil
}

// Mount adds the pages.
func (h *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/logged-out", h.loggedOut).Methods(http.MethodGet)
	if h.cfg.Logouts != nil {
		pages.HandleFunc("/end_session", h.endSession).Methods(http.MethodGet, http.MethodPost)
		pages.HandleFunc("/logout", h.logoutAnswer).Methods(http.MethodPost)
		pages.HandleFunc(web.SignOutPath, h.signOut).Methods(http.MethodPost)
	}
}

// Links: logout has none on the password form.
func (h *Pages) Links(map[string]string, login.Flow, storage.AuthRequest) {}

// Show: logout owns no state of a sign-in flow.
func (h *Pages) Show(http.ResponseWriter, *http.Request, login.Flow, storage.AuthRequest, language.Tag) bool {
	return false
}

// FirstStep: no sign-in begins at logout.
func (h *Pages) FirstStep(string) string { return "" }

type logoutConfirmPage struct {
	login.Base
	Client, Sealed string
}

type loggedOutPage struct {
	login.Base
	Apps     []SignedOutApp
	Continue string
}

// SignedOutApp is a relying party a person was signed out of: its name and the
// front-channel logout URL to frame ("" when it has none).
type SignedOutApp struct{ Name, Frontchannel string }

// Logouts is what the end-session pages need from the provider.
type Logouts interface {
	// Check reads and checks an RP-initiated logout request; it ends nothing.
	// Its errors wrap ErrLogoutRedirect or ErrLogoutRequest, or are the
	// database's.
	Check(r *http.Request) (LogoutRequest, error)
	// Open opens the sealed request of a confirmation form: where to go after
	// ("" nowhere); ok is false when it is stale, damaged or another browser's.
	Open(r *http.Request, sealed string) (redirect string, ok bool)
	// End ends the browser's SSO session and says where the browser goes next.
	End(r *http.Request, redirect string) (string, error)
}

// LogoutRequest is an RP-initiated logout request as the provider checked it.
type LogoutRequest struct {
	// ClientName and ClientID name the app that asked ("" none; set also when
	// the request is refused for its redirect); Redirect is its registered
	// post-logout URI with its state ("" none).
	ClientName, ClientID, Redirect string
	// SignedIn: the browser has a session; Current: the request's
	// id_token_hint was issued in it, so it may end without asking.
	SignedIn, Current bool
	// Sealed is the request for the confirmation form.
	Sealed string
}

// Refusals of a logout request, each with its own sentence.
var (
	ErrLogoutRedirect = errors.New("post_logout_redirect_uri not registered")
	ErrLogoutRequest  = errors.New("invalid logout request")
)

// endSession is the end_session endpoint (RP-Initiated Logout 1.0 §2), by GET
// or POST. A request whose id_token_hint was issued in this browser's current
// session ends it at once; without a session there is nothing to end, and the
// browser goes on; otherwise the person is asked (§6: a logout request without
// a valid id_token_hint may be a denial of service), so a bare GET never ends a
// session. A post_logout_redirect_uri not registered for the client is refused
// with a page that says so.
func (h *Pages) endSession(w http.ResponseWriter, r *http.Request) {
	lang := h.logoutLanguage(r)
	if r.Method == http.MethodPost {
		// An RP's cross-site POST carries no SameSite=Lax session cookie, so
		// the session would look absent; the same request by GET carries it.
		http.Redirect(w, r, "/end_session?"+r.PostForm.Encode(), http.StatusSeeOther)
		return
	}
	req, err := h.cfg.Logouts.Check(r)
	switch {
	case errors.Is(err, ErrLogoutRedirect):
		// The way back is the app's registered address, never the URI refused.
		e := &web.UserError{Status: http.StatusBadRequest, Key: "logout.bad_redirect", Err: err}
		e.App, e.Home = h.kit.AppHome(r.Context(), req.ClientID)
		h.kit.Fail(w, r, lang, e)
		return
	case errors.Is(err, ErrLogoutRequest):
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "logout.bad_request", Err: err})
		return
	case err != nil:
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	if !req.SignedIn || req.Current {
		h.endAndGo(w, r, lang, req.Redirect)
		return
	}
	page := logoutConfirmPage{Base: h.kit.Base(r, lang, "logout.confirm_title"), Client: req.ClientName, Sealed: req.Sealed}
	h.pages.Render(w, r, http.StatusOK, "logout_confirm", page)
}

// logoutAnswer is the confirmation form's answer (POST /logout, CSRF-checked):
// "Sign out" ends the session as an RP-initiated logout would; "Stay signed in"
// goes back to the app when it named a way back, or says the person is still
// signed in.
func (h *Pages) logoutAnswer(w http.ResponseWriter, r *http.Request) {
	lang := h.logoutLanguage(r)
	redirect, ok := h.cfg.Logouts.Open(r, r.PostFormValue("t"))
	if !ok {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "logout.bad_request", Err: errors.New("logout confirmation stale or damaged")})
		return
	}
	switch r.PostFormValue("action") {
	case "logout":
		h.endAndGo(w, r, lang, redirect)
	case "stay":
		if redirect != "" {
			http.Redirect(w, r, redirect, http.StatusSeeOther)
			return
		}
		h.pages.Render(w, r, http.StatusOK, "logout_stayed", h.kit.Base(r, lang, "logout.stayed_title"))
	default:
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "logout.bad_request", Err: errors.New("logout confirmation without an action")})
	}
}

// signOut is the "Sign out" of the header of every signed-in page (POST
// /sign-out, CSRF-checked: no other site can sign a person out): the person
// asked in Vhod itself, so the session ends at once, as a confirmed logout
// does (tokens revoked, apps told, the logout audited), and the browser goes
// to the end-session page.
func (h *Pages) signOut(w http.ResponseWriter, r *http.Request) {
	h.endAndGo(w, r, h.logoutLanguage(r), "")
}

// endAndGo ends the session (if any) and sends the browser on.
func (h *Pages) endAndGo(w http.ResponseWriter, r *http.Request, lang language.Tag, redirect string) {
	next, err := h.cfg.Logouts.End(r, redirect)
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	h.kit.ClearSession(w)
	// Vhod's own end-session page speaks the language of the request too.
	if u, err := url.Parse(next); err == nil && strings.HasPrefix(next, h.kit.Issuer()+"/logged-out") {
		q := u.Query()
		q.Set("ui_locales", lang.String())
		u.RawQuery = q.Encode()
		next = u.String()
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logoutLanguage is the request's ui_locales (§2 allows it, by GET or POST),
// then Accept-Language.
func (h *Pages) logoutLanguage(r *http.Request) language.Tag {
	_ = r.ParseForm()
	return web.PickLanguage(r, strings.Fields(r.Form.Get("ui_locales")))
}

// loggedOut is the end-session page (GET /logged-out). With the sealed state the
// provider made at logout (?t=) it lists the apps signed out, frames their
// front-channel logout URLs (Front-Channel Logout 1.0, section 3) and then
// continues to the relying party that asked, if any (static/logout.js).
func (h *Pages) loggedOut(w http.ResponseWriter, r *http.Request) {
	page := loggedOutPage{Base: h.kit.Base(r, web.PickLanguage(r, nil), "logout.title")}
	if t := r.URL.Query().Get("t"); t != "" && h.cfg.SignedOut != nil {
		if apps, next, ok := h.cfg.SignedOut(t); ok {
			page.Apps, page.Continue = apps, next
		}
	}
	if frames := frameOrigins(page.Apps); frames != "" {
		csp := w.Header().Get("Content-Security-Policy")
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "frame-src 'none'", "frame-src "+frames, 1))
	}
	h.pages.Render(w, r, http.StatusOK, "logged_out", page)
}

// frameOrigins are the origins the page's CSP must allow to be framed.
func frameOrigins(apps []SignedOutApp) string {
	var out []string
	for _, a := range apps {
		if u, err := url.Parse(a.Frontchannel); err == nil && a.Frontchannel != "" && (u.Scheme == "https" || u.Scheme == "http") {
			out = append(out, u.Scheme+"://"+u.Host)
		}
	}
	return strings.Join(out, " ")
}
