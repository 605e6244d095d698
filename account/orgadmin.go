package account

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

type memberView struct {
	UserID, Name, Login, Status, Reason string
	Roles                               map[string]bool
	Approvals                           []string
	// FactorKeys name the member's second factors (memberFactorKeys).
	FactorKeys []string
}

// roleView is a role in the page's language; Default: ticked in advance when
// a join request is approved.
type roleView struct {
	Key, Name string
	Default   bool
}

type membersPage struct {
	base
	Org      storage.Organisation
	Members  []memberView
	Requests []memberView
	// Removed are the members whose roles were all removed: listed, to be
	// given roles again.
	Removed       []memberView
	Invitations   []invitationView
	Roles         []roleView
	Contracts     []string
	Notice, Error string
	// MembersNext and RequestsNext link to the next page of each list; empty
	// on its last page.
	MembersNext, RequestsNext, RemovedNext string
	// PolicyOn shows the sign-in policy form and the members' factors;
	// Policies are its choices.
	PolicyOn bool
	Policies []policyView
}

// invitationView is an invitation as its org admin sees it.
type invitationView struct {
	orgs.SentInvitation
	RoleNames []string
}

// orgAdminOf lets only the company's org_admin through; anyone else gets 403,
// whatever they post: the company comes from the URL and every change is
// scoped to it. The session must also meet the company's sign-in policy
// (orgAdminNeed): a password alone does not run a company that asks its
// members for a second factor; a weaker session steps up first and comes
// back to the members page.
func (h *Handler) orgAdminOf(w http.ResponseWriter, r *http.Request) (storage.Organisation, storage.User, bool) {
	return h.orgAdmin(w, r, false)
}

// orgAdmin is orgAdminOf; fresh also asks for a recent sign-in (changing the
// policy itself).
func (h *Handler) orgAdmin(w http.ResponseWriter, r *http.Request, fresh bool) (storage.Organisation, storage.User, bool) {
	org, sess, u, ok := h.orgAdminSession(w, r)
	if !ok {
		return org, u, false
	}
	n, err := h.orgAdminNeed(r.Context(), u, org.ID)
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return org, u, false
	}
	n.fresh = fresh
	if !h.orgEnrolled(w, r, u, org, n) || !h.reauthUnless(w, r, sess, u, n, reauthOrgAdmin, org.ID, "") {
		return org, u, false
	}
	return org, u, true
}

// orgAdminSession is the org_admin (or an operator), with their session, of
// the company in the URL.
func (h *Handler) orgAdminSession(w http.ResponseWriter, r *http.Request) (storage.Organisation, *storage.Session, storage.User, bool) {
	if !h.companiesOn(w, r) {
		return storage.Organisation{}, nil, storage.User{}, false
	}
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return storage.Organisation{}, nil, u, false
	}
	orgID := mux.Vars(r)["org"]
	admin, err := h.cfg.Companies.IsOrgAdmin(r.Context(), u.ID, orgID)
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return storage.Organisation{}, nil, u, false
	}
	// Operators manage every company's members, as through the API.
	if !admin && !slices.Contains(u.Authorities, storage.AuthorityOperator) {
		h.pages.Fail(w, r, accountLang(r, u), &web.UserError{Status: http.StatusForbidden, Key: "error.forbidden", Err: errors.New("not an org_admin of " + orgID)})
		return storage.Organisation{}, nil, u, false
	}
	org, err := h.cfg.OrgStore.OrganisationByID(r.Context(), orgID)
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return org, nil, u, false
	}
	return org, sess, u, true
}

// roleViews are the roles of every catalogue in the page's language; a
// system is never given org_admin (withAdmin false).
func (h *Handler) roleViews(r *http.Request, lang language.Tag, withAdmin bool) ([]roleView, error) {
	roles, err := h.cfg.Companies.Catalogue(r.Context())
	if err != nil {
		return nil, err
	}
	t := h.catalog.Translator(lang)
	var out []roleView
	for _, role := range roles {
		if role.Key == storage.RoleOrgAdmin && !withAdmin {
			continue
		}
		out = append(out, roleView{Key: role.Key, Name: t.RoleName(role.Key, role.Name), Default: role.Default})
	}
	return out, nil
}

func (h *Handler) memberViews(r *http.Request, ms []storage.Membership) []memberView {
	var out []memberView
	for _, m := range ms {
		v := memberView{UserID: m.UserID, Status: m.Status, Reason: m.Reason, Roles: map[string]bool{}, Approvals: m.Approvals}
		for _, role := range m.Roles {
			v.Roles[role] = true
		}
		if u, err := h.people.UserByID(r.Context(), m.UserID); err == nil {
			v.Name = fullName(u)
			v.Login = directory.Who(u)
			v.FactorKeys = h.memberFactorKeys(r, u)
		}
		out = append(out, v)
	}
	return out
}

// membershipAfter is the store's cursor for a page of one organisation's
// memberships after the user ID of the page's address.
func membershipAfter(userID, orgID string) string {
	if userID == "" {
		return ""
	}
	return storage.MembershipID(userID, orgID)
}

// orgMembers shows the company's members and join requests to its org_admin
// (GET /account/companies/{org}/members).
func (h *Handler) orgMembers(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	notice := ""
	if n := r.URL.Query().Get("notice"); slices.Contains([]string{"saved", "approved", "rejected", "pin", "invited", "withdrawn", "restored", "removed", "policy"}, n) {
		notice = "members.notice." + n
	}
	h.renderMembers(w, r, http.StatusOK, org, u, notice, "")
}

func (h *Handler) renderMembers(w http.ResponseWriter, r *http.Request, status int, org storage.Organisation, u storage.User, notice, errKey string) {
	lang := accountLang(r, u)
	// Each list is one page read by the database; a "next page" link carries
	// its own cursor (a user ID) and keeps the other list's.
	membersAfter, requestsAfter := r.URL.Query().Get("members"), r.URL.Query().Get("requests")
	members, nextMember, err := h.cfg.OrgStore.ListMemberships(r.Context(),
		storage.MembershipQuery{OrgID: org.ID, Status: storage.MemberActive, After: membershipAfter(membersAfter, org.ID)})
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	requests, nextRequest, err := h.cfg.OrgStore.ListMemberships(r.Context(),
		storage.MembershipQuery{OrgID: org.ID, Status: storage.MemberRequested, After: membershipAfter(requestsAfter, org.ID)})
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	removedAfter := r.URL.Query().Get("removed")
	removed, nextRemoved, err := h.cfg.OrgStore.ListMemberships(r.Context(), storage.MembershipQuery{OrgID: org.ID, Status: storage.MemberRemoved,
		Ended: storage.MemberEndedRoles, After: membershipAfter(removedAfter, org.ID)})
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	roles, err := h.roleViews(r, lang, true)
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	page := membersPage{base: h.newBase(r, u, lang, "members.title"), Org: org, Contracts: org.Contracts, Roles: roles,
		Members: h.memberViews(r, members), Requests: h.memberViews(r, requests), Removed: h.memberViews(r, removed)}
	// A request is approved with the roles an org admin chose earlier (in
	// an approval still waiting for the moderator) or the default ones ticked.
	for i := range page.Requests {
		if len(page.Requests[i].Roles) == 0 {
			for _, role := range roles {
				if role.Default {
					page.Requests[i].Roles[role.Key] = true
				}
			}
		}
	}
	names := map[string]string{}
	for _, role := range roles {
		names[role.Key] = role.Name
	}
	for _, inv := range h.cfg.Companies.SentInvitations(org) {
		page.Invitations = append(page.Invitations, invitationView{SentInvitation: inv, RoleNames: roleNames(inv.Roles, names, page.Translator)})
	}
	if _, ok := h.cfg.Companies.(signInPolicies); ok && h.cfg.Factors != nil {
		page.PolicyOn, page.Policies = true, policyViews(org)
	}
	path := "/account/companies/" + url.PathEscape(org.ID) + "/members"
	keep := url.Values{"members": {membersAfter}, "requests": {requestsAfter}, "removed": {removedAfter}}
	without := func(name string) url.Values {
		v := url.Values{}
		for k, vs := range keep {
			if k != name {
				v[k] = vs
			}
		}
		return v
	}
	if nextMember != "" {
		page.MembersNext = web.NextPageURL(path, "members", members[len(members)-1].UserID, without("members"))
	}
	if nextRequest != "" {
		page.RequestsNext = web.NextPageURL(path, "requests", requests[len(requests)-1].UserID, without("requests"))
	}
	if nextRemoved != "" {
		page.RemovedNext = web.NextPageURL(path, "removed", removed[len(removed)-1].UserID, without("removed"))
	}
	if notice != "" {
		page.Notice = page.T(notice)
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	h.pages.Render(w, r, status, "company_members", page)
}

// orgMemberRoles saves a member's ticked roles; none ends the membership
// (POST /account/companies/{org}/members/{user}/roles).
func (h *Handler) orgMemberRoles(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "error.bad_request")
		return
	}
	target := mux.Vars(r)["user"]
	roles := r.PostForm["role"]
	if len(roles) == 0 && r.PostForm.Get("restore") == "1" {
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.restore_no_roles")
		return
	}
	if len(roles) == 0 && !h.confirmMemberRemoval(w, r, org, u, target) {
		return
	}
	// orgs.Service audits the change: a removal, a return, new roles.
	m, err := h.cfg.Companies.SetRoles(r.Context(), target, org.ID, roles, h.actor(r, u.ID))
	switch {
	case errors.Is(err, storage.ErrNotFound) || errors.Is(err, orgs.ErrNotPending):
		h.renderMembers(w, r, http.StatusNotFound, org, u, "", "error.not_found")
		return
	case errors.Is(err, orgs.ErrUnknownRole):
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.unknown_role")
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	notice := "saved"
	switch {
	case m.Status == storage.MemberRemoved:
		notice = "removed"
	case r.PostFormValue("restore") == "1":
		notice = "restored"
	}
	http.Redirect(w, r, "/account/companies/"+org.ID+"/members?notice="+notice, http.StatusSeeOther)
}

// confirmMemberRemoval asks before unticking every role of a member, which
// removes them from the company (false: it answered with the question).
// Only a member of this company is named: any other ID is not found, so the
// page tells an org admin nothing of accounts outside the company.
func (h *Handler) confirmMemberRemoval(w http.ResponseWriter, r *http.Request, org storage.Organisation, u storage.User, target string) bool {
	ms, err := h.cfg.OrgStore.MembershipsOfUser(r.Context(), target)
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return false
	}
	if !slices.ContainsFunc(ms, func(m storage.Membership) bool { return m.OrgID == org.ID && m.Status != storage.MemberRemoved }) {
		h.renderMembers(w, r, http.StatusNotFound, org, u, "", "error.not_found")
		return false
	}
	name := target
	if p, err := h.people.UserByID(r.Context(), target); err == nil {
		name = firstNonEmpty(fullName(p), directory.Who(p))
	}
	return h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.member_remove",
		Args: []string{"Name", web.NBSP(name), "Org", web.NBSP(org.Name)}, Cancel: "/account/companies/" + org.ID + "/members"})
}

// fullName is a person's family, given and middle names, as far as known.
func fullName(u storage.User) string {
	return strings.TrimSpace(strings.Join(strings.Fields(strings.Join([]string{u.FamilyName, u.GivenName, u.MiddleName}, " ")), " "))
}

// firstNonEmpty is the first non-empty string.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// orgRequestDecision approves or rejects a join request as the company's
// org_admin (POST /account/companies/{org}/requests/{user}/{decision}).
func (h *Handler) orgRequestDecision(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	target := mux.Vars(r)["user"]
	as := orgs.ApproverOrgAdmin
	if admin, _ := h.cfg.Companies.IsOrgAdmin(r.Context(), u.ID, org.ID); !admin {
		as = orgs.ApproverModerator // an operator
	}
	if err := r.ParseForm(); err != nil {
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "error.bad_request")
		return
	}
	// The roles ticked beside "Approve" are what the member gets; a member
	// without roles would be removed at once, so at least one is asked for.
	var roles []string
	// An operator decides as a moderator, who approves the person and does
	// not choose roles (the org admin's, or the defaults: orgs.ErrModeratorRoles).
	if mux.Vars(r)["decision"] == orgs.JoinApprove && as == orgs.ApproverOrgAdmin {
		if roles = r.PostForm["role"]; len(roles) == 0 {
			h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.approve_no_roles")
			return
		}
	}
	notice, err := h.cfg.Companies.DecideJoin(r.Context(), target, org, h.actor(r, u.ID), as, mux.Vars(r)["decision"], r.PostFormValue("reason"), roles)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, orgs.ErrNotPending) {
		h.renderMembers(w, r, http.StatusNotFound, org, u, "", "error.not_found")
		return
	}
	if errors.Is(err, orgs.ErrUnknownRole) {
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.unknown_role")
		return
	}
	if errors.Is(err, orgs.ErrOwnRequest) {
		h.renderMembers(w, r, http.StatusForbidden, org, u, "", "f1.own_request")
		return
	}
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	http.Redirect(w, r, "/account/companies/"+org.ID+"/members?notice="+notice, http.StatusSeeOther)
}

// orgContractPIN sets the accountant PIN of a contract, adding the contract
// when it is new (POST /account/companies/{org}/contracts).
func (h *Handler) orgContractPIN(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	if h.cfg.Accountants == nil {
		h.renderMembers(w, r, http.StatusNotFound, org, u, "", "error.not_found")
		return
	}
	contract := strings.TrimSpace(r.PostFormValue("contract"))
	err := h.cfg.Accountants.SetAccountantPIN(r.Context(), org.ID, contract, strings.TrimSpace(r.PostFormValue("pin")), h.actor(r, u.ID))
	switch {
	case errors.Is(err, orgs.ErrBadPIN):
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.bad_pin")
		return
	case errors.Is(err, directory.ErrInvalidIdentifier):
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.bad_contract")
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	http.Redirect(w, r, "/account/companies/"+org.ID+"/members?notice=pin", http.StatusSeeOther)
}

// orgInvite invites a person by email or phone with roles
// (POST /account/companies/{org}/invitations); they are told where to accept.
func (h *Handler) orgInvite(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "error.bad_request")
		return
	}
	key, err := h.cfg.Companies.Invite(r.Context(), org.ID, r.PostForm.Get("address"), r.PostForm["role"], u.ID)
	switch {
	case errors.Is(err, directory.ErrInvalidIdentifier):
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.bad_address")
		return
	case errors.Is(err, orgs.ErrUnknownRole):
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "members.unknown_role")
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	kind, to, _ := strings.Cut(key, ":")
	h.audit(r, storage.AuditEvent{Type: directory.EventMembershipChanged, Outcome: directory.OutcomeSuccess, Actor: u.ID, OrgID: org.ID,
		Details: map[string]string{"change": "invited", "to": kind, "roles": strings.Join(r.PostForm["role"], " ")}})
	limitedKey, err := h.sendInvitation(r, org, accountLang(r, u), kind, to)
	switch {
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	case limitedKey != "":
		h.renderMembers(w, r, http.StatusTooManyRequests, org, u, "", limitedKey)
		return
	}
	http.Redirect(w, r, "/account/companies/"+org.ID+"/members?notice=invited", http.StatusSeeOther)
}

// sendInvitation tells the invited person where to accept, within the send
// limits as every other message: when the limits cannot be counted (the
// database) nothing is sent and err says why (fail closed); when one is reached
// limitedKey names the sentence to show. The invitation itself is stored
// either way, and inviting again replaces it and sends. A gateway's failure is
// only logged: the person sees the invitation when they sign in.
func (h *Handler) sendInvitation(r *http.Request, org storage.Organisation, lang language.Tag, kind, to string) (limitedKey string, err error) {
	t := h.catalog.Translator(lang)
	text := t.T("mail.invited_text", "Company", org.Name, "Link", h.cfg.Issuer+"/account/companies")
	var channel string
	var send func(r *http.Request) error
	switch {
	case kind == storage.IdentEmail && h.cfg.Email != nil:
		channel, limitedKey = notify.ChannelEmail, "email.send_limited"
		send = func(r *http.Request) error {
			return h.cfg.Email.SendEmail(r.Context(), notify.Email{To: to, Subject: t.T("mail.invited_subject", "Company", org.Name), Text: text})
		}
	case kind == storage.IdentPhone && h.cfg.SMS != nil:
		channel, limitedKey = notify.ChannelSMS, "phone.send_limited"
		send = func(r *http.Request) error { return h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: to, Text: text}) }
	default:
		return "", nil
	}
	// Counted apart from the send: a limit reached, or counters that cannot be
	// read, are told to the org admin; a gateway's failure is only logged.
	r, err = h.checkSend(r, channel, to)
	switch {
	case errors.Is(err, notify.ErrLimited):
		return limitedKey, nil
	case err != nil:
		return "", err
	}
	if err := send(r); err != nil {
		h.log.WarnContext(r.Context(), "invitation not delivered", "org", org.ID, "err", err)
	}
	return "", nil
}

// orgInvitationWithdraw withdraws an invitation that waits, once the org
// admin has confirmed it on a page of its own
// (POST /account/companies/{org}/invitations/withdraw, identifier=…).
// orgs.Service audits it; the invitation stays listed as withdrawn.
func (h *Handler) orgInvitationWithdraw(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	identifier := r.PostFormValue("identifier")
	i := slices.IndexFunc(h.cfg.Companies.SentInvitations(org), func(i orgs.SentInvitation) bool {
		return i.Identifier == identifier && i.State == orgs.InvitationSent
	})
	if i < 0 {
		h.renderMembers(w, r, http.StatusNotFound, org, u, "", "members.no_invitation")
		return
	}
	_, address, _ := strings.Cut(identifier, ":")
	if !h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.invitation_withdraw",
		Args: []string{"Address", address, "Org", web.NBSP(org.Name)}, Cancel: "/account/companies/" + org.ID + "/members"}) {
		return
	}
	err := h.cfg.Companies.WithdrawInvitation(r.Context(), org.ID, identifier, h.actor(r, u.ID))
	switch {
	case errors.Is(err, orgs.ErrNotPending):
		h.renderMembers(w, r, http.StatusNotFound, org, u, "", "members.no_invitation")
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	http.Redirect(w, r, "/account/companies/"+org.ID+"/members?notice=withdrawn", http.StatusSeeOther)
}
