package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/storage"
)

// principal is who calls: a person (their authorities and the companies they
// administer) or a machine client (its authorities).
type principal struct {
	UserID, ClientID string
	operator         bool
	moderator        bool
	adminOf          map[string]bool
}

func (p principal) id() string {
	if p.UserID != "" {
		return p.UserID
	}
	return "client:" + p.ClientID
}

type principalKey struct{}

func principalOf(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// authenticate resolves the bearer token into a principal; a token without the
// admin scope, unknown, expired or revoked is 401.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || raw == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vhod", scope="admin"`)
			writeProblem(w, http.StatusUnauthorized, "unauthorized", "send an access token of Vhod with the admin scope")
			return
		}
		at, err := a.cfg.Verify(r.Context(), strings.TrimSpace(raw))
		if err != nil || !slices.Contains(at.Grant.Scopes, Scope) {
			if err != nil && !strings.Contains(err.Error(), "invalid access token") {
				a.serverError(w, r, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="vhod", error="invalid_token"`)
			writeProblem(w, http.StatusUnauthorized, "unauthorized", "the token is not valid here (expired, revoked, or without the admin scope)")
			return
		}
		p, err := a.resolve(r.Context(), at.Grant)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (a *API) resolve(ctx context.Context, g storage.Grant) (principal, error) {
	p := principal{adminOf: map[string]bool{}}
	if g.Subject == g.ClientID {
		c, err := a.cfg.Store.ClientByID(ctx, g.ClientID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return p, err
		}
		p.ClientID = g.ClientID
		p.operator = slices.Contains(c.Authorities, storage.AuthorityOperator)
		p.moderator = slices.Contains(c.Authorities, storage.AuthorityModerator)
		return p, nil
	}
	u, err := a.cfg.Store.UserByID(ctx, g.Subject)
	if errors.Is(err, storage.ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.UserID = u.ID
	p.operator = slices.Contains(u.Authorities, storage.AuthorityOperator)
	p.moderator = slices.Contains(u.Authorities, storage.AuthorityModerator)
	ms, err := a.cfg.Store.MembershipsOfUser(ctx, u.ID)
	if err != nil {
		return p, err
	}
	for _, m := range ms {
		if m.Status == storage.MemberActive && slices.Contains(m.Roles, storage.RoleOrgAdmin) {
			p.adminOf[m.OrgID] = true
		}
	}
	return p, nil
}

// Authority checks: each answers 403 itself when the caller may not.
func (a *API) needOperator(w http.ResponseWriter, r *http.Request) bool {
	if principalOf(r.Context()).operator {
		return true
	}
	writeProblem(w, http.StatusForbidden, "forbidden", "this needs the operator authority")
	return false
}

func (a *API) needModerator(w http.ResponseWriter, r *http.Request) bool {
	p := principalOf(r.Context())
	if p.operator || p.moderator {
		return true
	}
	writeProblem(w, http.StatusForbidden, "forbidden", "this needs the moderator authority")
	return false
}

// needOrgAdmin: an operator, a moderator (approvals only, see callers), or the
// organisation's own admin.
func (a *API) canAdminOrg(r *http.Request, orgID string) bool {
	p := principalOf(r.Context())
	return p.operator || p.adminOf[orgID]
}
