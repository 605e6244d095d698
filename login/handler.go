package login

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/internal/onceread"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// Config is what the login pages need.
type Config struct {
	Issuer          string
	FlowLifetime    time.Duration
	SessionLifetime time.Duration
	// Notices tell the owner that a way in changed (a password reset by SMS,
	// a certificate bound); nil: none.
	Notices *directory.ChangeNotices
	// CSRFKey signs the CSRF cookie; 32 bytes, the same on every instance.
	CSRFKey []byte
	// DeviceKey signs device cookies (browsers that signed in before, spared the
	// account lock); 32 bytes, the same on every instance; nil: no device cookies.
	DeviceKey []byte
	// CodeLifetime is how long a completed auth request waits for its code exchange.
	CodeLifetime time.Duration
	// Callback is op's URL that finishes a completed auth request.
	Callback func(ctx context.Context, authRequestID string) string
	// Deny returns the browser to the client with an OAuth error code.
	Deny func(w http.ResponseWriter, r *http.Request, authRequestID, code string)
	// Limits on failed sign-ins; zero values turn a limit off.
	Limits Limits
	// OnSignIn, when set, hears every sign-in attempt: method and outcome
	// (success, failure, limited).
	OnSignIn func(method, outcome string)
	// Audit records security events (nil: none).
	Audit *directory.Auditor
	// Captcha checks people after repeated failures; nil: none.
	Captcha captcha.Verifier
	// RevokeUser revokes every token of a user after a password reset.
	RevokeUser func(ctx context.Context, userID string) error
	// OTPKey keys the HMAC of stored one-time codes; 32 bytes, the same on
	// every instance; nil: no codes (the methods that send them stay off).
	OTPKey []byte
	// PasswordMinLength is shown in the message about short passwords.
	PasswordMinLength int
	// TimeZone is where the pages, and those of login's method packages, show
	// dates and times (ui.time_zone); nil: web.DefaultZone.
	TimeZone *time.Location
	// Orgs lists a person's companies, for the org scope; nil: no organisations.
	Orgs   orgRules
	Logger *slog.Logger
}

// Limits bound failed sign-ins per client address and per identifier in a window.
type Limits struct {
	Window        time.Duration
	PerIP         int
	PerIdentifier int
	// CaptchaAfter failures of the address or the identifier, the form asks for a
	// captcha (0: never).
	CaptchaAfter int
	// DelayAfter failures of one account, answers slow down (1 s, 2 s, 4 s, at most
	// 8 s); LockAfter failures lock it for LockFor. Zero turns each off.
	DelayAfter, LockAfter int
	LockFor               time.Duration
}

// accounts is what login needs from directory.
type accounts interface {
	Authenticate(ctx context.Context, login, password string, opts ...directory.AuthOption) (storage.User, error)
	UserByID(ctx context.Context, id string) (storage.User, error)
	UserByLogin(ctx context.Context, login string) (storage.User, error)
	ChangeTemporaryPassword(ctx context.Context, userID, old, new string) (recovered bool, err error)
	Lock(ctx context.Context, userID string, until time.Time) error
}

// store is what login needs from storage.
type store interface {
	AuthRequestByID(ctx context.Context, id string) (storage.AuthRequest, error)
	AuthRequestClient(ctx context.Context, id string) (string, error)
	CompleteAuthRequest(ctx context.Context, id string, c storage.Completion, expiresAt time.Time) error
	ClientByID(ctx context.Context, id string) (storage.Client, error)
	CreateFlow(ctx context.Context, f storage.Flow) error
	FlowByID(ctx context.Context, id string) (storage.Flow, error)
	SaveFlow(ctx context.Context, f storage.Flow) (storage.Flow, error)
	CreateSession(ctx context.Context, s storage.Session) error
	SessionByID(ctx context.Context, id string) (storage.Session, error)
	DeleteSession(ctx context.Context, id string) error
	AddSessionClient(ctx context.Context, sid, clientID string) error
	SetSessionOrg(ctx context.Context, id, orgID string) error
	DeleteUserSessions(ctx context.Context, userID string) error
	GrantConsent(ctx context.Context, userID, clientID string, scopes []string, at time.Time) error
	ConsentedScopes(ctx context.Context, userID, clientID string) ([]string, error)
	storage.Counters
}

// Handler serves the login pages.
type Handler struct {
	cfg      Config
	store    store
	accounts accounts
	cookies  *web.Cookies
	catalog  *web.Catalog
	pages    *web.Renderer
	log      *slog.Logger
	secure   bool
	now      func() time.Time
	// parts are the method packages' pages, from Mount; gate the one that is a Gate.
	parts []Pages
	gate  Gate
	// fresh holds the flow start has just written, with its request, for the
	// form page the browser is sent to next; any other page of the flow drops
	// it (it may change the flow), and posts read the database.
	fresh *onceread.Map[freshFlow]
}

// freshMax bounds the flows kept for their form page: a flow with its request
// is at most ~10 KB (the /authorize parameter limits), so ~10 MB, and 1,024
// within two seconds is far beyond what the password hash lets a core sign in.
const freshMax = 1024

// New prepares the handler; it fails if a template or message catalog is broken.
func New(cfg Config, st store, acc accounts, cookies *web.Cookies) (*Handler, error) {
	cat, err := web.NewCatalog()
	if err != nil {
		return nil, err
	}
	pages, err := web.NewRenderer(cat, cfg.Logger, templateFS, pageNames, templateFuncs, sharedTemplates...)
	if err != nil {
		return nil, err
	}
	pages.SetTimeZone(cfg.TimeZone)
	if len(cfg.CSRFKey) != 32 {
		return nil, errors.New("login: CSRF key must be 32 bytes")
	}
	if cfg.DeviceKey != nil && len(cfg.DeviceKey) != 32 {
		return nil, errors.New("login: device cookie key must be 32 bytes")
	}
	if cfg.OTPKey != nil && len(cfg.OTPKey) != 32 {
		return nil, errors.New("login: OTP key must be 32 bytes")
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if cfg.OnSignIn == nil {
		cfg.OnSignIn = func(string, string) {}
	}
	return &Handler{cfg: cfg, store: st, accounts: acc, cookies: cookies, catalog: cat, pages: pages,
		log: cfg.Logger, secure: u.Scheme == "https", now: time.Now, fresh: onceread.New[freshFlow](2*time.Second, freshMax)}, nil
}

// Mount adds the login routes to r, and those of the method packages' parts.
func (h *Handler) Mount(r *mux.Router, parts ...Pages) {
	h.parts = parts
	bare := r.NewRoute().Subrouter()
	bare.Use(withSignedIn)
	r.PathPrefix(web.StaticPrefix).Handler(web.Static())

	pages := r.NewRoute().Subrouter()
	pages.Use(web.LimitBody, h.securityHeaders, h.cookies.Middleware, h.csrf(), withSignedIn)
	pages.HandleFunc("/login", h.start).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}", h.show).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/password", h.password).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/consent", h.consent).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/org", h.orgChoice).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/password/change", h.passwordChange).Methods(http.MethodPost)
	for _, p := range parts {
		p.Mount(bare, pages)
		if g, ok := p.(Gate); ok {
			h.gate = g
		}
	}
}

// csrf is web's protection of every form, but for RP-Initiated Logout 1.0
// §2: relying parties may POST to end_session (login/logout) from their own
// pages, which carry no token of ours. That is safe: a POST there only turns
// into the same request by GET.
func (h *Handler) csrf() func(http.Handler) http.Handler {
	return h.pages.CSRF(h.cfg.CSRFKey, h.secure, func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Path == "/end_session"
	})
}

// securityHeaders are web's, with a hosted captcha's origins allowed.
func (h *Handler) securityHeaders(next http.Handler) http.Handler {
	var origins []string
	if h.cfg.Captcha != nil {
		origins = h.cfg.Captcha.Widget().Origins
	}
	return web.SecurityHeaders(origins)(next)
}

// audit records an event with the request's address and user agent.
// actor is the person acting, as directory's services audit them; Lang is
// the page's language, for mail to someone who chose none.
func (h *Handler) actor(r *http.Request, userID string) directory.Actor {
	return directory.Actor{ID: userID, IP: clientIP(r), UserAgent: r.UserAgent(), Lang: web.PickLanguage(r, nil).String()}
}

func (h *Handler) audit(r *http.Request, e storage.AuditEvent) {
	e.IP, e.UserAgent = clientIP(r), r.UserAgent() // the Auditor bounds the user agent
	h.cfg.Audit.Record(r.Context(), e)
}
