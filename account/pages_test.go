package account

import (
	"context"
	"html"
	"net/http"
	"reflect"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// pagedMembers answers the membership list with one page and remembers what
// was asked, so a test sees that the page, not the collection, was read.
type pagedMembers struct {
	orgReader
	memberQueries []storage.MembershipQuery
}

func (s *pagedMembers) ListMemberships(_ context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error) {
	s.memberQueries = append(s.memberQueries, q)
	user := "u7"
	if q.Status == storage.MemberActive {
		user = "u3"
	}
	return []storage.Membership{{ID: storage.MembershipID(user, q.OrgID), UserID: user, OrgID: q.OrgID, Status: q.Status}},
		storage.MembershipID(user, q.OrgID), nil
}

// TestOrgMembersPage: the org admin's members page reads a page of members, a
// page of requests and a page of removed members of that company, and links
// to the next page of each, keeping the others' places.
func TestOrgMembersPage(t *testing.T) {
	st := &pagedMembers{}
	ts := newTestServer(t, func(c *Config) { st.orgReader = c.OrgStore; c.OrgStore = st })
	org := ts.activeOrg("7728824599")
	p := ts.get("/account/companies/" + org.ID + "/members?members=u1&requests=u5&removed=u2")
	if p.code != http.StatusOK {
		t.Fatalf("status %d: %.600s", p.code, p.body)
	}
	want := []storage.MembershipQuery{{OrgID: org.ID, Status: storage.MemberActive, After: "u1/" + org.ID},
		{OrgID: org.ID, Status: storage.MemberRequested, After: "u5/" + org.ID},
		{OrgID: org.ID, Status: storage.MemberRemoved, Ended: storage.MemberEndedRoles, After: "u2/" + org.ID}}
	if !reflect.DeepEqual(st.memberQueries, want) {
		t.Fatalf("asked %+v, want %+v", st.memberQueries, want)
	}
	p.body = html.UnescapeString(p.body)
	p.has(t, `<a href="/account/companies/`+org.ID+`/members?members=u3&removed=u2&requests=u5">Next page</a>`,
		`<a href="/account/companies/`+org.ID+`/members?members=u1&removed=u2&requests=u7">Next page</a>`,
		`<a href="/account/companies/`+org.ID+`/members?members=u1&removed=u7&requests=u5">Next page</a>`)
}
