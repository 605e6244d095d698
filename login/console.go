package login

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/admin"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// Console is the operator's console (/console): clients, role catalogues,
// accounts, organisations, keys, trust anchors and the audit log. It calls the
// admin API's operations, so that each can do what the other does, by the
// same rules. Moderators find their queue (/moderation) and org admins their
// companies' members pages through its home page.
type Console struct {
	Admin *admin.API
	// Anchors are the trust-anchor rules, the same the API calls.
	Anchors *directory.Anchors
}

type consolePage struct {
	base
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
	NewUser    admin.UserInput
	Sessions   []storage.Session
	Query      string
	Orgs       []storage.Organisation
	Org        *storage.Organisation
	Status     string
	Keys       []admin.KeyInfo
	Algorithms []string
	Anchors    []directory.AnchorInfo
	Events     []storage.AuditEvent
	Filter     map[string]string
	Next       string // the next page of a list; empty on its last
}

// nextPageURL links to the page of a list after the cursor next, given in the
// parameter param, with the same search; "" when there is none.
func nextPageURL(path, param, next string, search url.Values) string {
	if next == "" {
		return ""
	}
	v := url.Values{param: {next}}
	for k, vs := range search {
		if len(vs) > 0 && vs[0] != "" {
			v.Set(k, vs[0])
		}
	}
	return path + "?" + v.Encode()
}

// consolePerson lets in operators, moderators and org admins (the home page);
// the other pages take operators only.
func (h *Handler) consolePerson(w http.ResponseWriter, r *http.Request) (storage.User, consolePage, bool) {
	if h.cfg.Console == nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("console is off")})
		return storage.User{}, consolePage{}, false
	}
	_, u, ok := h.accountSession(w, r)
	if !ok {
		return u, consolePage{}, false
	}
	page := consolePage{Operator: slices.Contains(u.Authorities, storage.AuthorityOperator)}
	page.Moderator = page.Operator || slices.Contains(u.Authorities, storage.AuthorityModerator)
	if h.cfg.OrgStore != nil {
		ms, err := h.cfg.OrgStore.MembershipsOfUser(r.Context(), u.ID)
		if err != nil {
			h.pages.Fail(w, r, accountLang(r, u), unavailable(err))
			return u, page, false
		}
		var ids []string
		for _, m := range ms {
			if m.Status == storage.MemberActive && slices.Contains(m.Roles, storage.RoleOrgAdmin) {
				ids = append(ids, m.OrgID)
			}
		}
		if len(ids) > 0 {
			if page.AdminOf, err = h.cfg.OrgStore.OrganisationsByIDs(r.Context(), ids); err != nil {
				h.pages.Fail(w, r, accountLang(r, u), unavailable(err))
				return u, page, false
			}
		}
	}
	if !page.Moderator && len(page.AdminOf) == 0 {
		h.pages.Fail(w, r, accountLang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "error.forbidden", Err: errors.New("no authority for the console")})
		return u, page, false
	}
	return u, page, true
}

// operator lets only operators through.
func (h *Handler) operator(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	if h.cfg.Console == nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("console is off")})
		return storage.User{}, false
	}
	_, u, ok := h.accountSession(w, r)
	if !ok {
		return u, false
	}
	if !slices.Contains(u.Authorities, storage.AuthorityOperator) {
		h.pages.Fail(w, r, accountLang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "error.forbidden", Err: errors.New("not an operator")})
		return u, false
	}
	return u, true
}

func (h *Handler) renderConsole(w http.ResponseWriter, r *http.Request, status int, u storage.User, page consolePage) {
	page.base = h.newBase(r, accountLang(r, u), "console.title")
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
	h.audit(r, e)
}

// consoleActor is the operator as directory's services audit them, marked
// as acting through the console (as consoleAction marks its events).
func (h *Handler) consoleActor(r *http.Request, u storage.User) directory.Actor {
	by := h.actor(r, u.ID)
	by.Details = map[string]string{"via": "console"}
	return by
}

// consoleFailure answers an operation's error: a conflict or a missing thing
// is said plainly, anything else is the store's trouble.
func (h *Handler) consoleFailure(w http.ResponseWriter, r *http.Request, u storage.User, err error) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.pages.Fail(w, r, accountLang(r, u), &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
	case errors.Is(err, storage.ErrConflict):
		h.pages.Fail(w, r, accountLang(r, u), &web.UserError{Status: http.StatusConflict, Key: "console.changed", Err: err})
	default:
		h.pages.Fail(w, r, accountLang(r, u), unavailable(err))
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
			if name, bad := admin.CheckQuery(r.URL.RawQuery); bad != "" {
				h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_query",
					Err: fmt.Errorf("console query %s: %s", name, bad)})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
