package provider

import (
	"context"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/storage"
)

// Scopes of organisations (DESIGN.md): the organisation chosen for the
// session with the roles held there, and every active membership.
const (
	ScopeOrg  = directory.ScopeOrg
	ScopeOrgs = directory.ScopeOrgs
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

// systemClaims are the org and roles claims of an integration system's token,
// read afresh: a role the org_admin takes away is gone from the next token.
func (s *Storage) systemClaims(ctx context.Context, c storage.Client) (orgs.Claims, error) {
	if s.cfg.SystemClaims == nil {
		return orgs.Claims{}, nil
	}
	claims, err := s.cfg.SystemClaims(ctx, c.OrgID, c.Roles)
	if err != nil {
		return claims, s.serverError(ctx, err)
	}
	return claims, nil
}

// systemIntrospection tells a resource server the organisation and roles of an
// integration system's token as they are now.
func (s *Storage) systemIntrospection(ctx context.Context, resp *oidc.IntrospectionResponse, clientID string) error {
	c, err := s.loadClient(ctx, clientID)
	if err != nil {
		return s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("token is not active"))
	}
	sys, err := s.systemClaims(ctx, c.c)
	if err != nil || sys.Org == nil {
		resp.Active = false
		return err
	}
	if resp.Claims == nil {
		resp.Claims = map[string]any{}
	}
	resp.Claims[claims.Org], resp.Claims[claims.Roles] = sys.Org, sys.Roles
	return nil
}

// orgClaims adds the org, roles and orgs claims the scopes ask for; memberships
// are read afresh, so that a role change shows in the next token and userinfo.
// The grant's company, and each company of the orgs list, is left out when
// the sign-in does not meet that company's sign-in policy (orgAllowed): the
// list's roles speak for the company as much as the org claim does.
func (s *Storage) orgClaims(ctx context.Context, info *oidc.UserInfo, g storage.Grant, scopes []string) error {
	wantOrg, wantOrgs := slices.Contains(scopes, ScopeOrg), slices.Contains(scopes, ScopeOrgs)
	if s.cfg.OrgClaims == nil || (!wantOrg && !wantOrgs) {
		return nil
	}
	orgID := g.OrgID
	if wantOrg && orgID != "" {
		ok, err := s.orgAllowed(ctx, g, orgID)
		if err != nil {
			return err
		}
		if !ok {
			orgID = ""
		}
	}
	c, err := s.cfg.OrgClaims(ctx, g.Subject, orgID, g.ClientID, wantOrg, wantOrgs)
	if err != nil {
		return err
	}
	if wantOrg && c.Org != nil {
		info.AppendClaims(claims.Org, c.Org)
		info.AppendClaims(claims.Roles, c.Roles)
	}
	if wantOrgs {
		list, err := s.allowedOrgs(ctx, g, c.Orgs)
		if err != nil {
			return err
		}
		info.AppendClaims(claims.Orgs, list)
	}
	return nil
}

// allowedOrgs are the entries of the orgs claim whose company's policy the
// grant's sign-in meets.
func (s *Storage) allowedOrgs(ctx context.Context, g storage.Grant, list []orgs.Entry) ([]orgs.Entry, error) {
	out := make([]orgs.Entry, 0, len(list))
	for _, e := range list {
		ok, err := s.orgAllowed(ctx, g, e.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// orgAllowed applies the sign-in policy of the company orgID to the grant's
// sign-in (Config.OrgPolicy); a company withheld is audited.
func (s *Storage) orgAllowed(ctx context.Context, g storage.Grant, orgID string) (bool, error) {
	if s.cfg.OrgPolicy == nil {
		return true, nil
	}
	ok, err := s.cfg.OrgPolicy(ctx, g.Subject, orgID, g.ACR, g.AMR)
	if err != nil || ok {
		return ok, err
	}
	s.audit(ctx, storage.AuditEvent{Type: directory.EventFactorRequired, Outcome: directory.OutcomeFailure, UserID: g.Subject,
		ClientID: g.ClientID, Details: map[string]string{"by": "org", "org": orgID, "reason": "org_withheld", "acr": g.ACR}})
	return false, nil
}
