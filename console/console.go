// Package console is the operators' and moderators' pages (/console,
// /moderation): clients, role catalogues, accounts, organisations, keys,
// trust anchors, the audit log and the moderation queue. It calls the same
// services of directory as the REST API (admin), so that each can do what
// the other does, by the same rules; console and admin never import each
// other. Moderators find their queue and org admins their companies' members
// pages through its home page.
package console

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
	"strings"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

// The services the console calls, each only with the methods it uses. They
// are directory's (*directory.Clients, …), the same the API calls.
type (
	clients interface {
		List(ctx context.Context) ([]storage.Client, error)
		Get(ctx context.Context, id string) (storage.Client, error)
		Create(ctx context.Context, in directory.ClientInput) (storage.Client, string, map[string]string, error)
		Update(ctx context.Context, id string, in directory.ClientInput, version int) (storage.Client, map[string]string, error)
		RotateSecret(ctx context.Context, id string) (storage.Client, string, error)
		Delete(ctx context.Context, id string) error
		Algorithms() []string
	}
	catalogues interface {
		List(ctx context.Context) ([]storage.RoleCatalogue, error)
		Put(ctx context.Context, c storage.RoleCatalogue) (map[string]string, error)
		Delete(ctx context.Context, id string) error
	}
	users interface {
		Get(ctx context.Context, id string) (storage.User, error)
		Find(ctx context.Context, q, after string, limit int) ([]storage.User, string, error)
		FindSorted(ctx context.Context, q, after string, by storage.Sort, limit int) ([]storage.User, string, error)
		Create(ctx context.Context, in directory.UserInput) (storage.User, map[string]string, error)
		Update(ctx context.Context, u storage.User, in directory.UserPatch) (map[string]string, error)
		Lock(ctx context.Context, id string, until time.Time, by, reason string) (time.Time, error)
		Unlock(ctx context.Context, id string) error
		RequirePasswordChange(ctx context.Context, id string) error
		Delete(ctx context.Context, id string) error
		Sessions(ctx context.Context, id string) ([]storage.Session, error)
		RevokeSession(ctx context.Context, userID, sid string) error
	}
	keys interface {
		List(ctx context.Context) ([]directory.KeyInfo, error)
		Rotate(ctx context.Context, alg string) (string, error)
		Algorithms() []string
	}
	anchors interface {
		List(ctx context.Context) ([]directory.AnchorInfo, error)
		Add(ctx context.Context, data []byte, qualified bool, by directory.Actor) (directory.AnchorInfo, error)
		Remove(ctx context.Context, id string, by directory.Actor) error
	}
	orgRules interface {
		Get(ctx context.Context, id string) (storage.Organisation, error)
		Find(ctx context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error)
		Create(ctx context.Context, o storage.Organisation, by directory.Actor) (storage.Organisation, map[string]string, error)
		UpdateRequisites(ctx context.Context, next storage.Organisation) (storage.Organisation, map[string]string, error)
		SetStatus(ctx context.Context, id, decision, reason string, by directory.Actor) (storage.Organisation, error)
		ApproveOrganisation(ctx context.Context, orgID string, by directory.Actor) (storage.Organisation, error)
		RejectOrganisation(ctx context.Context, orgID string, by directory.Actor, reason string) (storage.Organisation, error)
		ApproveJoin(ctx context.Context, userID, orgID string, by directory.Actor, as string, roles []string) (bool, error)
		RejectJoin(ctx context.Context, userID, orgID string, by directory.Actor, as, reason string) error
	}
)

// store is what the console reads itself: the session and person signed in,
// the companies they administer, the moderation queue, the audit log.
type store interface {
	SessionByID(ctx context.Context, id string) (storage.Session, error)
	UserByID(ctx context.Context, id string) (storage.User, error)
	MembershipsOfUser(ctx context.Context, userID string) ([]storage.Membership, error)
	OrganisationsByIDs(ctx context.Context, ids []string) ([]storage.Organisation, error)
	ListOrganisations(ctx context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error)
	ListMemberships(ctx context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error)
	QueryAudit(ctx context.Context, q storage.AuditQuery) ([]storage.AuditEvent, error)
}

// Config is what the console needs; cmd/vhod wires it.
type Config struct {
	// Issuer is where a person without a session is sent to sign in.
	Issuer string
	// CSRFKey signs the CSRF cookie: login's, so that one cookie serves both.
	CSRFKey    []byte
	Clients    clients
	Catalogues catalogues
	Users      users
	Keys       keys
	Anchors    anchors
	// IdentityProviders are the outside providers' rules; nil leaves their
	// pages out.
	IdentityProviders identityProviders
	Orgs              orgRules
	Store             store
	// Factors are people's second factors and passkeys (directory/factors);
	// nil: the console does not show them.
	Factors secondFactors
	Audit   *directory.Auditor
	Cookies *web.Cookies
	Logger  *slog.Logger
	// TimeZone is where the pages show times (ui.time_zone); nil: web.DefaultZone.
	TimeZone *time.Location
	// Registry shows moderators what the state register says of a company
	// waiting for a decision, beside what was entered; nil: not shown.
	Registry registry.Registry
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Handler serves the console.
type Handler struct {
	cfg    Config
	pages  *web.Renderer
	log    *slog.Logger
	now    func() time.Time
	secure bool
}

// New prepares the console; it fails if a template or message catalog is broken.
func New(cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.CSRFKey) != 32 {
		return nil, errors.New("console: CSRF key must be 32 bytes")
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, now: cfg.Now, secure: u.Scheme == "https"}
	cat, err := web.NewCatalog()
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"list":   func(s ...string) []string { return s },
		"has":    slices.Contains[[]string],
		"locked": func(u storage.User) bool { return u.LockedUntil.After(h.now()) || u.Blocked.Active(h.now()) },
		// address pairs an address with the page (its words) for the
		// "moderation_address" template.
		"address": func(page any, a storage.Address) addressView { return addressView{Page: page, Address: a} },
	}
	if h.pages, err = web.NewRenderer(cat, cfg.Logger, templateFS, []string{"console", "moderation", "idps"}, funcs); err != nil {
		return nil, err
	}
	h.pages.SetTimeZone(cfg.TimeZone)
	h.pages.SetFramer(h.frame)
	return h, nil
}

// Mount adds /console and /moderation to r, with the middlewares of every
// page: bounded bodies, security headers, cookies, CSRF.
func (h *Handler) Mount(r *mux.Router) {
	pages := r.NewRoute().Subrouter()
	pages.Use(web.LimitBody, web.SecurityHeaders(nil), h.cfg.Cookies.Middleware, h.pages.CSRF(h.cfg.CSRFKey, h.secure, nil), h.consoleQueries)
	pages.HandleFunc("/console", h.consoleHome).Methods(http.MethodGet)
	pages.HandleFunc("/console/clients", h.consoleClients).Methods(http.MethodGet)
	pages.HandleFunc("/console/clients", h.consoleClientCreate).Methods(http.MethodPost)
	pages.HandleFunc("/console/clients/{id}", h.consoleClient).Methods(http.MethodGet)
	pages.HandleFunc("/console/clients/{id}/{action:save|secret|delete}", h.consoleClientAction).Methods(http.MethodPost)
	pages.HandleFunc("/console/catalogues", h.consoleCatalogues).Methods(http.MethodGet)
	pages.HandleFunc("/console/catalogues", h.consoleCatalogueSave).Methods(http.MethodPost)
	pages.HandleFunc("/console/catalogues/{id}", h.consoleCatalogue).Methods(http.MethodGet)
	pages.HandleFunc("/console/catalogues/{id}/delete", h.consoleCatalogueDelete).Methods(http.MethodPost)
	pages.HandleFunc("/console/users", h.consoleUsersPage).Methods(http.MethodGet)
	pages.HandleFunc("/console/users/new", h.consoleUserCreate).Methods(http.MethodPost)
	pages.HandleFunc("/console/users/{id}", h.consoleUser).Methods(http.MethodGet)
	pages.HandleFunc("/console/users/{id}/{action:lock|unlock|password|delete}", h.consoleUserAction).Methods(http.MethodPost)
	pages.HandleFunc("/console/users/{id}/save", h.consoleUserSave).Methods(http.MethodPost)
	pages.HandleFunc("/console/users/{id}/sessions/{sid}/revoke", h.consoleSessionRevoke).Methods(http.MethodPost)
	if h.cfg.Factors != nil {
		pages.HandleFunc("/console/users/{id}/passkeys/{pk}/remove", h.consolePasskeyRemove).Methods(http.MethodPost)
		pages.HandleFunc("/console/users/{id}/factors/reset", h.consoleFactorsReset).Methods(http.MethodPost)
	}
	pages.HandleFunc("/console/organisations", h.consoleOrgs).Methods(http.MethodGet)
	pages.HandleFunc("/console/organisations/new", h.consoleOrgForm).Methods(http.MethodGet)
	pages.HandleFunc("/console/organisations/new", h.consoleOrgSave).Methods(http.MethodPost)
	pages.HandleFunc("/console/organisations/{id}", h.consoleOrgForm).Methods(http.MethodGet)
	pages.HandleFunc("/console/organisations/{id}/save", h.consoleOrgSave).Methods(http.MethodPost)
	pages.HandleFunc("/console/organisations/{id}/{decision:suspend|reactivate}", h.consoleOrgStatus).Methods(http.MethodPost)
	pages.HandleFunc("/console/keys", h.consoleKeys).Methods(http.MethodGet, http.MethodPost)
	pages.HandleFunc("/console/anchors", h.consoleAnchors).Methods(http.MethodGet)
	pages.HandleFunc("/console/anchors", h.consoleAnchorAdd).Methods(http.MethodPost)
	pages.HandleFunc("/console/anchors/{id}/remove", h.consoleAnchorRemove).Methods(http.MethodPost)
	pages.HandleFunc("/console/audit", h.consoleAudit).Methods(http.MethodGet)
	h.mountIdentityProviders(pages)
	pages.HandleFunc("/moderation", h.moderation).Methods(http.MethodGet)
	pages.HandleFunc("/moderation/orgs/{org}/{decision:approve|reject}", h.moderateOrg).Methods(http.MethodPost)
	pages.HandleFunc("/moderation/requests/{org}/{user}/{decision:approve|reject}", h.moderateRequest).Methods(http.MethodPost)
}

type consolePage struct {
	web.Base
	Section       string
	Notice, Error string
	Errors        map[string]string
	Operator      bool
	Moderator     bool
	AdminOf       []storage.Organisation // companies the person administers

	Secret     string // a client secret shown once
	Clients    []storage.Client
	Client     *clientForm
	Catalogues []storage.RoleCatalogue
	Catalogue  *catalogueForm
	Users      []storage.User
	User       *storage.User
	NewUser    directory.UserInput
	Sessions   []storage.Session
	Factors    *factors.Enrolment // the person's second factors; nil: not shown
	Query      string
	Orgs       []storage.Organisation
	Org        *storage.Organisation
	Status     string
	Keys       []directory.KeyInfo
	Algorithms []string
	Anchors    []directory.AnchorInfo
	Audit      []auditRow // a page of the audit log
	EventTypes []string   // the audit log's filter by type
	Filter     map[string]string
	Next       string   // the next page of a list; empty on its last
	Sort       listSort // the list's order and its sortable headers
	First      bool     // a later page of a list: link back to its first
}

// lang is the language of the pages for this person: the request's, unless
// it says none and the person chose one.
func lang(r *http.Request, u storage.User) language.Tag {
	l := web.PickLanguage(r, nil)
	if t, err := language.Parse(u.Locale); err == nil && u.Locale != "" && r.URL.Query().Get("ui_locales") == "" &&
		r.Header.Get("Accept-Language") == "" {
		l = t
	}
	return l
}

// actor is the person acting, as directory's services audit them; Lang is
// the page's language, for mail to someone who chose none.
func (h *Handler) actor(r *http.Request, userID string) directory.Actor {
	return directory.Actor{ID: userID, IP: clientaddr.Of(r), UserAgent: r.UserAgent(), Lang: web.PickLanguage(r, nil).String()}
}

// firstOf is the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// consolePerson lets in operators, moderators and org admins (the home page);
// the other pages take operators only.
func (h *Handler) consolePerson(w http.ResponseWriter, r *http.Request) (storage.User, consolePage, bool) {
	u, ok := h.person(w, r)
	if !ok {
		return u, consolePage{}, false
	}
	page := consolePage{Operator: slices.Contains(u.Authorities, storage.AuthorityOperator)}
	page.Moderator = page.Operator || slices.Contains(u.Authorities, storage.AuthorityModerator)
	ms, err := h.cfg.Store.MembershipsOfUser(r.Context(), u.ID)
	if err != nil {
		h.pages.Fail(w, r, lang(r, u), web.Unavailable(err))
		return u, page, false
	}
	var ids []string
	for _, m := range ms {
		if m.Status == storage.MemberActive && slices.Contains(m.Roles, storage.RoleOrgAdmin) {
			ids = append(ids, m.OrgID)
		}
	}
	if len(ids) > 0 {
		if page.AdminOf, err = h.cfg.Store.OrganisationsByIDs(r.Context(), ids); err != nil {
			h.pages.Fail(w, r, lang(r, u), web.Unavailable(err))
			return u, page, false
		}
	}
	if !page.Moderator && len(page.AdminOf) == 0 {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "error.forbidden", Err: errors.New("no authority for the console")})
		return u, page, false
	}
	return u, page, true
}

// operator lets only operators through.
func (h *Handler) operator(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	u, ok := h.person(w, r)
	if !ok {
		return u, false
	}
	if !slices.Contains(u.Authorities, storage.AuthorityOperator) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "error.forbidden", Err: errors.New("not an operator")})
		return u, false
	}
	return u, true
}

func (h *Handler) renderConsole(w http.ResponseWriter, r *http.Request, status int, u storage.User, page consolePage) {
	page.Base = h.base(r, u, "console.title")
	if page.Section != "home" { // every other section is an operator's (h.operator let them in)
		page.Operator, page.Moderator = true, true
	}
	if page.Notice != "" {
		page.Notice = page.T(page.Notice)
	}
	if page.Error != "" {
		page.Error = page.T(page.Error)
	}
	h.pages.Render(w, r, status, "console", page)
}

// consoleAction records what an operator did in the console.
func (h *Handler) consoleAction(r *http.Request, u storage.User, e storage.AuditEvent) {
	e.Actor, e.Outcome = u.ID, directory.OutcomeSuccess
	if e.Details == nil {
		e.Details = map[string]string{}
	}
	e.Details["via"] = "console"
	e.IP, e.UserAgent = clientaddr.Of(r), r.UserAgent() // the Auditor bounds the user agent
	h.cfg.Audit.Record(r.Context(), e)
}

// consoleActor is the operator as directory's services audit them, marked
// as acting through the console (as consoleAction marks its events).
func (h *Handler) consoleActor(r *http.Request, u storage.User) directory.Actor {
	by := h.actor(r, u.ID)
	by.Details = map[string]string{"via": "console"}
	return by
}

// confirmed asks, on a page of its own, before a dangerous action
// (web.Renderer.Confirmed); the thing acted on is read first by get, so that
// a missing one is said as such and the question can name it (its name fills
// the last field of c.Args). false: it
// answered, with the question or the failure.
func (h *Handler) confirmed(w http.ResponseWriter, r *http.Request, u storage.User, c web.Confirmation, get func() (string, error)) bool {
	if r.PostFormValue(web.ConfirmField) == "1" {
		return true
	}
	name, err := get()
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return false
	}
	c.Args = append(c.Args, web.NBSP(name))
	return h.pages.Confirmed(w, r, lang(r, u), c)
}

// consoleFailure answers an operation's error: a conflict or a missing thing
// is said plainly, anything else is the store's trouble.
func (h *Handler) consoleFailure(w http.ResponseWriter, r *http.Request, u storage.User, err error) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
	case errors.Is(err, storage.ErrConflict):
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusConflict, Key: "console.changed", Err: err})
	default:
		h.pages.Fail(w, r, lang(r, u), web.Unavailable(err))
	}
}

// notice reads ?notice= when it is one of the known ones.
func notice(r *http.Request, known ...string) string {
	if n := r.URL.Query().Get("notice"); slices.Contains(known, n) {
		return "console.done." + n
	}
	return ""
}

// consoleHome links the parts of the console each person may use (GET /console).
func (h *Handler) consoleHome(w http.ResponseWriter, r *http.Request) {
	u, page, ok := h.consolePerson(w, r)
	if !ok {
		return
	}
	page.Section = "home"
	h.renderConsole(w, r, http.StatusOK, u, page)
}

// consoleQueries refuses, with a 400 page, a console page whose query string is
// malformed (not UTF-8, control characters, too many or too long values), as the
// API does: its searches and filters reach the store, which fails on such text.
func (h *Handler) consoleQueries(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/console") {
			if name, bad := directory.CheckQuery(r.URL.RawQuery); bad != "" {
				h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_query",
					Err: fmt.Errorf("console query %s: %s", name, bad)})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
