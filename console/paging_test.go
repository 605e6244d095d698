package console

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
)

// pagedStore answers the list reads with one page and remembers what was
// asked, so a test sees that the page, not the collection, was read. The
// signed-in person is u1, an operator and a moderator.
type pagedStore struct {
	*mongo.Store  // nil: any other method panics
	orgQueries    []storage.OrgQuery
	memberQueries []storage.MembershipQuery
	userQueries   []storage.UserQuery
}

func (s *pagedStore) SessionByID(context.Context, string) (storage.Session, error) {
	return storage.Session{ID: "s", UserID: "u1"}, nil
}

func (s *pagedStore) UserByID(_ context.Context, id string) (storage.User, error) {
	u := storage.User{ID: id, Login: id}
	if id == "u1" {
		u.Authorities = []string{storage.AuthorityOperator, storage.AuthorityModerator}
	}
	return u, nil
}

func (s *pagedStore) MembershipsOfUser(context.Context, string) ([]storage.Membership, error) {
	return nil, nil
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
	return []storage.Membership{{ID: storage.MembershipID("u7", "o1"), UserID: "u7", OrgID: "o1", Status: q.Status}}, storage.MembershipID("u7", "o1"), nil
}

func (s *pagedStore) OrganisationsByIDs(context.Context, []string) ([]storage.Organisation, error) {
	return []storage.Organisation{{ID: "o1", Name: "ООО «Первая»", INN: "7728824599"}}, nil
}

func (s *pagedStore) UserByIdentifier(context.Context, string) (storage.User, error) {
	return storage.User{}, storage.ErrNotFound
}

func (s *pagedStore) ListUsers(_ context.Context, q storage.UserQuery) ([]storage.User, error) {
	s.userQueries = append(s.userQueries, q)
	var out []storage.User
	for i := range q.Limit { // always more than a page
		out = append(out, storage.User{ID: fmt.Sprintf("u%03d", i), Login: fmt.Sprintf("user%03d", i)})
	}
	return out, nil
}

// pagedGet serves one GET of the console over st, signed in as u1.
func pagedGet(t *testing.T, st *pagedStore, target string) (int, string) {
	t.Helper()
	companies, err := orgs.New(st, nil, orgs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Issuer: "http://vhod.test", CSRFKey: make([]byte, 32), Store: st, Orgs: companies,
		Users: directory.NewUserAdmin(st, nil, directory.UserAdminConfig{}), Cookies: web.NewCookies(false, time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	h.Mount(r)
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Accept-Language", "en")
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: "v"})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, html.UnescapeString(string(b))
}

// TestModerationQueuePages: the queue reads a page of companies (few: each is
// shown whole) and a page of join requests from the store, oldest first by
// default, with the cursors of the address, and links to the next page of
// each keeping the other's place.
func TestModerationQueuePages(t *testing.T) {
	st := &pagedStore{}
	code, body := pagedGet(t, st, "/moderation?orgs=o0&requests=u1/o9")
	if code != http.StatusOK {
		t.Fatalf("status %d: %.600s", code, body)
	}
	if len(st.orgQueries) != 2 || !reflect.DeepEqual(st.orgQueries[0], storage.OrgQuery{Status: storage.OrgPending, After: "o0", Limit: 10,
		Sort: storage.Sort{Key: storage.SortCreated}}) || !st.orgQueries[1].Moderated {
		t.Fatalf("organisations asked: %+v", st.orgQueries)
	}
	if len(st.memberQueries) != 1 || st.memberQueries[0] != (storage.MembershipQuery{Status: storage.MemberRequested,
		NotApprovedBy: "moderator", After: "u1/o9", Sort: storage.Sort{Key: storage.SortCreated}}) {
		t.Fatalf("requests asked: %+v", st.memberQueries)
	}
	for _, want := range []string{"ООО\u00a0«Первая»", "ООО\u00a0«Вторая»", "ООО\u00a0«Решено»", "→ ООО\u00a0«Первая» (INN 7728824599)",
		`<a href="/moderation?orgs=o2&requests=u1%2Fo9">Next page</a>`, `<a href="/moderation?orgs=o0&requests=u7%2Fo1">Next page</a>`} {
		if !strings.Contains(body, want) {
			t.Fatalf("no %q in %s", want, body[strings.Index(body, "<h1"):])
		}
	}
}

// TestConsoleListsPage: the console's searches show one page and a link to
// the next, which carries the search; before, the users beyond the first 50
// could not be reached at all.
func TestConsoleListsPage(t *testing.T) {
	st := &pagedStore{}
	code, body := pagedGet(t, st, "/console/organisations?status=active&q=Ромашка&cursor=o0")
	if code != http.StatusOK || len(st.orgQueries) != 1 ||
		!reflect.DeepEqual(st.orgQueries[0], storage.OrgQuery{Status: storage.OrgActive, Text: "Ромашка", After: "o0"}) {
		t.Fatalf("organisations: %d, asked %+v", code, st.orgQueries)
	}
	if want := `<a href="/console/organisations?cursor=o2&q=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0&status=active">Next page</a>`; !strings.Contains(body, want) {
		t.Fatalf("no %q in %s", want, body[strings.Index(body, "<h1"):])
	}
	code, body = pagedGet(t, st, "/console/users?q=user&cursor=u100")
	if code != http.StatusOK || len(st.userQueries) != 1 || st.userQueries[0].After != "u100" || st.userQueries[0].Limit != storage.DefaultPage+1 {
		t.Fatalf("users: %d, asked %+v", code, st.userQueries)
	}
	if want := `<a href="/console/users?cursor=u049&q=user">Next page</a>`; !strings.Contains(body, want) {
		t.Fatalf("no %q in %s", want, body[strings.Index(body, "<h1"):])
	}
	if strings.Contains(body, "user050") {
		t.Fatal("a user of the next page is shown")
	}
}
