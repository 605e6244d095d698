package provider

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// Review finding 7: the orgs claim lists only the companies whose sign-in
// policy the token's sign-in met, as the org claim does; each one withheld
// is audited.
func TestOrgsClaimHonoursEachCompanyPolicy(t *testing.T) {
	var withheld auditLog
	entry := func(id string) orgs.Entry {
		return orgs.Entry{Ref: orgs.Ref{ID: id, Name: id}, Roles: []string{"buyer"}}
	}
	tp := newTestProvider(t, func(c *Config) {
		c.OrgClaims = func(_ context.Context, _, orgID, _ string, wantOrg, wantOrgs bool) (orgs.Claims, error) {
			var out orgs.Claims
			if wantOrgs {
				out.Orgs = []orgs.Entry{entry("plain"), entry("strict")}
			}
			if wantOrg && orgID != "" {
				r := entry(orgID).Ref
				out.Org, out.Roles = &r, []string{"buyer"}
			}
			return out, nil
		}
		c.Audit = directory.NewAuditor(&withheld, slog.New(slog.DiscardHandler))
		// "strict" asks for a second factor; "plain" for nothing.
		c.OrgPolicy = func(_ context.Context, _, orgID, acr string, _ []string) (bool, error) {
			return orgID != "strict" || directory.ACRSatisfies(acr, directory.ACRMFA), nil
		}
	})
	orgsOf := func(acr string) []string {
		t.Helper()
		raw := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid", ScopeOrgs}, ACR: acr, AMR: []string{"pwd"}})
		w := tp.do(t, call{method: http.MethodGet, path: "/userinfo", header: map[string]string{"Authorization": "Bearer " + raw}})
		if w.Code != http.StatusOK {
			t.Fatalf("userinfo: %d %s", w.Code, w.Body)
		}
		var info struct {
			Orgs []struct {
				ID string `json:"id"`
			} `json:"orgs"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range info.Orgs {
			ids = append(ids, o.ID)
		}
		return ids
	}
	if got := orgsOf(directory.ACRPassword); len(got) != 1 || got[0] != "plain" {
		t.Fatalf("a password sign-in lists %v", got)
	}
	if e := withheld.events; len(e) != 1 || e[0].Type != directory.EventFactorRequired || e[0].Details["org"] != "strict" ||
		e[0].Details["reason"] != "org_withheld" {
		t.Fatalf("the withheld company was not audited: %+v", e)
	}
	if got := orgsOf(directory.ACRMFA); len(got) != 2 {
		t.Fatalf("a sign-in with a second factor lists %v", got)
	}
}

// auditLog keeps the audit events recorded.
type auditLog struct {
	mu     sync.Mutex
	events []storage.AuditEvent
}

func (l *auditLog) AppendAudit(_ context.Context, e storage.AuditEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	return nil
}
