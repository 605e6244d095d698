package provider

import (
	"context"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Scopes and claims of organisations (DESIGN.md): the organisation chosen for
// the session with the roles held there, and every active membership.
const (
	ScopeOrg   = "org"
	ScopeOrgs  = "orgs"
	ClaimOrg   = "org"
	ClaimRoles = "roles"
	ClaimOrgs  = "orgs"
)

// org_hint is not a parameter op knows; it is carried from the /authorize
// request to CreateAuthRequest in the context.
type orgHintKey struct{}

func withOrgHint(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hint := r.URL.Query().Get("org_hint")
		if hint == "" && r.Method == http.MethodPost {
			hint = r.PostFormValue("org_hint")
		}
		if hint != "" && len(hint) <= 64 {
			r = r.WithContext(context.WithValue(r.Context(), orgHintKey{}, hint))
		}
		next.ServeHTTP(w, r)
	})
}

func orgHint(ctx context.Context) string {
	h, _ := ctx.Value(orgHintKey{}).(string)
	return h
}

// orgClaims adds the org, roles and orgs claims the scopes ask for; memberships
// are read afresh, so that a role change shows in the next token and userinfo.
func (s *Storage) orgClaims(ctx context.Context, info *oidc.UserInfo, userID, orgID, clientID string, scopes []string) error {
	wantOrg, wantOrgs := slices.Contains(scopes, ScopeOrg), slices.Contains(scopes, ScopeOrgs)
	if s.cfg.OrgClaims == nil || (!wantOrg && !wantOrgs) {
		return nil
	}
	c, err := s.cfg.OrgClaims(ctx, userID, orgID, clientID, wantOrg, wantOrgs)
	if err != nil {
		return err
	}
	if wantOrg && c.Org != nil {
		info.AppendClaims(ClaimOrg, c.Org)
		info.AppendClaims(ClaimRoles, c.Roles)
	}
	if wantOrgs {
		info.AppendClaims(ClaimOrgs, c.Orgs)
	}
	return nil
}
