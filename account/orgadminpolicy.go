package account

import (
	"context"
	"net/http"
	"net/url"

	"github.com/vhod-id/vhod/storage"
)

// A company's admin pages ask of the admin's session what the company asks of
// its members' sign-ins (its sign-in policy, directory/factors.Required): the
// admin pages run the company, and the policy is what stands between a
// stolen password and acting for it. The rule is applied by orgAdminOf
// through reauthUnless (reauth.go).

// reauthOrgAdmin: a company's admin page waits for a stronger sign-in; the
// reauth flow's Recipient is the company, whose members page the person comes
// back to (and does again what they were doing: a form is not replayed).
const reauthOrgAdmin = "org_admin"

// orgMembersPath is a company's members page.
func orgMembersPath(orgID string) string {
	return "/account/companies/" + url.PathEscape(orgID) + "/members"
}

// orgAdminNeed is what the admin pages of orgID ask of u's session: the
// company's sign-in policy (with u's own "always ask"). Without second
// factors wired there are no policies (the sign-in does not apply them
// either).
func (h *Handler) orgAdminNeed(ctx context.Context, u storage.User, orgID string) (need, error) {
	if h.cfg.Factors == nil {
		return need{}, nil
	}
	org, err := h.cfg.OrgStore.OrganisationByID(ctx, orgID)
	if err != nil {
		return need{}, err
	}
	req, err := h.cfg.Factors.Required(ctx, u, &org)
	return need{req: req}, err
}

// orgEnrolled: an admin without a factor that can meet the policy is sent to
// set one up (signing in again would not help); false when it answered.
func (h *Handler) orgEnrolled(w http.ResponseWriter, r *http.Request, u storage.User, org storage.Organisation, n need) bool {
	if n.req.ACR == "" || n.req.Enrolled {
		return true
	}
	h.log.InfoContext(r.Context(), "company admin page needs a factor the admin has not set up", "org", org.ID, "user", u.ID)
	notice := "org_needs_factor"
	if n.req.PasskeyOrCertificate {
		notice = "org_needs_passkey"
	}
	http.Redirect(w, r, securityPath+"?notice="+notice, http.StatusSeeOther)
	return false
}
