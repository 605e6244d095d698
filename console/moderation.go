package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// moderationOrg is a company waiting for a decision with everything a
// moderator checks: every requisite (the template shows them all), who
// registered it, and what the state register says of it.
type moderationOrg struct {
	storage.Organisation
	Registrant string
	Registry   *registryRecord
	// RegistryNote is a message key when the register has no answer.
	RegistryNote string
}

// addressView is one address of a company with the page that shows it.
type addressView struct {
	Page any
	storage.Address
}

// memberView is a join request as the queue shows it (the members page of
// the account pages has its own).
type memberView struct {
	UserID, Name, Login, Status, Reason string
	Roles                               map[string]bool
	Approvals                           []string
}

type moderationRequest struct {
	memberView
	OrgID, OrgName, OrgINN string
}

type moderationPage struct {
	web.Base
	Pending       []moderationOrg
	Requests      []moderationRequest
	History       []storage.Organisation // the latest decisions: one page
	Notice, Error string
	ConsoleOn     bool
	// PendingNext and RequestsNext link to the next page of each list; empty
	// on its last page.
	PendingNext, RequestsNext string
	// Sort orders both lists by when they were made (oldest first unless
	// asked otherwise).
	Sort listSort
}

// moderator lets only moderators (and operators) through.
func (h *Handler) moderator(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	u, ok := h.person(w, r)
	if !ok {
		return u, false
	}
	if !slices.Contains(u.Authorities, storage.AuthorityModerator) && !slices.Contains(u.Authorities, storage.AuthorityOperator) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "error.forbidden", Err: errors.New("not a moderator")})
		return u, false
	}
	return u, true
}

// moderation is the moderator's queue: companies waiting for a decision, join
// requests, and the latest decisions (GET /moderation).
func (h *Handler) moderation(w http.ResponseWriter, r *http.Request) {
	u, ok := h.moderator(w, r)
	if !ok {
		return
	}
	lang := lang(r, u)
	page := moderationPage{Base: h.base(r, u, "moderation.title")}
	// Each list is one page read by the database; a "next page" link carries
	// its own cursor and keeps the other list's.
	orgsAfter, requestsAfter := r.URL.Query().Get("orgs"), r.URL.Query().Get("requests")
	page.Sort = newListSort("/moderation", r.URL.Query(), nil, "created", "created")
	by := page.Sort.Storage(map[string]string{"created": storage.SortCreated})
	withSort := func(v url.Values) url.Values {
		if p := page.Sort.Param(); p != "" {
			v.Set(sortParam, p)
		}
		return v
	}
	// Few companies a page: each is shown whole and looked up in the register.
	pending, next, err := h.cfg.Store.ListOrganisations(r.Context(), storage.OrgQuery{Status: storage.OrgPending, After: orgsAfter, Limit: moderationPageSize, Sort: by})
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	page.PendingNext = web.NextPageURL("/moderation", "orgs", next, withSort(url.Values{"requests": {requestsAfter}}))
	for _, o := range pending {
		reg := ""
		if ru, err := h.cfg.Store.UserByID(r.Context(), o.RegisteredBy); err == nil {
			reg = strings.TrimSpace(ru.FamilyName + " " + ru.GivenName + " " + firstOf(ru.Login, ru.Email, ru.Phone))
		}
		v := moderationOrg{Organisation: o, Registrant: reg}
		v.Registry, v.RegistryNote = h.registryRecord(r, o)
		page.Pending = append(page.Pending, v)
	}
	if page.History, _, err = h.cfg.Store.ListOrganisations(r.Context(), storage.OrgQuery{Moderated: true}); err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	requests, next, err := h.cfg.Store.ListMemberships(r.Context(), storage.MembershipQuery{Status: storage.MemberRequested,
		NotApprovedBy: orgs.ApproverModerator, After: requestsAfter, Sort: by}) // those approved wait for the org admin now
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	page.RequestsNext = web.NextPageURL("/moderation", "requests", next, withSort(url.Values{"orgs": {orgsAfter}}))
	var orgIDs []string
	for _, m := range requests {
		orgIDs = append(orgIDs, m.OrgID)
	}
	orgs, err := h.cfg.Store.OrganisationsByIDs(r.Context(), orgIDs)
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	byID := map[string]storage.Organisation{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	for i, v := range h.memberViews(r, requests) {
		o := byID[requests[i].OrgID]
		page.Requests = append(page.Requests, moderationRequest{memberView: v, OrgID: requests[i].OrgID, OrgName: o.Name, OrgINN: o.INN})
	}
	if n := r.URL.Query().Get("notice"); slices.Contains([]string{"approved", "rejected"}, n) {
		page.Notice = page.T("moderation.notice." + n)
	}
	page.ConsoleOn = true
	h.pages.Render(w, r, http.StatusOK, "moderation", page)
}

// moderateOrg approves or rejects a registered company
// (POST /moderation/orgs/{org}/{decision}); orgs.Service audits the
// decision and mails the registrant.
func (h *Handler) moderateOrg(w http.ResponseWriter, r *http.Request) {
	u, ok := h.moderator(w, r)
	if !ok {
		return
	}
	orgID, decision := mux.Vars(r)["org"], mux.Vars(r)["decision"]
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var err error
	switch decision {
	case "approve":
		_, err = h.cfg.Orgs.ApproveOrganisation(r.Context(), orgID, h.actor(r, u.ID))
	case "reject":
		_, err = h.cfg.Orgs.RejectOrganisation(r.Context(), orgID, h.actor(r, u.ID), reason)
	default:
		err = storage.ErrNotFound
	}
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, orgs.ErrNotPending) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
		return
	}
	if err != nil {
		h.pages.Fail(w, r, lang(r, u), web.Unavailable(err))
		return
	}
	http.Redirect(w, r, "/moderation?notice="+map[string]string{"approve": "approved", "reject": "rejected"}[decision], http.StatusSeeOther)
}

// moderateRequest decides a join request as a moderator
// (POST /moderation/requests/{org}/{user}/{decision}).
func (h *Handler) moderateRequest(w http.ResponseWriter, r *http.Request) {
	u, ok := h.moderator(w, r)
	if !ok {
		return
	}
	// orgs.Service writes the audit event and mails the person.
	orgID, target, by := mux.Vars(r)["org"], mux.Vars(r)["user"], h.actor(r, u.ID)
	var err error
	notice := "approved"
	switch mux.Vars(r)["decision"] {
	case "approve":
		// A moderator does not choose roles: the org admin's, or the defaults.
		_, err = h.cfg.Orgs.ApproveJoin(r.Context(), target, orgID, by, orgs.ApproverModerator, nil)
	default:
		notice, err = "rejected", h.cfg.Orgs.RejectJoin(r.Context(), target, orgID, by, orgs.ApproverModerator, r.PostFormValue("reason"))
	}
	if err == nil {
		http.Redirect(w, r, "/moderation?notice="+notice, http.StatusSeeOther)
		return
	}
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, orgs.ErrNotPending) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
		return
	}
	if errors.Is(err, orgs.ErrOwnRequest) { // a moderator's own request is another's to decide
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "f1.own_request", Err: err})
		return
	}
	h.pages.Fail(w, r, lang(r, u), web.Unavailable(err))
}

// memberViews are the requests with the names and logins of who asks.
func (h *Handler) memberViews(r *http.Request, ms []storage.Membership) []memberView {
	var out []memberView
	for _, m := range ms {
		v := memberView{UserID: m.UserID, Status: m.Status, Reason: m.Reason, Roles: map[string]bool{}, Approvals: m.Approvals}
		for _, role := range m.Roles {
			v.Roles[role] = true
		}
		if u, err := h.cfg.Store.UserByID(r.Context(), m.UserID); err == nil {
			v.Name = strings.TrimSpace(strings.Join([]string{u.FamilyName, u.GivenName, u.MiddleName}, " "))
			v.Login = firstOf(u.Login, u.Email, u.Phone, u.Contract)
		}
		out = append(out, v)
	}
	return out
}
