package login

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// What the moderation queue and the console, which still live here, need of
// the company rules now that the company pages are account's: they move to
// console/ with them.

// companies is what the moderation queue needs of the organisation rules.
type companies interface {
	ApproveOrganisation(ctx context.Context, orgID string, by directory.Actor) (storage.Organisation, error)
	RejectOrganisation(ctx context.Context, orgID string, by directory.Actor, reason string) (storage.Organisation, error)
	DecideJoin(ctx context.Context, userID string, org storage.Organisation, by directory.Actor, as, decision, reason string) (string, error)
}

// orgReader is what the moderation queue and the console read of companies.
type orgReader interface {
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
	OrganisationsByIDs(ctx context.Context, ids []string) ([]storage.Organisation, error)
	ListOrganisations(ctx context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error)
	MembershipsOfUser(ctx context.Context, userID string) ([]storage.Membership, error)
	ListMemberships(ctx context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error)
}

// companyPerson: the company pages are on and the person is signed in (else
// the browser has its answer).
func (h *Handler) companyPerson(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	if h.cfg.Companies == nil || h.cfg.OrgStore == nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("organisations are off")})
		return storage.User{}, false
	}
	_, u, ok := h.accountSession(w, r)
	return u, ok
}

// memberView is a membership as the moderation queue lists it.
type memberView struct {
	UserID, Name, Login, Status, Reason string
	Roles                               map[string]bool
	Approvals                           []string
}

func (h *Handler) memberViews(r *http.Request, ms []storage.Membership) []memberView {
	var out []memberView
	for _, m := range ms {
		v := memberView{UserID: m.UserID, Status: m.Status, Reason: m.Reason, Roles: map[string]bool{}, Approvals: m.Approvals}
		for _, role := range m.Roles {
			v.Roles[role] = true
		}
		if u, err := h.accounts.UserByID(r.Context(), m.UserID); err == nil {
			v.Name = strings.TrimSpace(strings.Join([]string{u.FamilyName, u.GivenName, u.MiddleName}, " "))
			v.Login = directory.Who(u)
		}
		out = append(out, v)
	}
	return out
}

// decideJoin decides a join request as a moderator (directory.Orgs.DecideJoin
// audits it and mails the person).
func (h *Handler) decideJoin(r *http.Request, target string, org storage.Organisation, by storage.User, as, decision, reason string) (string, error) {
	return h.cfg.Companies.DecideJoin(r.Context(), target, org, h.actor(r, by.ID), as, decision, reason)
}
