package login

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

type moderationOrg struct {
	storage.Organisation
	Registrant string
}

type moderationRequest struct {
	memberView
	OrgID, OrgName, OrgINN string
}

type moderationPage struct {
	base
	Pending       []moderationOrg
	Requests      []moderationRequest
	History       []storage.Organisation
	Notice, Error string
	ConsoleOn     bool
}

// moderator lets only moderators (and operators) through.
func (h *Handler) moderator(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return u, false
	}
	if !slices.Contains(u.Authorities, storage.AuthorityModerator) && !slices.Contains(u.Authorities, storage.AuthorityOperator) {
		h.fail(w, r, accountLang(r, u), &userError{Status: http.StatusForbidden, Key: "error.forbidden", Err: errors.New("not a moderator")})
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
	lang := accountLang(r, u)
	page := moderationPage{base: h.newBase(r, lang, "moderation.title")}
	all, err := h.cfg.OrgStore.ListOrganisations(r.Context(), "")
	if err != nil {
		h.fail(w, r, lang, unavailable(err))
		return
	}
	byID := map[string]storage.Organisation{}
	for _, o := range all {
		byID[o.ID] = o
		switch {
		case o.Status == storage.OrgPending:
			reg := ""
			if ru, err := h.accounts.UserByID(r.Context(), o.RegisteredBy); err == nil {
				reg = strings.TrimSpace(ru.FamilyName + " " + ru.GivenName + " " + firstOf(ru.Login, ru.Email, ru.Phone))
			}
			page.Pending = append(page.Pending, moderationOrg{Organisation: o, Registrant: reg})
		case !o.ModeratedAt.IsZero():
			page.History = append(page.History, o)
		}
	}
	slices.SortFunc(page.History, func(a, b storage.Organisation) int { return b.ModeratedAt.Compare(a.ModeratedAt) })
	page.History = page.History[:min(len(page.History), 50)]
	requests, err := h.cfg.OrgStore.MembershipsInStatus(r.Context(), storage.MemberRequested)
	if err != nil {
		h.fail(w, r, lang, unavailable(err))
		return
	}
	for i, v := range h.memberViews(r, requests) {
		if slices.Contains(v.Approvals, directory.ApproverModerator) {
			continue // waits for the org admin now
		}
		o := byID[requests[i].OrgID]
		page.Requests = append(page.Requests, moderationRequest{memberView: v, OrgID: o.ID, OrgName: o.Name, OrgINN: o.INN})
	}
	if n := r.URL.Query().Get("notice"); slices.Contains([]string{"approved", "rejected"}, n) {
		page.Notice = page.T("moderation.notice." + n)
	}
	page.ConsoleOn = h.cfg.Console != nil
	h.render(w, r, http.StatusOK, "moderation", page)
}

// moderateOrg approves or rejects a registered company
// (POST /moderation/orgs/{org}/{decision}); directory.Orgs audits the
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
		_, err = h.cfg.Companies.ApproveOrganisation(r.Context(), orgID, h.actor(r, u.ID))
	case "reject":
		_, err = h.cfg.Companies.RejectOrganisation(r.Context(), orgID, h.actor(r, u.ID), reason)
	default:
		err = storage.ErrNotFound
	}
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, directory.ErrNotPending) {
		h.fail(w, r, accountLang(r, u), &userError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
		return
	}
	if err != nil {
		h.fail(w, r, accountLang(r, u), unavailable(err))
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
	org, err := h.cfg.OrgStore.OrganisationByID(r.Context(), mux.Vars(r)["org"])
	if err == nil {
		var notice string
		notice, err = h.decideJoin(r, mux.Vars(r)["user"], org, u, directory.ApproverModerator, mux.Vars(r)["decision"], r.PostFormValue("reason"))
		if err == nil {
			http.Redirect(w, r, "/moderation?notice="+notice, http.StatusSeeOther)
			return
		}
	}
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, directory.ErrNotPending) {
		h.fail(w, r, accountLang(r, u), &userError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
		return
	}
	h.fail(w, r, accountLang(r, u), unavailable(err))
}
