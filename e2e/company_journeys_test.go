package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// journeysConfig: a catalogue whose "viewer" is a default role, ООО «Ромашка»
// administered by ivanov, petrov and sidorov to ask to join, and an operator
// machine client for the admin API.
func journeysConfig() string {
	cfg := strings.Replace(testConfig, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	return strings.Replace(cfg, "  users:\n", abuseLockOperator+`  role_catalogues:
    - id: svet
      clients: [shop]
      roles:
        - {key: viewer, name: {ru: Просмотр, en: Viewer}, default: true}
        - {key: buyer, name: {ru: Закупщик, en: Buyer}}
  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021"}
  memberships:
    - {user: ivanov, org: romashka, roles: [org_admin]}
  users:
`, 1) + `    - {login: petrov, password: "Petrov-pass-1", email: petrov@example.com}
    - {login: sidorov, password: "Sidorov-pass-1", email: sidorov@example.com}
`
}

// apiJSON calls the admin API with a JSON body (nil: none) and returns the
// answer, its JSON and its ETag.
func apiJSON(t *testing.T, method, u string, body any, header map[string]string) (int, map[string]any, string) {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, u, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header.Get("ETag")
}

// askToJoin files login's request to join ООО «Ромашка» on the company pages.
func askToJoin(t *testing.T, srv *server, login, password string) {
	t.Helper()
	b := accountBrowser(t, srv, login, password)
	p := mustGet(t, b, srv.Issuer+"/account/companies/join")
	if p = mustSubmit(t, b, p, "/account/companies/join", url.Values{"inn": {"7728824599"}}); !strings.Contains(p.Body, "Your request has been sent") {
		t.Fatalf("%s joins: %.400s", login, p.Body)
	}
}

// TestAPIJoinApprovalWithRoles: through the admin API an operator approves a
// join request with the catalogues' default roles (the roles themselves are
// the company admin's to choose at approval; an operator sets them after); unticking every role leaves the member
// listed as removed (ended "roles"), with no organisation in the next token,
// and giving roles again makes them active.
func TestAPIJoinApprovalWithRoles(t *testing.T) {
	srv := startServer(t, journeysConfig())
	resp, out := tokenPost(t, srv, url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, "ops", "ops-secret")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("operator token: %d %v", resp.StatusCode, out)
	}
	ops := map[string]string{"Authorization": "Bearer " + out["access_token"].(string)}
	api := srv.Issuer + "/api/v1"
	userID := func(login string) string {
		t.Helper()
		_, body, _ := apiJSON(t, http.MethodGet, api+"/users?q="+login, nil, ops)
		items, _ := body["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("users %s: %v", login, body)
		}
		return items[0].(map[string]any)["id"].(string)
	}
	askToJoin(t, srv, "petrov", "Petrov-pass-1")
	askToJoin(t, srv, "sidorov", "Sidorov-pass-1")
	petrov, sidorov := userID("petrov"), userID("sidorov")
	member := api + "/organisations/romashka/members/"

	// An operator or a moderator approves the person, not their roles (they
	// are the company admin's to choose): roles given by them are refused.
	for _, bad := range []map[string]any{{"roles": []string{}}, {"roles": []string{"buyer"}}} {
		if code, body, _ := apiJSON(t, http.MethodPost, member+petrov+"/approve", bad, ops); code != http.StatusForbidden {
			t.Fatalf("approve with %v by an operator: %d %v", bad, code, body)
		}
	}
	code, body, _ := apiJSON(t, http.MethodPost, member+petrov+"/approve", nil, ops)
	if code != http.StatusOK || body["status"] != "active" || !slices.Equal(strs(body["roles"]), []string{"viewer"}) {
		t.Fatalf("approve: %d %v", code, body)
	}
	_, _, etag := apiJSON(t, http.MethodGet, member+petrov, nil, ops)
	code, body, _ = apiJSON(t, http.MethodPut, member+petrov+"/roles", map[string]any{"roles": []string{"buyer"}},
		map[string]string{"Authorization": ops["Authorization"], "If-Match": etag})
	if code != http.StatusOK || !slices.Equal(strs(body["roles"]), []string{"buyer"}) {
		t.Fatalf("roles set: %d %v", code, body)
	}
	// No roles given: the catalogue's default ones.
	code, body, _ = apiJSON(t, http.MethodPost, member+sidorov+"/approve", nil, ops)
	if code != http.StatusOK || body["status"] != "active" || !slices.Equal(strs(body["roles"]), []string{"viewer"}) {
		t.Fatalf("approve with the defaults: %d %v", code, body)
	}

	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "org", "orgs")
	orgOfPetrov := func() (string, []string) {
		a, c := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "petrov", "Petrov-pass-1")
		_, _, claims := shop.exchange(a, c)
		return orgOf(claims)
	}
	if id, roles := orgOfPetrov(); id != "romashka" || !slices.Equal(roles, []string{"buyer"}) {
		t.Fatalf("token after the approval: %q %v", id, roles)
	}

	// Every role removed: listed as removed, ended by "roles", no org claim.
	_, _, etag = apiJSON(t, http.MethodGet, member+petrov, nil, ops)
	code, body, etag = apiJSON(t, http.MethodPut, member+petrov+"/roles", map[string]any{"roles": []string{}},
		map[string]string{"Authorization": ops["Authorization"], "If-Match": etag})
	if code != http.StatusOK || body["status"] != "removed" || body["ended"] != "roles" {
		t.Fatalf("every role removed: %d %v", code, body)
	}
	_, list, _ := apiJSON(t, http.MethodGet, api+"/organisations/romashka/members?status=removed", nil, ops)
	if items, _ := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["user_id"] != petrov {
		t.Fatalf("removed members: %v", list)
	}
	if id, _ := orgOfPetrov(); id != "" {
		t.Fatalf("a removed member's token has org %q", id)
	}
	// Roles again: active, and the token has the company once more.
	code, body, _ = apiJSON(t, http.MethodPut, member+petrov+"/roles", map[string]any{"roles": []string{"viewer"}},
		map[string]string{"Authorization": ops["Authorization"], "If-Match": etag})
	if code != http.StatusOK || body["status"] != "active" || body["ended"] != nil {
		t.Fatalf("roles given again: %d %v", code, body)
	}
	if id, roles := orgOfPetrov(); id != "romashka" || !slices.Equal(roles, []string{"viewer"}) {
		t.Fatalf("token after the return: %q %v", id, roles)
	}
}

// strs is a JSON array of strings.
func strs(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}
