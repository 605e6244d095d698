package admin

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

type memberDoc struct {
	UserID     string    `json:"user_id"`
	OrgID      string    `json:"org_id"`
	Status     string    `json:"status"`
	Roles      []string  `json:"roles"`
	Approvals  []string  `json:"approvals"`
	ApprovedBy string    `json:"approved_by"`
	Reason     string    `json:"reason"`
	Ended      string    `json:"ended,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toMemberDoc(m storage.Membership) memberDoc {
	return memberDoc{UserID: m.UserID, OrgID: m.OrgID, Status: m.Status, Roles: nonNil(m.Roles), Approvals: nonNil(m.Approvals),
		ApprovedBy: m.ApprovedBy, Reason: m.Reason, Ended: m.Ended, CreatedAt: ms(m.CreatedAt), UpdatedAt: ms(m.UpdatedAt)}
}

// orgMembersAllowed: operators, moderators (reading, deciding requests) and the
// organisation's own admin; nobody else learns who works where.
func (a *API) orgMembersAllowed(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := mux.Vars(r)["id"]
	p := principalOf(r.Context())
	if !p.operator && !p.moderator && !p.adminOf[id] {
		writeProblem(w, http.StatusForbidden, "forbidden", "only this organisation's admin, moderators and operators reach its members")
		return id, false
	}
	return id, true
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) {
	orgID, ok := a.orgMembersAllowed(w, r)
	if !ok {
		return
	}
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit is 1 to 200")
		return
	}
	if _, err := a.cfg.Store.OrganisationByID(r.Context(), orgID); err != nil {
		a.storeError(w, r, err, "organisation")
		return
	}
	// The cursor is the last user ID of the previous page; the store pages by
	// membership ID (user/organisation), which the cursor names in this one.
	q := storage.MembershipQuery{OrgID: orgID, Status: r.URL.Query().Get("status"), Limit: limit}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.After = storage.MembershipID(c, orgID)
	}
	ms, next, err := a.cfg.Store.ListMemberships(r.Context(), q)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := page[memberDoc]{Items: []memberDoc{}}
	for _, m := range ms {
		out.Items = append(out.Items, toMemberDoc(m))
	}
	if next != "" {
		out.Next = ms[len(ms)-1].UserID
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) member(w http.ResponseWriter, r *http.Request, orgID string) (storage.Membership, bool) {
	m, err := a.cfg.Store.MembershipByID(r.Context(), mux.Vars(r)["user"], orgID)
	if err != nil {
		a.storeError(w, r, err, "membership")
		return m, false
	}
	return m, true
}

func (a *API) getMember(w http.ResponseWriter, r *http.Request) {
	orgID, ok := a.orgMembersAllowed(w, r)
	if !ok {
		return
	}
	m, ok := a.member(w, r, orgID)
	if !ok {
		return
	}
	doc := toMemberDoc(m)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

// setMemberRoles replaces an active member's roles (If-Match); none removes
// the member. Operators and the organisation's admin.
func (a *API) setMemberRoles(w http.ResponseWriter, r *http.Request) {
	orgID := mux.Vars(r)["id"]
	if !a.canAdminOrg(r, orgID) {
		writeProblem(w, http.StatusForbidden, "forbidden", "only this organisation's admin and operators set roles")
		return
	}
	m, ok := a.member(w, r, orgID)
	if !ok {
		return
	}
	var in struct {
		Roles []string `json:"roles"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Roles == nil {
		writeProblemFields(w, http.StatusBadRequest, "invalid-body", "roles is required (an empty list removes the member)", map[string]string{"roles": "required"})
		return
	}
	if known, err := a.cfg.Orgs.Catalogue(r.Context()); err != nil {
		a.serverError(w, r, err)
		return
	} else {
		for _, role := range in.Roles {
			if !slices.ContainsFunc(known, func(k storage.Role) bool { return k.Key == role }) {
				writeProblemFields(w, http.StatusBadRequest, "invalid-body", "a role of no catalogue: "+role, map[string]string{"roles": "roles of the catalogues only"})
				return
			}
		}
	}
	if !a.ifMatch(w, r, "membership:"+m.ID, toMemberDoc(m)) {
		return
	}
	// orgs.Service audits the change (a removal and a return included).
	saved, err := a.cfg.Orgs.SetRoles(r.Context(), m.UserID, orgID, in.Roles, a.actor(r))
	switch {
	case errors.Is(err, orgs.ErrUnknownRole):
		writeProblemFields(w, http.StatusBadRequest, "invalid-body", err.Error(), map[string]string{"roles": "roles of the catalogues only"})
		return
	case errors.Is(err, orgs.ErrNotPending):
		writeProblem(w, http.StatusConflict, "wrong-status",
			"only an active member, or one whose roles were all removed (given roles again), has roles; someone who left or was refused asks or is invited again")
		return
	case err != nil:
		a.storeError(w, r, err, "membership")
		return
	}
	doc := toMemberDoc(saved)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

// decideMember approves or rejects a join request: a moderator (or operator)
// approves as the moderator, the organisation's admin as org_admin.
func (a *API) decideMember(w http.ResponseWriter, r *http.Request) {
	orgID := mux.Vars(r)["id"]
	p := principalOf(r.Context())
	as := ""
	switch {
	case p.adminOf[orgID]:
		as = orgs.ApproverOrgAdmin
	case p.operator || p.moderator:
		as = orgs.ApproverModerator
	default:
		writeProblem(w, http.StatusForbidden, "forbidden", "only this organisation's admin, moderators and operators decide its requests")
		return
	}
	m, ok := a.member(w, r, orgID)
	if !ok {
		return
	}
	var in struct {
		Reason string `json:"reason"`
		// Roles given on approval; left out: those an org admin chose
		// earlier, or the catalogues' default roles.
		Roles []string `json:"roles"`
	}
	if r.ContentLength != 0 && !decode(w, r, &in) {
		return
	}
	// A moderator (or an operator deciding as one) approves the person; the
	// roles are the company's admin's to choose (orgs.ErrModeratorRoles).
	if in.Roles != nil && as != orgs.ApproverOrgAdmin {
		writeProblemFields(w, http.StatusForbidden, "forbidden", "only the organisation's admin chooses roles; a moderator approves without them",
			map[string]string{"roles": "leave out"})
		return
	}
	if in.Roles != nil && len(in.Roles) == 0 {
		writeProblemFields(w, http.StatusBadRequest, "invalid-body", "an approval gives at least one role (leave roles out for the default roles)",
			map[string]string{"roles": "at least one role"})
		return
	}
	// orgs.Service writes the audit event and mails the person, as for a
	// decision on the members page or in the moderation queue.
	var err error
	if mux.Vars(r)["decision"] == "approve" {
		_, err = a.cfg.Orgs.ApproveJoin(r.Context(), m.UserID, orgID, a.actor(r), as, in.Roles)
	} else {
		err = a.cfg.Orgs.RejectJoin(r.Context(), m.UserID, orgID, a.actor(r), as, in.Reason)
	}
	if errors.Is(err, orgs.ErrUnknownRole) {
		writeProblemFields(w, http.StatusBadRequest, "invalid-body", err.Error(), map[string]string{"roles": "roles of the catalogues only"})
		return
	}
	if errors.Is(err, orgs.ErrNotPending) {
		writeProblem(w, http.StatusConflict, "wrong-status", "no request of this person waits")
		return
	}
	if errors.Is(err, orgs.ErrOwnRequest) {
		writeProblem(w, http.StatusForbidden, "forbidden", "nobody approves their own request to join")
		return
	}
	if errors.Is(err, orgs.ErrModeratorRoles) {
		writeProblem(w, http.StatusForbidden, "forbidden", "only the organisation's admin chooses roles")
		return
	}
	if err != nil {
		a.storeError(w, r, err, "membership")
		return
	}
	a.getMember(w, r)
}

// removeMember ends a membership (operators and the organisation's admin).
func (a *API) removeMember(w http.ResponseWriter, r *http.Request) {
	orgID := mux.Vars(r)["id"]
	if !a.canAdminOrg(r, orgID) {
		writeProblem(w, http.StatusForbidden, "forbidden", "only this organisation's admin and operators remove members")
		return
	}
	m, ok := a.member(w, r, orgID)
	if !ok {
		return
	}
	// An active member is removed as by unticking every role (listed as
	// removed, given roles again later; orgs.Service audits it); a request
	// is withdrawn.
	if m.Status == storage.MemberActive {
		if _, err := a.cfg.Orgs.SetRoles(r.Context(), m.UserID, orgID, []string{}, a.actor(r)); err != nil {
			a.storeError(w, r, err, "membership")
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := a.cfg.Orgs.Leave(r.Context(), m.UserID, orgID); err != nil {
		a.storeError(w, r, err, "membership")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventMembershipChanged, UserID: m.UserID, OrgID: orgID, Details: map[string]string{"change": "removed"}})
	w.WriteHeader(http.StatusNoContent)
}
