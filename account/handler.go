package account

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/directory/tries"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// Config is what the account pages need.
type Config struct {
	Issuer string
	// CSRFKey signs the CSRF cookie; 32 bytes, the same on every instance (and
	// the same as login's: a form of one audience posts to the other's).
	CSRFKey []byte
	// CaptchaOrigins are a hosted captcha's origins, allowed by the security
	// headers as on every page of Vhod.
	CaptchaOrigins []string
	// ConsentVersion names the consent texts in force (the news consent).
	ConsentVersion string
	// PasswordMinLength is shown in the message about short passwords.
	PasswordMinLength int
	// Audit records security events (nil: none).
	Audit *directory.Auditor
	// Email and SMS send codes to a new email or phone, invitations and the
	// company's email code; nil: that channel is off. SendLimits counts the
	// messages whose answer must not wait for the send (nil: no limits).
	Email      notify.EmailSender
	SMS        notify.SMSSender
	SendLimits web.SendLimits
	// OTPKey keys the HMAC of stored one-time codes; 32 bytes, the same on every instance.
	OTPKey []byte
	// RevokeSession revokes the tokens of one ended session and tells its clients.
	RevokeSession func(ctx context.Context, sess storage.Session) error
	// Reauths ask a stale session to sign in again before a way in changes.
	Reauths *flows.Reauths
	// Notices tell the owner that a way in changed; nil: none.
	Notices *directory.ChangeNotices
	// Verifier checks certificates (their section of the account page, the
	// integration systems); nil: certificates are off. TLSURL is the origin of
	// the listener that asks for client certificates (mTLS token endpoint).
	Verifier *certauth.Verifier
	TLSURL   string
	// Companies, OrgStore: the company pages (registration, joining, org
	// admin); nil: off. Registry prefills registrations (nil: typing only).
	Companies companies
	OrgStore  orgReader
	Registry  registry.Registry
	// Systems are companies' integration systems, managed by their org_admin
	// (nil: off); ClientsChanged tells the provider a client changed.
	Systems        systems
	ClientsChanged func()
	// Links unlinks outside providers' identities; ProviderName is a
	// provider's label in a language ("" when it is not configured). Nil: the
	// linked providers are listed under their IDs and cannot be unlinked.
	Links        linker
	ProviderName func(ctx context.Context, id, lang string) string
	// Accountants sets the PINs of the sign-in by contract; nil: off.
	Accountants accountants
	// Factors are the second factors and passkeys (the "Sign-in and
	// security" section; directory/factors.Service); nil: the section is off.
	Factors secondFactors
	// DevicePage: the device page (login's) signs in through the account
	// client and comes back by the callback; ConsoleOn links the console.
	DevicePage, ConsoleOn bool
	// TimeZone is where the pages show times (ui.time_zone); nil: web.DefaultZone.
	TimeZone *time.Location
	Logger   *slog.Logger
}

// people is what the account pages need of directory's accounts.
type people interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
	UserByLogin(ctx context.Context, login string) (storage.User, error)
	ChangePassword(ctx context.Context, userID, old, new string) error
	SetFirstPassword(ctx context.Context, userID, new string) error
	UnbindCertificate(ctx context.Context, userID, fingerprint string) error
}

// store is what the account pages need of storage.
type store interface {
	SessionByID(ctx context.Context, id string) (storage.Session, error)
	DeleteSession(ctx context.Context, id string) error
	ListUserSessions(ctx context.Context, userID string) ([]storage.Session, error)
	UpdateProfile(ctx context.Context, userID string, p storage.Profile) error
	ChangeIdentifier(ctx context.Context, userID, kind, value string) error
	CreateFlow(ctx context.Context, f storage.Flow) error
	FlowByID(ctx context.Context, id string) (storage.Flow, error)
	SaveFlow(ctx context.Context, f storage.Flow) (storage.Flow, error)
	tries.Store // wrong old passwords (oldpassword.go)
}

// accountants sets the accountant PIN of a company's contract (orgs.Service).
type accountants interface {
	SetAccountantPIN(ctx context.Context, orgID, contract, pin string, by directory.Actor) error
}

// Handler serves the person's own pages under /account.
type Handler struct {
	cfg     Config
	store   store
	people  people
	cookies *web.Cookies
	catalog *web.Catalog
	pages   *web.Renderer
	log     *slog.Logger
	secure  bool
	now     func() time.Time
}

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the templates that must exist; a missing one stops start-up.
var pageNames = []string{"account", "companies", "company_join", "company_register", "company_members", "company_systems", "security", "totp", "recovery_codes"}

// formField is one labelled input of a long form, with its error; Required
// marks it (an asterisk, aria-required).
type formField struct {
	Name, Label, Value, Err string
	Required                bool
}

var templateFuncs = template.FuncMap{
	"field": func(name, label, value, err string) formField {
		return formField{Name: name, Label: label, Value: value, Err: err}
	},
	"req":  func(f formField) formField { f.Required = true; return f },
	"list": func(s ...string) []string { return s },
	"has":  slices.Contains[[]string],
}

// New prepares the handler; it fails if a template or message catalog is broken.
func New(cfg Config, st store, p people, cookies *web.Cookies) (*Handler, error) {
	cat, err := web.NewCatalog()
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := web.NewRenderer(cat, cfg.Logger, templateFS, pageNames, templateFuncs)
	if err != nil {
		return nil, err
	}
	pages.SetTimeZone(cfg.TimeZone)
	if len(cfg.CSRFKey) != 32 {
		return nil, errors.New("account: CSRF key must be 32 bytes")
	}
	if cfg.SMS != nil && len(cfg.OTPKey) != 32 {
		return nil, errors.New("account: OTP key must be 32 bytes")
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if cfg.Reauths == nil {
		cfg.Reauths = flows.NewReauths(st, cfg.Audit, 0, 0, nil)
	}
	h := &Handler{cfg: cfg, store: st, people: p, cookies: cookies, catalog: cat, pages: pages,
		log: cfg.Logger, secure: u.Scheme == "https", now: time.Now}
	pages.SetFramer(h.frame)
	return h, nil
}

// Mount adds the account routes to r, with the middlewares of every page:
// the body bound, the security headers, the browser cookies and CSRF.
func (h *Handler) Mount(r *mux.Router) {
	pages := r.NewRoute().Subrouter()
	pages.Use(web.LimitBody, web.SecurityHeaders(h.cfg.CaptchaOrigins), h.cookies.Middleware, h.pages.CSRF(h.cfg.CSRFKey, h.secure, nil))
	pages.HandleFunc("/account", h.account).Methods(http.MethodGet)
	pages.HandleFunc("/account/callback", h.accountCallback).Methods(http.MethodGet)
	pages.HandleFunc("/account/profile", h.accountProfile).Methods(http.MethodPost)
	pages.HandleFunc("/account/password", h.accountPassword).Methods(http.MethodPost)
	pages.HandleFunc("/account/sessions/others", h.accountSignOutOthers).Methods(http.MethodPost)
	pages.HandleFunc("/account/identifier", h.accountIdentifier).Methods(http.MethodPost)
	pages.HandleFunc("/account/identifier/confirm", h.accountIdentifierConfirm).Methods(http.MethodPost)
	pages.HandleFunc("/account/certificate", h.accountCertificateBind).Methods(http.MethodGet)
	pages.HandleFunc("/account/certificate/remove", h.accountCertificateRemove).Methods(http.MethodPost)
	pages.HandleFunc("/account/provider/remove", h.accountLinkRemove).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies", h.companiesList).Methods(http.MethodGet)
	pages.HandleFunc("/account/companies/join", h.companyJoinForm).Methods(http.MethodGet)
	pages.HandleFunc("/account/companies/join", h.companyJoin).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/register", h.companyRegisterStart).Methods(http.MethodGet)
	pages.HandleFunc("/account/companies/register/{flow}", h.companyRegisterShow).Methods(http.MethodGet)
	pages.HandleFunc("/account/companies/register/{flow}/{step}", h.companyRegisterStep).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/leave", h.companyLeave).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/accept", h.companyAccept).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/members", h.orgMembers).Methods(http.MethodGet)
	pages.HandleFunc("/account/companies/{org}/members/{user}/roles", h.orgMemberRoles).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/requests/{user}/{decision:approve|reject}", h.orgRequestDecision).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/contracts", h.orgContractPIN).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/invitations", h.orgInvite).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/invitations/withdraw", h.orgInvitationWithdraw).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/resubmit", h.companyResubmit).Methods(http.MethodPost)
	pages.HandleFunc("/account/companies/{org}/sign-in-policy", h.orgSignInPolicy).Methods(http.MethodPost)
	h.mountSecurity(pages)
	if h.cfg.Systems != nil {
		pages.HandleFunc("/account/companies/{org}/systems", h.orgSystems).Methods(http.MethodGet)
		pages.HandleFunc("/account/companies/{org}/systems/register", h.orgSystemRegister).Methods(http.MethodPost)
		pages.HandleFunc("/account/companies/{org}/systems/{client}/{action:roles|remove}", h.orgSystemAction).Methods(http.MethodPost)
	}
}

// actor is the person acting, as directory's services audit them; Lang is
// the page's language, for mail to someone who chose none.
func (h *Handler) actor(r *http.Request, userID string) directory.Actor {
	return directory.Actor{ID: userID, IP: clientaddr.Of(r), UserAgent: r.UserAgent(), Lang: web.PickLanguage(r, nil).String()}
}

// audit records an event with the request's address and user agent.
func (h *Handler) audit(r *http.Request, e storage.AuditEvent) {
	e.IP, e.UserAgent = clientaddr.Of(r), r.UserAgent() // the Auditor bounds the user agent
	h.cfg.Audit.Record(r.Context(), e)
}

// base is what every account page has.
type base struct{ web.Base }

// newBase prepares a page of the signed-in person u, in the wide layout.
func (h *Handler) newBase(r *http.Request, u storage.User, lang language.Tag, titleKey string) base {
	b := h.pages.Base(r, lang, titleKey)
	b.Shell = h.shell(r, b.Translator, u)
	return base{Base: b}
}

// fail answers with the error page in the page's language.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, uerr *web.UserError) {
	h.pages.Fail(w, r, web.PickLanguage(r, nil), uerr)
}

// flow is a stored flow with the transition rules (directory/flows).
type flow = flows.Flow

// move takes the flow to s and saves it (flows.Move).
func (h *Handler) move(r *http.Request, f *flow, s flows.State) *web.UserError {
	return flowFailure(flows.Move(r.Context(), h.store, f, s, h.now()))
}

// flowFailure is the page for a flow that could not move (a refused step is
// a bad request, losing the race to another tab a conflict: web.Unavailable
// reads both from the error), nil when it moved.
func flowFailure(err error) *web.UserError {
	if err == nil {
		return nil
	}
	return web.Unavailable(err)
}

// spendCodeAttempt counts an attempt at the flow's code, saved before the
// comparison (flows.SpendAttempt): the message key of a refusal, "" when the
// code is right, or the error page when the flow could not be saved.
func (h *Handler) spendCodeAttempt(r *http.Request, f *flow, code string) (string, *web.UserError) {
	refusal, err := flows.SpendAttempt(r.Context(), h.store, f, h.cfg.OTPKey, code, h.now())
	return refusal, flowFailure(err)
}

// issueCode makes a one-time code for the flow's recipient and saves the flow
// as waiting for it (flows.Issue). The caller sends the code.
func (h *Handler) issueCode(r *http.Request, f *flow, to string, lifetime time.Duration) (string, *web.UserError) {
	code, err := flows.Issue(r.Context(), h.store, f, h.cfg.OTPKey, to, lifetime, h.now())
	return code, flowFailure(err)
}

// checkSend counts a message before it is sent (web.CheckSend).
func (h *Handler) checkSend(r *http.Request, channel, to string) (*http.Request, error) {
	return web.CheckSend(r, h.cfg.SendLimits, channel, to)
}

// accountLang is the language of the person's pages.
func accountLang(r *http.Request, u storage.User) language.Tag {
	return web.PersonLanguage(r, u.Locale)
}

func minLengthText(n int) string { return fmt.Sprint(max(n, 8)) }

// Missing is the page for a page path nobody serves (404) or a method a page
// does not take (405), in the common layout (web.Renderer.Missing): in the
// person's frame when they are signed in (a GET reads the cookies and gets a
// CSRF token for the frame's "Sign out"), else in the card. Any other method
// gets the card without those middlewares, so that a stray POST is still a
// 404 or 405 rather than a CSRF refusal.
func (h *Handler) Missing(status int) http.Handler {
	card := h.pages.Missing(status)
	framed := h.cookies.Middleware(h.pages.CSRF(h.cfg.CSRFKey, h.secure, nil)(card))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			framed.ServeHTTP(w, r)
			return
		}
		card.ServeHTTP(w, r)
	})
}
