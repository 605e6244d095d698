package account

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// companies is what the company pages need of the organisation rules.
type companies interface {
	Register(ctx context.Context, o storage.Organisation, by directory.Actor) (storage.Organisation, error)
	ApproveOrganisation(ctx context.Context, orgID string, by directory.Actor) (storage.Organisation, error)
	RequestJoin(ctx context.Context, userID, orgID string) (storage.Membership, error)
	DecideJoin(ctx context.Context, userID string, org storage.Organisation, by directory.Actor, as, decision, reason string, roles []string) (string, error)
	SetRoles(ctx context.Context, userID, orgID string, roles []string, by directory.Actor) (storage.Membership, error)
	Leave(ctx context.Context, userID, orgID string) error
	IsOrgAdmin(ctx context.Context, userID, orgID string) (bool, error)
	Catalogue(ctx context.Context) ([]storage.Role, error)
	Invite(ctx context.Context, orgID, address string, roles []string, by string) (string, error)
	Invitations(ctx context.Context, u storage.User) ([]storage.Organisation, error)
	AcceptInvitation(ctx context.Context, u storage.User, orgID string) error
	SentInvitations(org storage.Organisation) []orgs.SentInvitation
	WithdrawInvitation(ctx context.Context, orgID, identifier string, by directory.Actor) error
	Resubmit(ctx context.Context, orgID string, next storage.Organisation, by directory.Actor) (storage.Organisation, error)
}

// orgReader is what the company pages read from storage.
type orgReader interface {
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
	OrganisationsByINN(ctx context.Context, inn string) ([]storage.Organisation, error)
	OrganisationsByIDs(ctx context.Context, ids []string) ([]storage.Organisation, error)
	ListOrganisations(ctx context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error)
	MembershipsOfUser(ctx context.Context, userID string) ([]storage.Membership, error)
	ListMemberships(ctx context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error)
}

type companyView struct {
	ID, Name, INN, KPP, Status string
	Roles                      []string
	Admin                      bool
	// Reason is why a request or a registration was declined (shown so that
	// people without an email address learn it too).
	Reason string
	// Resubmit: a rejected registration of this person, to correct and send again.
	Resubmit bool
}

type companiesPage struct {
	base
	Companies     []companyView
	Notice, Error string
	// Offers are companies the person's certificates name (INN of the legal entity).
	Offers []certificateOffer
	// Invitations are companies that invited the person's confirmed email or phone.
	Invitations []companyView
}

// certificateOffer is a company a certificate (or an outside provider, see
// providerOffers) names: to register, or to join when it is here already.
type certificateOffer struct {
	INN, OGRN, Name string
	Join            bool
	// Provider names the outside provider that listed the company ("" for a
	// certificate's).
	Provider string
	// ByName: the certificate names the company without its INN; the INN is
	// the one of the company here of that name (offersByName).
	ByName bool
}

// companiesEnabled: the company pages are configured.
func (h *Handler) companiesEnabled() bool { return h.cfg.Companies != nil && h.cfg.OrgStore != nil }

// companiesOn answers 404 when organisations are off.
func (h *Handler) companiesOn(w http.ResponseWriter, r *http.Request) bool {
	if !h.companiesEnabled() {
		h.fail(w, r, &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("organisations are off")})
		return false
	}
	return true
}

// companyPerson: the company pages are on and the person is signed in (else
// the browser has its answer).
func (h *Handler) companyPerson(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	if !h.companiesOn(w, r) {
		return storage.User{}, false
	}
	_, u, ok := h.accountSession(w, r)
	return u, ok
}

// companiesList shows the person's companies (GET /account/companies).
func (h *Handler) companiesList(w http.ResponseWriter, r *http.Request) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return
	}
	notice := ""
	if n := r.URL.Query().Get("notice"); slices.Contains([]string{"joined", "requested", "submitted", "left", "accepted", "resubmitted"}, n) {
		notice = "companies.notice." + n
	}
	h.renderCompanies(w, r, http.StatusOK, u, notice, "")
}

func (h *Handler) renderCompanies(w http.ResponseWriter, r *http.Request, status int, u storage.User, notice, errKey string) {
	lang := accountLang(r, u)
	page := companiesPage{base: h.newBase(r, u, lang, "companies.title")}
	ms, err := h.cfg.OrgStore.MembershipsOfUser(r.Context(), u.ID)
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.OrgID)
	}
	list, err := h.cfg.OrgStore.OrganisationsByIDs(r.Context(), ids)
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	byID := map[string]storage.Organisation{}
	for _, o := range list {
		byID[o.ID] = o
	}
	roles, err := h.roleViews(r, lang, true)
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	roleName := map[string]string{}
	for _, role := range roles {
		roleName[role.Key] = role.Name
	}
	for _, m := range ms {
		o, found := byID[m.OrgID]
		// Someone who left does not see the company any more; a removal by
		// the org admin and a refused request stay, saying so.
		if !found || (m.Status == storage.MemberRemoved && (m.Ended == storage.MemberEndedLeft || (m.Ended == "" && m.Reason == ""))) {
			continue
		}
		status := m.Status
		if m.Status == storage.MemberRemoved && m.Ended == storage.MemberEndedRejected {
			status = "request_rejected"
		}
		if o.Status != storage.OrgActive {
			status = o.Status
		}
		page.Companies = append(page.Companies, companyView{ID: o.ID, Name: o.Name, INN: o.INN, KPP: o.KPP, Status: status,
			Roles: roleNames(m.Roles, roleName, page.Translator), Admin: m.Status == storage.MemberActive && slices.Contains(m.Roles, storage.RoleOrgAdmin) && o.Status == storage.OrgActive,
			Reason: m.Reason})
	}
	// Registrations of this person that wait for a moderator, and those a
	// moderator rejected, with the reason and a way to correct and resubmit
	// them (one page each: a person registers few).
	for _, status := range []string{storage.OrgPending, storage.OrgRejected} {
		mine, _, err := h.cfg.OrgStore.ListOrganisations(r.Context(), storage.OrgQuery{Status: status, RegisteredBy: u.ID, Limit: storage.MaxPage})
		if err != nil {
			h.pages.Fail(w, r, lang, web.Unavailable(err))
			return
		}
		for _, o := range mine {
			if slices.ContainsFunc(page.Companies, func(v companyView) bool { return v.ID == o.ID }) {
				continue
			}
			page.Companies = append(page.Companies, companyView{ID: o.ID, Name: o.Name, INN: o.INN, KPP: o.KPP, Status: o.Status,
				Reason: o.Reason, Resubmit: o.Status == storage.OrgRejected})
		}
	}
	if invited, err := h.cfg.Companies.Invitations(r.Context(), u); err == nil {
		for _, o := range invited {
			page.Invitations = append(page.Invitations, companyView{ID: o.ID, Name: o.Name, INN: o.INN, KPP: o.KPP})
		}
	}
	for _, c := range u.Certificates {
		inn, ogrn := dnValue(c.Subject, "INNLE"), dnValue(c.Subject, "OGRN")
		if inn == c.Subject {
			page.Offers = append(page.Offers, h.offersByName(r, c, page.Companies, page.Offers)...)
			continue
		}
		if !slices.ContainsFunc(page.Companies, func(v companyView) bool { return v.INN == inn }) {
			if ogrn == c.Subject {
				ogrn = ""
			}
			here, _ := h.cfg.OrgStore.OrganisationsByINN(r.Context(), inn)
			join := slices.ContainsFunc(here, func(o storage.Organisation) bool { return o.Status == storage.OrgActive })
			page.Offers = append(page.Offers, certificateOffer{INN: inn, OGRN: ogrn, Name: dnValue(c.Subject, "O"), Join: join})
		}
	}
	page.Offers = append(page.Offers, h.providerOffers(r, u, page.Companies, page.Offers)...)
	if notice != "" {
		page.Notice = page.T(notice)
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	h.pages.Render(w, r, status, "companies", page)
}

type joinPage struct {
	base
	INN, KPP, Error string
	Branches        []companyView
}

// companyJoinForm asks for the INN of the company to join (GET /account/companies/join).
func (h *Handler) companyJoinForm(w http.ResponseWriter, r *http.Request) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return
	}
	h.pages.Render(w, r, http.StatusOK, "company_join", joinPage{base: h.newBase(r, u, accountLang(r, u), "join.title"), INN: r.URL.Query().Get("inn")})
}

// companyJoin finds the company by INN (and KPP), lets the person choose among
// branches, and files the join request (POST /account/companies/join).
func (h *Handler) companyJoin(w http.ResponseWriter, r *http.Request) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return
	}
	lang := accountLang(r, u)
	page := joinPage{base: h.newBase(r, u, lang, "join.title"), INN: strings.TrimSpace(r.PostFormValue("inn")), KPP: strings.TrimSpace(r.PostFormValue("kpp"))}
	orgID := r.PostFormValue("org")
	if orgID == "" {
		list, err := h.cfg.OrgStore.OrganisationsByINN(r.Context(), page.INN)
		if err != nil {
			h.pages.Fail(w, r, lang, web.Unavailable(err))
			return
		}
		list = slices.DeleteFunc(list, func(o storage.Organisation) bool {
			return o.Status != storage.OrgActive || (page.KPP != "" && o.KPP != page.KPP)
		})
		switch len(list) {
		case 0:
			page.Error = page.T("join.not_found")
			h.pages.Render(w, r, http.StatusNotFound, "company_join", page)
			return
		case 1:
			orgID = list[0].ID
		default:
			for _, o := range list {
				page.Branches = append(page.Branches, companyView{ID: o.ID, Name: o.Name, INN: o.INN, KPP: o.KPP})
			}
			h.pages.Render(w, r, http.StatusOK, "company_join", page)
			return
		}
	}
	_, err := h.cfg.Companies.RequestJoin(r.Context(), u.ID, orgID)
	switch {
	case errors.Is(err, orgs.ErrAlreadyMember):
		page.Error = page.T("join.already")
		h.pages.Render(w, r, http.StatusConflict, "company_join", page)
		return
	case errors.Is(err, orgs.ErrNotActive) || errors.Is(err, storage.ErrNotFound):
		page.Error = page.T("join.not_found")
		h.pages.Render(w, r, http.StatusNotFound, "company_join", page)
		return
	case err != nil:
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventJoinRequested, Outcome: directory.OutcomeSuccess, UserID: u.ID, OrgID: orgID})
	http.Redirect(w, r, "/account/companies?notice=requested", http.StatusSeeOther)
}

// companyLeave ends the person's own membership (POST /account/companies/{org}/leave).
func (h *Handler) companyLeave(w http.ResponseWriter, r *http.Request) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return
	}
	orgID := mux.Vars(r)["org"]
	org, err := h.cfg.OrgStore.OrganisationByID(r.Context(), orgID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	if !h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.leave", Args: []string{"Org", web.NBSP(firstNonEmpty(org.Name, orgID))},
		Cancel: "/account/companies"}) {
		return
	}
	if err := h.cfg.Companies.Leave(r.Context(), u.ID, orgID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventMembershipChanged, Outcome: directory.OutcomeSuccess, UserID: u.ID, OrgID: orgID,
		Details: map[string]string{"change": "left"}})
	http.Redirect(w, r, "/account/companies?notice=left", http.StatusSeeOther)
}

// companyAccept accepts an invitation (POST /account/companies/{org}/accept).
func (h *Handler) companyAccept(w http.ResponseWriter, r *http.Request) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return
	}
	orgID := mux.Vars(r)["org"]
	err := h.cfg.Companies.AcceptInvitation(r.Context(), u, orgID)
	if errors.Is(err, orgs.ErrNotPending) || errors.Is(err, storage.ErrNotFound) {
		h.renderCompanies(w, r, http.StatusNotFound, u, "", "companies.no_invitation")
		return
	}
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventMembershipChanged, Outcome: directory.OutcomeSuccess, UserID: u.ID, OrgID: orgID,
		Details: map[string]string{"change": "invitation accepted"}})
	http.Redirect(w, r, "/account/companies?notice=accepted", http.StatusSeeOther)
}

// roleNames are a member's roles by their catalogue names; a role no
// catalogue has any more is named by Vhod's own message or its key.
func roleNames(keys []string, names map[string]string, t web.Translator) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if n, ok := names[k]; ok {
			out = append(out, n)
		} else {
			out = append(out, t.RoleName(k, nil))
		}
	}
	return out
}
