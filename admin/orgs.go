package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// orgDoc is an organisation as the API shows it: the stored requisites, with
// the accountant PINs and invitations left out.
type orgDoc struct {
	ID           string            `json:"id"`
	Kind         string            `json:"kind"`
	Status       string            `json:"status"`
	ParentID     string            `json:"parent_id"`
	Name         string            `json:"name"`
	FullName     string            `json:"full_name"`
	LegalForm    string            `json:"legal_form"`
	INN          string            `json:"inn"`
	KPP          string            `json:"kpp"`
	OGRN         string            `json:"ogrn"`
	OKPO         string            `json:"okpo"`
	OKVED        storage.OKVED     `json:"okved"`
	Director     storage.Director  `json:"director"`
	Bank         storage.Bank      `json:"bank"`
	Addresses    storage.Addresses `json:"addresses"`
	Contact      storage.Contact   `json:"contact"`
	Email        string            `json:"email"`
	Contracts    []string          `json:"contracts"`
	RegisteredBy string            `json:"registered_by"`
	ModeratedBy  string            `json:"moderated_by"`
	Reason       string            `json:"reason"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

func toOrgDoc(o storage.Organisation) orgDoc {
	o.OKVED.Auxiliary, o.OKVED.Other = nonNil(o.OKVED.Auxiliary), nonNil(o.OKVED.Other)
	return orgDoc{ID: o.ID, Kind: o.Kind, Status: o.Status, ParentID: o.ParentID, Name: o.Name, FullName: o.FullName, LegalForm: o.LegalForm,
		INN: o.INN, KPP: o.KPP, OGRN: o.OGRN, OKPO: o.OKPO, OKVED: o.OKVED, Director: o.Director, Bank: o.Bank, Addresses: o.Addresses,
		Contact: o.Contact, Email: o.Email, Contracts: nonNil(o.Contracts), RegisteredBy: o.RegisteredBy, ModeratedBy: o.ModeratedBy,
		Reason: o.Reason, CreatedAt: ms(o.CreatedAt), UpdatedAt: ms(o.UpdatedAt)}
}

// orgInput is what an operator writes (creation and PATCH: absent fields keep).
type orgInput struct {
	Kind      *string            `json:"kind"`
	ParentID  *string            `json:"parent_id"`
	Name      *string            `json:"name"`
	FullName  *string            `json:"full_name"`
	LegalForm *string            `json:"legal_form"`
	INN       *string            `json:"inn"`
	KPP       *string            `json:"kpp"`
	OGRN      *string            `json:"ogrn"`
	OKPO      *string            `json:"okpo"`
	OKVED     *storage.OKVED     `json:"okved"`
	Director  *storage.Director  `json:"director"`
	Bank      *storage.Bank      `json:"bank"`
	Addresses *storage.Addresses `json:"addresses"`
	Contact   *storage.Contact   `json:"contact"`
	Email     *string            `json:"email"`
	Contracts *[]string          `json:"contracts"`
}

func (in orgInput) apply(o *storage.Organisation) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&o.Kind, in.Kind)
	set(&o.ParentID, in.ParentID)
	set(&o.Name, in.Name)
	set(&o.FullName, in.FullName)
	set(&o.LegalForm, in.LegalForm)
	set(&o.INN, in.INN)
	set(&o.KPP, in.KPP)
	set(&o.OGRN, in.OGRN)
	set(&o.OKPO, in.OKPO)
	set(&o.Email, in.Email)
	if in.OKVED != nil {
		o.OKVED = *in.OKVED
	}
	if in.Director != nil {
		o.Director = *in.Director
	}
	if in.Bank != nil {
		o.Bank = *in.Bank
	}
	if in.Addresses != nil {
		o.Addresses = *in.Addresses
	}
	if in.Contact != nil {
		o.Contact = *in.Contact
	}
	if in.Contracts != nil {
		o.Contracts = *in.Contracts
	}
}

func (a *API) mountOrgs(r *mux.Router) {
	r.HandleFunc("/organisations", a.listOrgs).Methods(http.MethodGet)
	r.HandleFunc("/organisations", a.createOrg).Methods(http.MethodPost)
	r.HandleFunc("/organisations/{id}", a.getOrg).Methods(http.MethodGet)
	r.HandleFunc("/organisations/{id}", a.updateOrg).Methods(http.MethodPatch)
	r.HandleFunc("/organisations/{id}/{decision:approve|reject|suspend|reactivate}", a.moderateOrg).Methods(http.MethodPost)
	r.HandleFunc("/organisations/{id}/members", a.listMembers).Methods(http.MethodGet)
	r.HandleFunc("/organisations/{id}/members/{user}", a.getMember).Methods(http.MethodGet)
	r.HandleFunc("/organisations/{id}/members/{user}", a.removeMember).Methods(http.MethodDelete)
	r.HandleFunc("/organisations/{id}/members/{user}/roles", a.setMemberRoles).Methods(http.MethodPut)
	r.HandleFunc("/organisations/{id}/members/{user}/{decision:approve|reject}", a.decideMember).Methods(http.MethodPost)
}

// listOrgs: operators and moderators see every organisation; an org admin only
// their own.
func (a *API) listOrgs(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit is 1 to 200")
		return
	}
	status := r.URL.Query().Get("status")
	if status != "" && !slices.Contains([]string{storage.OrgPending, storage.OrgActive, storage.OrgRejected, storage.OrgSuspended}, status) {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "status is pending, active, rejected or suspended")
		return
	}
	q := storage.OrgQuery{Status: status, Text: r.URL.Query().Get("q"), After: r.URL.Query().Get("cursor"), Limit: limit}
	if !p.operator && !p.moderator {
		q.IDs = []string{} // none unless an admin of some
		for id := range p.adminOf {
			q.IDs = append(q.IDs, id)
		}
	}
	list, next, err := a.cfg.Orgs.Find(r.Context(), q)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := page[orgDoc]{Items: []orgDoc{}, Next: next}
	for _, o := range list {
		out.Items = append(out.Items, toOrgDoc(o))
	}
	writeJSON(w, http.StatusOK, out)
}

// org reads the organisation of the path that the caller may see.
func (a *API) org(w http.ResponseWriter, r *http.Request) (storage.Organisation, bool) {
	id := mux.Vars(r)["id"]
	p := principalOf(r.Context())
	if !p.operator && !p.moderator && !p.adminOf[id] {
		writeProblem(w, http.StatusForbidden, "forbidden", "this organisation is not yours to see")
		return storage.Organisation{}, false
	}
	o, err := a.cfg.Orgs.Get(r.Context(), id)
	if err != nil {
		a.storeError(w, r, err, "organisation")
		return o, false
	}
	return o, true
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request) {
	o, ok := a.org(w, r)
	if !ok {
		return
	}
	doc := toOrgDoc(o)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

// createOrg registers an organisation directly, active (operators: a CRM).
func (a *API) createOrg(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	var in orgInput
	if !decode(w, r, &in) {
		return
	}
	var o storage.Organisation
	in.apply(&o)
	o.ID = "" // a new one, never the caller's
	o, bad, err := a.cfg.Orgs.Create(r.Context(), o, a.actor(r))
	switch {
	case bad != nil:
		writeProblemFields(w, http.StatusBadRequest, "invalid-organisation", "the organisation is not valid", apiProblems(bad))
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(w, http.StatusConflict, "conflict", "an organisation with this INN and KPP exists")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	doc := toOrgDoc(o)
	w.Header().Set("ETag", etag(doc))
	w.Header().Set("Location", "/api/v1/organisations/"+o.ID)
	writeJSON(w, http.StatusCreated, doc)
}

// orgProblems is orgs.Problems as the API says it ("invalid.inn").
func orgProblems(o storage.Organisation) map[string]string {
	return apiProblems(orgs.Problems(o))
}

// apiProblems turns the pages' message keys into the API's short codes.
func apiProblems(bad map[string]string) map[string]string {
	for field, key := range bad {
		bad[field] = strings.TrimPrefix(strings.TrimPrefix(key, "company."), "console.")
	}
	return bad
}

func (a *API) updateOrg(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	o, ok := a.org(w, r)
	if !ok {
		return
	}
	var in orgInput
	if !decode(w, r, &in) {
		return
	}
	if (in.INN != nil && *in.INN != o.INN) || (in.KPP != nil && *in.KPP != o.KPP) {
		writeProblemFields(w, http.StatusBadRequest, "invalid-organisation", "the INN and KPP of an organisation do not change",
			map[string]string{"inn": "register another organisation instead"})
		return
	}
	next := o
	in.apply(&next)
	if bad := orgProblems(next); len(bad) > 0 {
		writeProblemFields(w, http.StatusBadRequest, "invalid-organisation", "the organisation is not valid", bad)
		return
	}
	if !a.ifMatch(w, r, "organisation:"+o.ID, toOrgDoc(o)) {
		return
	}
	saved, _, err := a.cfg.Orgs.UpdateRequisites(r.Context(), next)
	if err != nil {
		a.storeError(w, r, err, "organisation")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventOrgChanged, OrgID: o.ID, Details: map[string]string{"change": "updated"}})
	doc := toOrgDoc(saved)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

// moderateOrg approves or rejects a pending organisation, or suspends and
// reactivates an active one (moderators and operators). orgs.Service
// writes the audit event and mails whom the decision concerns.
func (a *API) moderateOrg(w http.ResponseWriter, r *http.Request) {
	if !a.needModerator(w, r) {
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 && !decode(w, r, &in) {
		return
	}
	id, decision := mux.Vars(r)["id"], mux.Vars(r)["decision"]
	by := a.actor(r)
	var o storage.Organisation
	var err error
	switch decision {
	case "approve":
		if in.Reason != "" {
			by.Details["reason"] = in.Reason
		}
		o, err = a.cfg.Orgs.ApproveOrganisation(r.Context(), id, by)
	case "reject":
		o, err = a.cfg.Orgs.RejectOrganisation(r.Context(), id, by, in.Reason)
	default:
		o, err = a.cfg.Orgs.SetStatus(r.Context(), id, decision, in.Reason, by)
	}
	if errors.Is(err, orgs.ErrNotPending) {
		writeProblem(w, http.StatusConflict, "wrong-status", "the organisation is not in a status this applies to")
		return
	}
	if err != nil {
		a.storeError(w, r, err, "organisation")
		return
	}
	doc := toOrgDoc(o)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}
