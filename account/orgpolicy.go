package account

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// A company's sign-in policy on its members page: its org admin says whether
// members must use a second factor, or a passkey or a certificate, before
// apps see them act for it (orgs.Service.SetSignInPolicy audits the change);
// the members list says who has what it takes (directory/factors).

// signInPolicies sets a company's policy (orgs.Service).
type signInPolicies interface {
	SetSignInPolicy(ctx context.Context, orgID, policy string, by directory.Actor) (storage.Organisation, error)
}

// policyView is one choice of the policy form.
type policyView struct {
	Value, Key string
	Checked    bool
}

// policyViews lists the policies, weakest first, with the company's ticked.
func policyViews(org storage.Organisation) []policyView {
	var out []policyView
	for _, p := range orgs.SignInPolicies {
		key := "orgpolicy." + p
		if p == storage.OrgSignInAny {
			key = "orgpolicy.any"
		}
		out = append(out, policyView{Value: p, Key: key, Checked: p == org.SignInPolicy || (p == storage.OrgSignInAny && org.SignInPolicy == "")})
	}
	return out
}

// memberFactorKeys names, as message keys, the ways a member can meet a
// policy: their authenticator app, passkeys, SMS codes and certificates.
func (h *Handler) memberFactorKeys(r *http.Request, u storage.User) []string {
	if h.cfg.Factors == nil {
		return nil
	}
	e, err := h.cfg.Factors.Enrolment(r.Context(), u.ID)
	if err != nil {
		h.log.WarnContext(r.Context(), "member's factors not read", "user", u.ID, "err", err)
		return []string{"orgpolicy.factors_unknown"}
	}
	var keys []string
	if e.TOTP {
		keys = append(keys, "orgpolicy.factor_totp")
	}
	if len(e.Passkeys) > 0 {
		keys = append(keys, "orgpolicy.factor_passkey")
	}
	if e.SMS {
		keys = append(keys, "orgpolicy.factor_sms")
	}
	if len(u.Certificates) > 0 {
		keys = append(keys, "orgpolicy.factor_certificate")
	}
	return keys
}

// orgSignInPolicy sets the company's policy
// (POST /account/companies/{org}/sign-in-policy, policy=…). Lowering it
// lowers what every member's sign-in needs, so it asks for a recent sign-in
// too, besides the policy in force (orgAdmin).
func (h *Handler) orgSignInPolicy(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdmin(w, r, true)
	if !ok {
		return
	}
	set, ok := h.cfg.Companies.(signInPolicies)
	if !ok || h.cfg.Factors == nil {
		h.fail(w, r, &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("sign-in policies are off")})
		return
	}
	_, err := set.SetSignInPolicy(r.Context(), org.ID, r.PostFormValue("policy"), h.actor(r, u.ID))
	switch {
	case errors.Is(err, orgs.ErrUnknownSignInPolicy):
		h.renderMembers(w, r, http.StatusBadRequest, org, u, "", "orgpolicy.unknown")
		return
	case err != nil:
		h.fail(w, r, web.Unavailable(err))
		return
	}
	http.Redirect(w, r, "/account/companies/"+url.PathEscape(org.ID)+"/members?notice=policy", http.StatusSeeOther)
}
