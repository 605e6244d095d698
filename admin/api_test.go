package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

type ring struct{}

func (ring) Keys(context.Context) ([]directory.KeyInfo, error) {
	return []directory.KeyInfo{{KID: "k1", Algorithm: "ES256", Current: true}}, nil
}
func (ring) Rotate(context.Context, string) (string, error) { return "k2", nil }

// apiServer is the API over a fresh store with directory's real services; a
// bearer token names the caller: "ops" an operator client, anything else a user.
type apiServer struct {
	t    *testing.T
	r    *mux.Router
	st   *mongo.Store
	orgs *orgs.Service
	mail *notify.Memory
}

func newAPIServer(t *testing.T) *apiServer {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	log := slog.New(slog.DiscardHandler)
	p, _ := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	audit := directory.NewAuditor(st, log)
	mail := notify.NewMemory(100)
	companies, err := orgs.New(st, p, orgs.Config{Audit: audit, Logger: log,
		Notifier: directory.NewNotifier(st, mail, func(_, key string, args ...string) string { return key }, log)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateClient(t.Context(), storage.Client{ID: "ops", Authorities: []string{storage.AuthorityOperator}}); err != nil {
		t.Fatal(err)
	}
	api := New(Config{Store: st, Orgs: companies, Audit: audit, Logger: log,
		Verify: func(_ context.Context, raw string) (storage.AccessToken, error) {
			if raw == "bad" {
				return storage.AccessToken{}, errInvalid
			}
			scopes := []string{Scope}
			if raw == "noscope" {
				scopes = nil
			}
			return storage.AccessToken{Grant: storage.Grant{Subject: raw, ClientID: "ops", Scopes: scopes}}, nil
		},
		Clients:    directory.NewClients(st, directory.ClientsConfig{HashSecret: func(s string) string { return "h" + s }, Algorithms: []string{"ES256"}}),
		Catalogues: directory.NewCatalogues(st),
		Users: directory.NewUserAdmin(st, directory.New(st, p, log), directory.UserAdminConfig{
			RevokeSession: func(context.Context, storage.Session) error { return nil },
			RevokeUser:    func(context.Context, string) error { return nil }}),
		Keys:    directory.NewKeys(ring{}, []string{"ES256"}),
		Anchors: directory.NewAnchors(st, directory.AnchorsConfig{Audit: audit}),
	})
	r := mux.NewRouter()
	api.Mount(r)
	return &apiServer{t: t, r: r, st: st, orgs: companies, mail: mail}
}

type errString string

func (e errString) Error() string { return string(e) }

const errInvalid = errString("invalid access token")

// call makes one request as token; headers are name, value pairs.
func (s *apiServer) call(token, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	req := httptest.NewRequest(method, "/api/v1"+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.r.ServeHTTP(w, req)
	return w
}

func (s *apiServer) want(w *httptest.ResponseRecorder, status int, what string) map[string]any {
	s.t.Helper()
	if w.Code != status {
		s.t.Fatalf("%s: %d, want %d: %s", what, w.Code, status, w.Body)
	}
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return out
}

func TestAPIAuthentication(t *testing.T) {
	s := newAPIServer(t)
	s.want(s.call("", "GET", "/clients", ""), 401, "no token")
	s.want(s.call("bad", "GET", "/clients", ""), 401, "bad token")
	s.want(s.call("noscope", "GET", "/clients", ""), 403, "no scope")
	s.want(s.call("ops", "GET", "/nothing", ""), 404, "no route")
	s.want(s.call("", "GET", "/openapi.json", ""), 200, "openapi")
	s.want(s.call("ops", "GET", "/clients?limit=0", ""), 400, "limit")
}

func TestAPIClients(t *testing.T) {
	s := newAPIServer(t)
	s.want(s.call("ops", "POST", "/clients", `{"id":"bad id"}`), 400, "invalid")
	s.want(s.call("ops", "POST", "/clients", `{"id":"shop","nope":1}`), 400, "unknown field")
	s.want(s.call("ops", "POST", "/clients", `{`), 400, "syntax")
	s.want(s.call("ops", "POST", "/clients", `{"id":1}`), 400, "type")
	created := s.want(s.call("ops", "POST", "/clients", `{"id":"shop","redirect_uris":["https://shop/cb"]}`), 201, "create")
	if created["secret"] == "" {
		t.Fatal("no secret shown")
	}
	s.want(s.call("ops", "POST", "/clients", `{"id":"shop","redirect_uris":["https://shop/cb"]}`), 409, "again")
	s.want(s.call("ops", "GET", "/clients", ""), 200, "list")
	w := s.call("ops", "GET", "/clients/shop", "")
	s.want(w, 200, "get")
	tag := w.Header().Get("ETag")
	body := `{"redirect_uris":["https://shop/cb2"]}`
	s.want(s.call("ops", "PUT", "/clients/shop", body), 428, "no If-Match")
	s.want(s.call("ops", "PUT", "/clients/shop", body, "If-Match", `"x"`), 412, "stale")
	s.want(s.call("ops", "PUT", "/clients/shop", `{"id":"other"}`, "If-Match", tag), 400, "id change")
	s.want(s.call("ops", "PUT", "/clients/shop", `{"secret":"s"}`, "If-Match", tag), 400, "secret")
	s.want(s.call("ops", "PUT", "/clients/shop", `{"redirect_uris":["x"]}`, "If-Match", tag), 400, "bad update")
	s.want(s.call("ops", "PUT", "/clients/shop", body, "If-Match", tag), 200, "update")
	s.want(s.call("ops", "POST", "/clients/shop/secret", ""), 200, "rotate")
	s.want(s.call("ops", "POST", "/clients", `{"id":"spa","public":true,"redirect_uris":["https://spa/cb"]}`), 201, "public")
	s.want(s.call("ops", "POST", "/clients/spa/secret", ""), 409, "no secret")
	s.want(s.call("ops", "DELETE", "/clients/shop", ""), 204, "delete")
	s.want(s.call("ops", "GET", "/clients/shop", ""), 404, "gone")
	s.want(s.call("ops", "GET", "/audit?type=client.changed", ""), 200, "audit")
	s.want(s.call("ops", "GET", "/keys", ""), 200, "keys")
	s.want(s.call("ops", "POST", "/keys/rotate", `{"alg":"ES256"}`), 201, "rotate key")
	s.want(s.call("ops", "POST", "/keys/rotate", `{"alg":"none"}`), 400, "bad alg")
	s.want(s.call("ops", "GET", "/trust-anchors", ""), 200, "anchors")
	s.want(s.call("ops", "GET", "/trust-anchors/x", ""), 404, "no anchor")
	s.want(s.call("ops", "POST", "/trust-anchors", `{"certificate":"x"}`), 400, "bad anchor")
	s.want(s.call("ops", "DELETE", "/trust-anchors/x", ""), 404, "remove none")
}

func TestAPICataloguesAndUsers(t *testing.T) {
	s := newAPIServer(t)
	cat := `{"clients":["shop"],"roles":[{"key":"buyer","name":{"ru":"Закупщик","en":"Buyer"}}]}`
	s.want(s.call("ops", "PUT", "/role-catalogues/shop", cat), 428, "no If-None-Match")
	s.want(s.call("ops", "PUT", "/role-catalogues/shop", `{"roles":[{"key":"org_admin"}]}`), 400, "invalid")
	s.want(s.call("ops", "PUT", "/role-catalogues/shop", cat, "If-None-Match", "*"), 201, "create")
	w := s.call("ops", "GET", "/role-catalogues/shop", "")
	s.want(w, 200, "get")
	s.want(s.call("ops", "PUT", "/role-catalogues/shop", cat, "If-Match", w.Header().Get("ETag")), 200, "replace")
	s.want(s.call("ops", "GET", "/role-catalogues", ""), 200, "list")
	s.want(s.call("ops", "GET", "/role-catalogues/none", ""), 404, "missing")
	s.want(s.call("ops", "DELETE", "/role-catalogues/shop", ""), 204, "delete")

	s.want(s.call("ops", "POST", "/users", `{}`), 400, "no identifier")
	u := s.want(s.call("ops", "POST", "/users", `{"login":"petrov","email":"petrov@example.com","password":"Long-enough-pass-1"}`), 201, "create")
	id, _ := u["id"].(string)
	s.want(s.call("ops", "POST", "/users", `{"login":"petrov"}`), 409, "taken")
	s.want(s.call("ops", "GET", "/users?q=petrov", ""), 200, "find")
	w = s.call("ops", "GET", "/users/"+id, "")
	s.want(w, 200, "get")
	s.want(s.call("ops", "PATCH", "/users/"+id, `{"authorities":["god"]}`, "If-Match", w.Header().Get("ETag")), 400, "bad authority")
	s.want(s.call("ops", "PATCH", "/users/"+id, `{"family_name":"Петров"}`, "If-Match", w.Header().Get("ETag")), 200, "patch")
	s.want(s.call("ops", "POST", "/users/"+id+"/lock", ""), 200, "lock")
	s.want(s.call("ops", "POST", "/users/"+id+"/unlock", ""), 200, "unlock")
	s.want(s.call("ops", "POST", "/users/"+id+"/password-change", ""), 200, "password change")
	s.want(s.call("ops", "GET", "/users/"+id+"/sessions", ""), 200, "sessions")
	s.want(s.call("ops", "DELETE", "/users/"+id+"/sessions/none", ""), 404, "no session")
	s.want(s.call("ops", "DELETE", "/users/"+id, ""), 204, "delete")
	s.want(s.call("ops", "GET", "/users/"+id, ""), 404, "gone")
	s.want(s.call("ops", "GET", "/audit?cursor=%2F%2F", ""), 400, "bad cursor")
}

// TestAPIOrganisationsAndMembers: an operator makes and changes a company; a
// join request decided through the API mails the person, as on the pages.
func TestAPIOrganisationsAndMembers(t *testing.T) {
	s := newAPIServer(t)
	ctx := t.Context()
	for _, u := range []storage.User{{ID: "employee", Email: "employee@example.com"}, {ID: "director"}} {
		if err := s.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	s.want(s.call("ops", "POST", "/organisations", `{"name":"X","inn":"1"}`), 400, "invalid")
	o := s.want(s.call("ops", "POST", "/organisations", `{"name":"Ромашка","inn":"7728824599","kpp":"772801001"}`), 201, "create")
	id, _ := o["id"].(string)
	s.want(s.call("ops", "POST", "/organisations", `{"name":"Ромашка","inn":"7728824599","kpp":"772801001"}`), 409, "again")
	s.want(s.call("ops", "GET", "/organisations?status=active", ""), 200, "list")
	w := s.call("ops", "GET", "/organisations/"+id, "")
	s.want(w, 200, "get")
	s.want(s.call("ops", "PATCH", "/organisations/"+id, `{"inn":"500100732259"}`, "If-Match", w.Header().Get("ETag")), 400, "inn change")
	s.want(s.call("ops", "PATCH", "/organisations/"+id, `{"name":"Ромашка-2"}`, "If-Match", w.Header().Get("ETag")), 200, "patch")
	s.want(s.call("ops", "POST", "/organisations/"+id+"/suspend", `{"reason":"unpaid"}`), 200, "suspend")
	s.want(s.call("ops", "POST", "/organisations/"+id+"/suspend", ""), 409, "suspend twice")
	s.want(s.call("ops", "POST", "/organisations/"+id+"/reactivate", ""), 200, "reactivate")
	s.want(s.call("director", "GET", "/organisations/"+id, ""), 403, "not theirs")

	if _, err := s.orgs.RequestJoin(ctx, "employee", id); err != nil {
		t.Fatal(err)
	}
	s.want(s.call("ops", "GET", "/organisations/"+id+"/members?status=requested", ""), 200, "members")
	s.want(s.call("ops", "POST", "/organisations/"+id+"/members/employee/approve", ""), 200, "approve")
	s.want(s.call("ops", "POST", "/organisations/"+id+"/members/employee/approve", ""), 409, "nothing waits")
	if msgs := s.mail.Messages(); len(msgs) != 1 || msgs[0].To != "employee@example.com" || msgs[0].Subject != "mail.join_approved_subject" {
		t.Fatalf("the API's approval mailed %+v", msgs)
	}
	w = s.call("ops", "GET", "/organisations/"+id+"/members/employee", "")
	s.want(w, 200, "member")
	s.want(s.call("ops", "PUT", "/organisations/"+id+"/members/employee/roles", `{"roles":["nonsense"]}`, "If-Match", w.Header().Get("ETag")), 400, "unknown role")
	s.want(s.call("ops", "PUT", "/organisations/"+id+"/members/employee/roles", `{"roles":["org_admin"]}`, "If-Match", w.Header().Get("ETag")), 200, "roles")
	s.want(s.call("employee", "GET", "/audit?org="+id, ""), 200, "org admin's audit")
	s.want(s.call("ops", "DELETE", "/organisations/"+id+"/members/employee", ""), 204, "remove")
	// Removed by its admin's side: listed as ended by "roles", and given roles again.
	w = s.call("ops", "GET", "/organisations/"+id+"/members/employee", "")
	if m := s.want(w, 200, "removed member"); m["status"] != "removed" || m["ended"] != "roles" {
		t.Fatalf("after DELETE: %v", m)
	}
	if m := s.want(s.call("ops", "PUT", "/organisations/"+id+"/members/employee/roles", `{"roles":["org_admin"]}`, "If-Match", w.Header().Get("ETag")), 200, "roles again"); m["status"] != "active" {
		t.Fatalf("given roles again: %v", m)
	}
}
