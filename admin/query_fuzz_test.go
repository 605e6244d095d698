package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
)

// textStore answers the reads of the list resources with a little data, and
// remembers any malformed text (not UTF-8, control characters) that reached it.
// Other methods are nil: a route calling one would panic the fuzz run.
type textStore struct {
	*mongo.Store // nil: a method not overridden here panics
	bad          []string
}

func (s *textStore) see(xs ...string) {
	for _, x := range xs {
		if directory.BadText(x) != "" {
			s.bad = append(s.bad, x)
		}
	}
}

func (s *textStore) ClientByID(_ context.Context, id string) (storage.Client, error) {
	s.see(id)
	if id == "ops" {
		return storage.Client{ID: "ops", Authorities: []string{storage.AuthorityOperator}}, nil
	}
	return storage.Client{}, storage.ErrNotFound
}

func (s *textStore) ListClients(context.Context) ([]storage.Client, error) {
	return []storage.Client{{ID: "a"}, {ID: "b"}, {ID: "ops"}}, nil
}

func (s *textStore) QueryAudit(_ context.Context, q storage.AuditQuery) ([]storage.AuditEvent, error) {
	s.see(q.UserID, q.OrgID, q.ClientID, q.Type, q.BeforeID)
	return []storage.AuditEvent{{ID: "e1", Time: time.Unix(1e9, 0)}, {ID: "e2", Time: time.Unix(1e9-1, 0)}}, nil
}

func (s *textStore) ListUsers(_ context.Context, q storage.UserQuery) ([]storage.User, error) {
	s.see(q.Text, q.After)
	return []storage.User{{ID: "u1"}, {ID: "u2"}}, nil
}

func (s *textStore) UserByIdentifier(_ context.Context, key string) (storage.User, error) {
	s.see(key)
	return storage.User{}, storage.ErrNotFound
}

func (s *textStore) ListOrganisations(_ context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error) {
	s.see(q.Status, q.Text, q.After)
	return []storage.Organisation{{ID: "o1", Name: "Ромашка"}}, "", nil
}

func (s *textStore) OrganisationByID(_ context.Context, id string) (storage.Organisation, error) {
	s.see(id)
	if id == "o1" {
		return storage.Organisation{ID: "o1"}, nil
	}
	return storage.Organisation{}, storage.ErrNotFound
}

func (s *textStore) ListMemberships(_ context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error) {
	s.see(q.OrgID, q.Status, q.After)
	return []storage.Membership{{UserID: "u1", OrgID: "o1"}}, "", nil
}

func (s *textStore) RoleCatalogues(context.Context) ([]storage.RoleCatalogue, error) {
	return []storage.RoleCatalogue{{ID: "c1"}}, nil
}

// queryRoutes are the lists the fuzz target calls (their reads are in textStore).
var queryRoutes = []string{"/clients", "/audit", "/users", "/organisations", "/organisations/o1/members", "/role-catalogues", "/clients/x"}

// serveQuery answers one GET of the API as an operator, over textStore.
func serveQuery(t *testing.T, route, rawQuery string) (*httptest.ResponseRecorder, *textStore) {
	st := &textStore{}
	companies, err := orgs.New(st, nil, orgs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	api := New(Config{Store: st, Orgs: companies, Clients: directory.NewClients(st, directory.ClientsConfig{}),
		Catalogues: directory.NewCatalogues(st), Users: directory.NewUserAdmin(st, nil, directory.UserAdminConfig{}), Verify: func(context.Context, string) (storage.AccessToken, error) {
			return storage.AccessToken{Grant: storage.Grant{Subject: "ops", ClientID: "ops", Scopes: []string{Scope}}}, nil
		}})
	r := mux.NewRouter()
	api.Mount(r)
	req := httptest.NewRequest(http.MethodGet, "/api/v1"+route, nil)
	req.URL.RawQuery = rawQuery
	req.Header.Set("Authorization", "Bearer x")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w, st
}

// FuzzAPIQuery (issue 16 item 10): whatever the query string, a list answers
// 200 or 400 problem details, never 500 or a panic; malformed text never
// reaches the store, and an answer takes well under a second.
func FuzzAPIQuery(f *testing.F) {
	for _, seed := range []string{"", "limit=5", "q=%ff", "q=%c3%28", "cursor=%00", "limit=5;q=x", "from=2026-01-01T00:00:00Z&to=x",
		"cursor=MjAyNi0wMS0wMVQwMDowMDowMFp8%2F%2F8", "status=active", "q=Ромашка", "%zz", "a=1&a=2&a=3", "limit=-1", "limit=1e3",
		"user=\x7f", "type=%e2%80%ae", "q=" + strings.Repeat("x", 600)} {
		for i := range queryRoutes {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, rawQuery string) {
		path := queryRoutes[int(route)%len(queryRoutes)]
		start := time.Now()
		w, st := serveQuery(t, path, rawQuery)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("GET %s?%q took %s", path, rawQuery, took)
		}
		switch w.Code {
		case http.StatusOK, http.StatusNotFound:
		case http.StatusBadRequest:
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("GET %s?%q: 400 as %q", path, rawQuery, ct)
			}
		default:
			t.Fatalf("GET %s?%q: %d %s", path, rawQuery, w.Code, w.Body)
		}
		if len(st.bad) > 0 {
			t.Fatalf("GET %s?%q: malformed text reached the store: %q", path, rawQuery, st.bad)
		}
		if w.Code == http.StatusOK {
			// Accepted: every parameter was well-formed text.
			values, err := url.ParseQuery(rawQuery)
			if err != nil {
				t.Fatalf("GET %s?%q accepted, but it does not parse: %v", path, rawQuery, err)
			}
			for k, vs := range values {
				for _, v := range append(vs, k) {
					if directory.BadText(v) != "" {
						t.Fatalf("GET %s?%q accepted with %q", path, rawQuery, v)
					}
				}
			}
		}
	})
}

// TestAPIQueryTable (issue 16 item 10): the malformed inputs, one by one, on
// the parsing alone (the e2e-like table is TestAPIMalformedQueryIs400).
func TestAPIQueryTable(t *testing.T) {
	for _, c := range []struct {
		name, route, query string
		want               int
	}{
		{"plain", "/clients", "limit=5", 200},
		{"Cyrillic search", "/users", "q=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2", 200},
		{"invalid UTF-8 search", "/users", "q=%ff", 400},
		{"invalid UTF-8 name", "/clients", "%c3=1", 400},
		{"NUL", "/audit", "user=a%00", 400},
		{"DEL", "/audit", "type=%7f", 400},
		{"C1 control", "/organisations", "q=%c2%85", 400},
		{"bad escape", "/clients", "cursor=%g0", 400},
		{"semicolon", "/clients", "limit=5;cursor=a", 400},
		{"too long", "/users", "q=" + strings.Repeat("a", directory.MaxQueryValue+1), 400},
		{"long enough", "/users", "q=" + strings.Repeat("a", directory.MaxQueryValue), 200},
		{"too many", "/clients", strings.Repeat("x=1&", directory.MaxQueryValues) + "x=1", 400},
		{"limit negative", "/clients", "limit=-1", 400},
		{"limit overflow", "/audit", "limit=18446744073709551616", 400},
		{"audit date", "/audit", "from=2026-13-01T00:00:00Z", 400},
		{"audit cursor garbage", "/audit", "cursor=%2F%2F%2F", 400},
		{"audit cursor with a NUL id", "/audit", "cursor=MjAyNi0wMS0wMVQwMDowMDowMFp8AA", 400},
		{"status unknown", "/organisations", "status=x", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, st := serveQuery(t, c.route, c.query)
			if w.Code != c.want {
				t.Fatalf("GET %s?%s: %d, want %d: %s", c.route, c.query, w.Code, c.want, w.Body)
			}
			if c.want == 400 && w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("400 as %q", w.Header().Get("Content-Type"))
			}
			if len(st.bad) > 0 {
				t.Fatalf("malformed text reached the store: %q", st.bad)
			}
		})
	}
}
