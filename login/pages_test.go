package login

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/storage"
)

// pagedStore answers the list reads with one page and remembers what was
// asked, so a test sees that the page, not the collection, was read.
type pagedStore struct {
	orgReader     // any other method panics
	orgQueries    []storage.OrgQuery
	memberQueries []storage.MembershipQuery
	userQueries   []storage.UserQuery
}

func (s *pagedStore) ListOrganisations(_ context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error) {
	s.orgQueries = append(s.orgQueries, q)
	if q.Moderated {
		return []storage.Organisation{{ID: "h1", Name: "ООО «Решено»", Status: storage.OrgActive}}, "", nil
	}
	return []storage.Organisation{{ID: "o1", Name: "ООО «Первая»", Status: q.Status}, {ID: "o2", Name: "ООО «Вторая»", Status: q.Status}}, "o2", nil
}

func (s *pagedStore) ListMemberships(_ context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error) {
	s.memberQueries = append(s.memberQueries, q)
	user := "u7"
	if q.Status == storage.MemberActive {
		user = "u3"
	}
	return []storage.Membership{{ID: storage.MembershipID(user, "o1"), UserID: user, OrgID: "o1", Status: q.Status}}, storage.MembershipID(user, "o1"), nil
}

func (s *pagedStore) OrganisationByID(context.Context, string) (storage.Organisation, error) {
	return storage.Organisation{ID: "o1", Name: "ООО «Первая»", Status: storage.OrgActive}, nil
}

// catalogueCompanies has an empty role catalogue.
type catalogueCompanies struct{ fakeCompanies }

func (catalogueCompanies) Catalogue(context.Context) ([]storage.Role, error) { return nil, nil }

func (s *pagedStore) OrganisationsByIDs(context.Context, []string) ([]storage.Organisation, error) {
	return []storage.Organisation{{ID: "o1", Name: "ООО «Первая»", INN: "7728824599"}}, nil
}

func (s *pagedStore) ListUsers(_ context.Context, q storage.UserQuery) ([]storage.User, error) {
	s.userQueries = append(s.userQueries, q)
	var out []storage.User
	for i := range q.Limit { // always more than a page
		out = append(out, storage.User{ID: fmt.Sprintf("u%03d", i), Login: fmt.Sprintf("user%03d", i)})
	}
	return out, nil
}

// staffHandler is newTestHandler with u1 an operator and a moderator, the
// company pages on over st.
func staffHandler(t *testing.T, st *pagedStore) *Handler {
	h := newTestHandler(t, &fakeStore{}, Config{Companies: catalogueCompanies{}, OrgStore: st})
	h.accounts = fakeAccounts{user: storage.User{ID: "u1", Login: "ivanov",
		Authorities: []string{storage.AuthorityOperator, storage.AuthorityModerator}}}
	return h
}

func get(h *Handler, target string, handle http.HandlerFunc) (int, string) {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Accept-Language", "en")
	rec := signedIn(h, r, handle)
	return rec.Code, html.UnescapeString(rec.Body.String())
}

// TestOrgMembersPage: the org admin's members page reads a page of members and
// a page of requests of that company, and links to the next page of each.
func TestOrgMembersPage(t *testing.T) {
	st := &pagedStore{}
	h := staffHandler(t, st)
	r := httptest.NewRequest(http.MethodGet, "/account/companies/o1/members?members=u1&requests=u5", nil)
	r.Header.Set("Accept-Language", "en")
	rec := signedIn(h, mux.SetURLVars(r, map[string]string{"org": "o1"}), h.orgMembers)
	body := html.UnescapeString(rec.Body.String())
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %.600s", rec.Code, body)
	}
	want := []storage.MembershipQuery{{OrgID: "o1", Status: storage.MemberActive, After: "u1/o1"}, {OrgID: "o1", Status: storage.MemberRequested, After: "u5/o1"}}
	if !reflect.DeepEqual(st.memberQueries, want) {
		t.Fatalf("asked %+v, want %+v", st.memberQueries, want)
	}
	for _, link := range []string{`<a href="/account/companies/o1/members?members=u3&requests=u5">Next page</a>`,
		`<a href="/account/companies/o1/members?members=u1&requests=u7">Next page</a>`} {
		if !strings.Contains(body, link) {
			t.Fatalf("no %q in %s", link, body[strings.Index(body, "<h1"):])
		}
	}
}
