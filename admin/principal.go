package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
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

// authenticate resolves the bearer token into a principal. RFC 6750 section 3:
// no token is 401 with the bare challenge; an unknown, expired or revoked token
// (or anything but an access token of Vhod) is 401 invalid_token; a valid token
// without the admin scope is 403 insufficient_scope.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vhod", scope="admin"`)
			writeProblem(w, http.StatusUnauthorized, "unauthorized", "send an access token of Vhod with the admin scope")
			return
		}
		at, err := a.cfg.Verify(r.Context(), raw)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid access token") {
				a.serverError(w, r, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="vhod", error="invalid_token"`)
			writeProblem(w, http.StatusUnauthorized, "unauthorized", "the token is not valid (expired, revoked, or not an access token of Vhod)")
			return
		}
		if !slices.Contains(at.Grant.Scopes, Scope) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vhod", error="insufficient_scope", scope="admin"`)
			writeProblem(w, http.StatusForbidden, "insufficient_scope", "the token was not issued with the admin scope")
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
	// A person an operator locked has no powers (their tokens were revoked with
	// the lock; this holds for any that slipped through).
	if directory.SignInAllowed(u, time.Now()) != nil {
		return p, nil
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

// bearerToken is the token of an Authorization header of the Bearer scheme,
// whose name is case-insensitive (RFC 6750 section 2.1, RFC 9110 section 11.1).
func bearerToken(authorization string) (string, bool) {
	scheme, token, ok := strings.Cut(authorization, " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}
