package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/vhod-id/vhod/admin"
	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// apiHarness calls the admin API and validates every answer against the
// OpenAPI document.
type apiHarness struct {
	t      *testing.T
	ta     *testApp
	router routers.Router
}

func newAPIHarness(t *testing.T, options ...func(*Config)) *apiHarness {
	opts := append([]func(*Config){withOrgs, func(c *Config) {
		c.Bootstrap.Clients = append(c.Bootstrap.Clients,
			BootstrapClient{ID: "ops", Secret: "ops-secret-123", GrantTypes: []string{"client_credentials"}, Scopes: []string{"admin"}, Authorities: []string{"operator"}},
			BootstrapClient{ID: "mods", Secret: "mods-secret-123", GrantTypes: []string{"client_credentials"}, Scopes: []string{"admin"}, Authorities: []string{"moderator"}},
			BootstrapClient{ID: "plain", Secret: "plain-secret-123", GrantTypes: []string{"client_credentials"}, Scopes: []string{"admin"}})
		c.Bootstrap.Clients[0].Scopes = append(c.Bootstrap.Clients[0].Scopes, "admin")
		c.Bootstrap.Organisations = append(c.Bootstrap.Organisations,
			BootstrapOrganisation{ID: "vasilek", Name: "ООО «Василёк»", INN: "7707083893", KPP: "773601001"})
		c.Bootstrap.Memberships[0].Roles = []string{"org_admin", "participant"}
	}}, options...)
	ta := newTestApp(t, opts...)
	doc := *admin.Document
	doc.Servers = openapi3.Servers{{URL: ta.URL + "/api/v1"}}
	router, err := gorillamux.NewRouter(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiHarness{t: t, ta: ta, router: router}
}

// clientToken gets a client-credentials token with the admin scope.
func (h *apiHarness) clientToken(id, secret string) string {
	h.t.Helper()
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: h.ta.URL + "/oauth/token", Scopes: []string{"admin"}}
	tok, err := cc.Token(h.t.Context())
	if err != nil {
		h.t.Fatalf("token of %s: %v", id, err)
	}
	return tok.AccessToken
}

// userToken signs ivanov in through the shop with the admin scope.
func (h *apiHarness) userToken(scopes ...string) string {
	h.t.Helper()
	oc := h.ta.oauth()
	oc.Scopes = append([]string{"openid"}, scopes...)
	verifier := oauth2.GenerateVerifier()
	cb, err := rptest.NewBrowser(testRedirect).SignIn(oc.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "ivanov", "S3cure-pass!")
	if err != nil {
		h.t.Fatal(err)
	}
	tok, err := oc.Exchange(h.t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		h.t.Fatal(err)
	}
	return tok.AccessToken
}

type apiAnswer struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// call sends a request and checks the answer against the document.
func (h *apiHarness) call(token, method, path string, body any, header ...string) apiAnswer {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, h.ta.URL+"/api/v1"+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := apiAnswer{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &a.Body)
	route, params, err := h.router.FindRoute(req)
	if err != nil {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			h.t.Fatalf("%s %s is not in the OpenAPI document: %v", method, path, err)
		}
		return a
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(raw)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		h.t.Fatalf("%s %s: answer %d does not match the document: %v\n%s", method, path, resp.StatusCode, err, raw)
	}
	return a
}

func (h *apiHarness) want(a apiAnswer, status int, what string) apiAnswer {
	h.t.Helper()
	if a.Status != status {
		h.t.Fatalf("%s: status %d, want %d: %s", what, a.Status, status, a.Raw)
	}
	return a
}

// TestAPIWalksEveryResource: every resource through its verbs as an operator,
// each answer checked against the OpenAPI document.
func TestAPIWalksEveryResource(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")

	resp, err := http.Get(h.ta.URL + "/api/v1/openapi.json")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %v", err)
	}
	if _, err := openapi3.NewLoader().LoadFromIoReader(resp.Body); err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	resp.Body.Close()

	// Clients.
	h.want(h.call(ops, "GET", "/clients", nil), 200, "list clients")
	created := h.want(h.call(ops, "POST", "/clients", map[string]any{"id": "crm", "name": "CRM", "grant_types": []string{"client_credentials"}}), 201, "create client")
	secret, _ := created.Body["secret"].(string)
	if secret == "" {
		t.Fatal("no secret shown at creation")
	}
	if _, err := (&clientcredentials.Config{ClientID: "crm", ClientSecret: secret, TokenURL: h.ta.URL + "/oauth/token"}).Token(t.Context()); err != nil {
		t.Fatalf("the new client cannot get a token: %v", err)
	}
	got := h.want(h.call(ops, "GET", "/clients/crm", nil), 200, "get client")
	tag := got.Header.Get("ETag")
	h.want(h.call(ops, "PUT", "/clients/crm", map[string]any{"name": "CRM 2", "grant_types": []string{"client_credentials"}}), 428, "update without If-Match")
	updated := h.want(h.call(ops, "PUT", "/clients/crm", map[string]any{"name": "CRM 2", "grant_types": []string{"client_credentials"}}, "If-Match", tag), 200, "update")
	if updated.Body["name"] != "CRM 2" || updated.Header.Get("ETag") == tag {
		t.Fatalf("update: %s", updated.Raw)
	}
	rotated := h.want(h.call(ops, "POST", "/clients/crm/secret", nil), 200, "rotate secret")
	// Instances see client changes within a second (their client cache).
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := (&clientcredentials.Config{ClientID: "crm", ClientSecret: secret, TokenURL: h.ta.URL + "/oauth/token"}).Token(t.Context())
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old secret still works after rotation")
		}
	}
	if _, err := (&clientcredentials.Config{ClientID: "crm", ClientSecret: rotated.Body["secret"].(string), TokenURL: h.ta.URL + "/oauth/token"}).Token(t.Context()); err != nil {
		t.Fatalf("the rotated secret: %v", err)
	}
	h.want(h.call(ops, "DELETE", "/clients/crm", nil), 204, "delete client")
	h.want(h.call(ops, "GET", "/clients/crm", nil), 404, "deleted client")

	// Role catalogues.
	cat := map[string]any{"clients": []string{"shop"}, "roles": []map[string]any{{"key": "auditor", "name": map[string]string{"ru": "Аудитор", "en": "Auditor"}}}}
	h.want(h.call(ops, "PUT", "/role-catalogues/audit", cat), 428, "create catalogue without If-None-Match")
	c := h.want(h.call(ops, "PUT", "/role-catalogues/audit", cat, "If-None-Match", "*"), 201, "create catalogue")
	h.want(h.call(ops, "PUT", "/role-catalogues/audit", cat, "If-Match", c.Header.Get("ETag")), 200, "replace catalogue")
	if l := h.want(h.call(ops, "GET", "/role-catalogues", nil), 200, "list catalogues"); len(l.Body["items"].([]any)) != 2 {
		t.Fatalf("catalogues: %s", l.Raw)
	}
	h.want(h.call(ops, "GET", "/role-catalogues/audit", nil), 200, "get catalogue")
	h.want(h.call(ops, "DELETE", "/role-catalogues/audit", nil), 204, "delete catalogue")

	// Users.
	u := h.want(h.call(ops, "POST", "/users", map[string]any{"login": "sidorov", "email": "sidorov@example.com", "family_name": "Сидоров",
		"password": "Sid0rov-pass!"}), 201, "create user")
	id := u.Body["id"].(string)
	if l := h.want(h.call(ops, "GET", "/users?q=SIDOROV@example.com", nil), 200, "find user by email"); !strings.Contains(string(l.Raw), id) {
		t.Fatalf("search: %s", l.Raw)
	}
	if l := h.want(h.call(ops, "GET", "/users?q=сидор", nil), 200, "find user by name"); !strings.Contains(string(l.Raw), id) {
		t.Fatalf("search by name: %s", l.Raw)
	}
	first := h.want(h.call(ops, "GET", "/users?limit=1", nil), 200, "first page of users")
	if next, _ := first.Body["next"].(string); next == "" {
		t.Fatal("no cursor to a second page")
	} else {
		h.want(h.call(ops, "GET", "/users?limit=1&cursor="+next, nil), 200, "second page of users")
	}
	g := h.want(h.call(ops, "GET", "/users/"+id, nil), 200, "get user")
	p := h.want(h.call(ops, "PATCH", "/users/"+id, map[string]any{"given_name": "Пётр", "authorities": []string{"moderator"}}, "If-Match", g.Header.Get("ETag")), 200, "patch user")
	if p.Body["given_name"] != "Пётр" || len(p.Body["authorities"].([]any)) != 1 {
		t.Fatalf("patch: %s", p.Raw)
	}
	if l := h.want(h.call(ops, "POST", "/users/"+id+"/lock", nil), 200, "lock"); l.Body["locked_until"] == nil {
		t.Fatalf("lock: %s", l.Raw)
	}
	h.want(h.call(ops, "POST", "/users/"+id+"/unlock", nil), 200, "unlock")
	if f := h.want(h.call(ops, "POST", "/users/"+id+"/password-change", nil), 200, "force password change"); f.Body["password_temporary"] != true {
		t.Fatalf("password change: %s", f.Raw)
	}
	h.want(h.call(ops, "GET", "/users/"+id+"/sessions", nil), 200, "sessions")
	h.want(h.call(ops, "DELETE", "/users/"+id+"/sessions/nope", nil), 404, "unknown session")
	h.want(h.call(ops, "DELETE", "/users/"+id, nil), 204, "delete user")
	h.want(h.call(ops, "GET", "/users/"+id, nil), 404, "deleted user")

	// Organisations and memberships.
	o := h.want(h.call(ops, "POST", "/organisations", map[string]any{"name": "ИП Сидорова", "inn": "500371521396", "ogrn": "319508135058602"}), 201, "create organisation")
	orgID := o.Body["id"].(string)
	h.want(h.call(ops, "POST", "/organisations", map[string]any{"name": "Again", "inn": "500371521396"}), 409, "same INN again")
	h.want(h.call(ops, "GET", "/organisations?q=сидорова", nil), 200, "search organisations")
	og := h.want(h.call(ops, "GET", "/organisations/"+orgID, nil), 200, "get organisation")
	h.want(h.call(ops, "PATCH", "/organisations/"+orgID, map[string]any{"email": "office@ip.example"}, "If-Match", og.Header.Get("ETag")), 200, "patch organisation")
	h.want(h.call(ops, "POST", "/organisations/"+orgID+"/suspend", map[string]any{"reason": "check"}), 200, "suspend")
	h.want(h.call(ops, "POST", "/organisations/"+orgID+"/reactivate", nil), 200, "reactivate")
	h.want(h.call(ops, "POST", "/organisations/"+orgID+"/approve", nil), 409, "approve an active organisation")
	ivanov, _ := h.ta.app.dir.UserByLogin(t.Context(), "ivanov")
	if err := h.ta.app.store.CreateMembership(t.Context(), storage.Membership{UserID: ivanov.ID, OrgID: orgID, Status: storage.MemberRequested, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h.want(h.call(ops, "GET", "/organisations/"+orgID+"/members?status=requested", nil), 200, "requests")
	m := h.want(h.call(ops, "POST", "/organisations/"+orgID+"/members/"+ivanov.ID+"/approve", nil), 200, "approve request")
	if m.Body["status"] != "active" {
		t.Fatalf("approval: %s", m.Raw)
	}
	r := h.want(h.call(ops, "PUT", "/organisations/"+orgID+"/members/"+ivanov.ID+"/roles", map[string]any{"roles": []string{"participant"}},
		"If-Match", m.Header.Get("ETag")), 200, "set roles")
	h.want(h.call(ops, "PUT", "/organisations/"+orgID+"/members/"+ivanov.ID+"/roles", map[string]any{"roles": []string{"nonsense"}},
		"If-Match", r.Header.Get("ETag")), 400, "unknown role")
	h.want(h.call(ops, "DELETE", "/organisations/"+orgID+"/members/"+ivanov.ID, nil), 204, "remove member")

	// Trust anchors: one added here trusts its certificates at once, and stops when removed.
	root := certtest.NewRoot(t, certtest.Options{})
	leaf, _ := root.Leaf(t, certtest.Options{})
	// The leaf names no CRL or OCSP responder, so past the chain it fails on
	// revocation; what matters here is whether a chain to an anchor is found.
	trusted := func() bool {
		_, err := h.ta.app.verifier.Verify(t.Context(), leaf, nil, certauth.PurposeSigning)
		return certauth.ReasonOf(err) != certauth.ReasonUntrusted
	}
	if trusted() {
		t.Fatal("trusted before the anchor was added")
	}
	an := h.want(h.call(ops, "POST", "/trust-anchors", map[string]any{"certificate": string(certtest.PEM(root.Cert)), "qualified": true}), 201, "add anchor")
	anchorID, _ := an.Body["id"].(string)
	if an.Body["source"] != "api" || an.Body["qualified"] != true || !trusted() {
		t.Fatalf("added anchor: %s (trusted %v)", an.Raw, trusted())
	}
	h.want(h.call(ops, "POST", "/trust-anchors", map[string]any{"certificate": base64.StdEncoding.EncodeToString(root.Cert.Raw)}), 409, "the same anchor as base64 DER")
	h.want(h.call(ops, "POST", "/trust-anchors", map[string]any{"certificate": string(certtest.PEM(leaf))}), 400, "a leaf certificate")
	h.want(h.call(ops, "POST", "/trust-anchors", map[string]any{"certificate": "not a certificate"}), 400, "garbage")
	if l := h.want(h.call(ops, "GET", "/trust-anchors", nil), 200, "anchors"); !strings.Contains(string(l.Raw), anchorID) {
		t.Fatalf("anchor list: %s", l.Raw)
	}
	h.want(h.call(ops, "GET", "/trust-anchors/"+anchorID, nil), 200, "one anchor")
	h.want(h.call(ops, "DELETE", "/trust-anchors/"+anchorID, nil), 204, "remove anchor")
	h.want(h.call(ops, "DELETE", "/trust-anchors/"+anchorID, nil), 404, "remove again")
	if trusted() {
		t.Fatal("still trusted after the anchor was removed")
	}
	// directory.Anchors writes the events, marked with the API call, once each.
	events, err := h.ta.app.store.QueryAudit(t.Context(), storage.AuditQuery{Type: directory.EventAnchorChanged, Limit: 10})
	if err != nil || len(events) != 2 {
		t.Fatalf("trust anchor audit events: %+v %v", events, err)
	}
	for _, e := range events {
		if e.Details["anchor"] != anchorID || !strings.Contains(e.Details["api"], "/trust-anchors") || e.Outcome != directory.OutcomeSuccess {
			t.Errorf("trust anchor audit event: %+v", e)
		}
	}

	// Keys and the audit log.
	h.want(h.call(ops, "GET", "/keys", nil), 200, "keys")
	h.want(h.call(ops, "POST", "/keys/rotate", map[string]any{"alg": "ES256"}), 201, "rotate key")
	ev := h.want(h.call(ops, "GET", "/audit?type=client.changed&limit=2", nil), 200, "audit")
	next, _ := ev.Body["next"].(string)
	if len(ev.Body["items"].([]any)) != 2 || next == "" {
		t.Fatalf("audit page: %s", ev.Raw)
	}
	ev2 := h.want(h.call(ops, "GET", "/audit?type=client.changed&limit=2&cursor="+next, nil), 200, "audit, next page")
	if strings.Contains(string(ev2.Raw), ev.Body["items"].([]any)[1].(map[string]any)["id"].(string)) {
		t.Fatal("the next page repeats an event")
	}
	h.want(h.call(ops, "GET", "/audit?from=yesterday", nil), 400, "bad time")
}

// TestAPIOptimisticConcurrency: two updates from one ETag — one wins, the other
// gets 412; racing ones too.
func TestAPIOptimisticConcurrency(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	tag := h.want(h.call(ops, "GET", "/clients/shop", nil), 200, "read").Header.Get("ETag")
	body := func(name string) map[string]any {
		return map[string]any{"name": name, "redirect_uris": []string{testRedirect}, "grant_types": []string{"authorization_code", "refresh_token", "client_credentials"},
			"first_party": true, "access_token_format": "jwt", "scopes": []string{"org", "orgs", "admin"}}
	}
	first := body("First")
	first["backchannel_logout_uri"], first["frontchannel_logout_uri"] = "https://shop.example/bc", "https://shop.example/fc"
	first["require_pushed_authorization_requests"] = true
	h.want(h.call(ops, "PUT", "/clients/shop", first, "If-Match", tag), 200, "first update")
	h.want(h.call(ops, "PUT", "/clients/shop", body("Second"), "If-Match", tag), 412, "second update from the same ETag")
	if got := h.want(h.call(ops, "GET", "/clients/shop", nil), 200, "read again"); got.Body["name"] != "First" ||
		got.Body["backchannel_logout_uri"] != "https://shop.example/bc" || got.Body["require_pushed_authorization_requests"] != true {
		t.Fatalf("the loser's change is visible: %s", got.Raw)
	}
	tag = h.want(h.call(ops, "GET", "/organisations/romashka", nil), 200, "read organisation").Header.Get("ETag")
	results := make(chan int, 6)
	for i := range 6 {
		go func() {
			results <- h.call(ops, "PATCH", "/organisations/romashka", map[string]any{"email": "racer" + string(rune('a'+i)) + "@example.com"}, "If-Match", tag).Status
		}()
	}
	wins := 0
	for range 6 {
		switch s := <-results; s {
		case 200:
			wins++
		case 412:
		default:
			t.Fatalf("racing update: %d", s)
		}
	}
	if wins != 1 {
		t.Fatalf("%d racing updates won, want 1", wins)
	}
}

// TestAPIAuthorities: each caller reaches only what it may; a refused change
// leaves nothing changed.
func TestAPIAuthorities(t *testing.T) {
	h := newAPIHarness(t)
	mods := h.clientToken("mods", "mods-secret-123")
	plain := h.clientToken("plain", "plain-secret-123")
	admin := h.userToken("admin")

	h.want(h.call("", "GET", "/clients", nil), 401, "no token")
	shopToken, err := (&clientcredentials.Config{ClientID: "shop", ClientSecret: "shop-secret", TokenURL: h.ta.URL + "/oauth/token"}).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h.want(h.call(shopToken.AccessToken, "GET", "/organisations", nil), 403, "a token without the admin scope (RFC 6750 section 3.1: insufficient_scope)")
	h.want(h.call("garbage", "GET", "/organisations", nil), 401, "garbage token")

	for _, c := range []struct {
		token, who, method, path string
	}{
		{mods, "moderator", "GET", "/clients"}, {mods, "moderator", "GET", "/users"}, {mods, "moderator", "POST", "/keys/rotate"},
		{mods, "moderator", "PUT", "/organisations/romashka/members/x/roles"}, {mods, "moderator", "POST", "/trust-anchors"},
		{admin, "org admin", "GET", "/trust-anchors"}, {mods, "moderator", "GET", "/audit"},
		{plain, "client without authority", "GET", "/clients"}, {plain, "client without authority", "GET", "/organisations/romashka"},
		{plain, "client without authority", "POST", "/organisations/romashka/suspend"},
		{admin, "org admin", "GET", "/users"}, {admin, "org admin", "GET", "/organisations/vasilek"},
		{admin, "org admin", "GET", "/organisations/vasilek/members"}, {admin, "org admin", "POST", "/organisations/romashka/suspend"},
		{admin, "org admin", "GET", "/audit"}, {admin, "org admin", "GET", "/audit?org=vasilek"},
	} {
		h.want(h.call(c.token, c.method, c.path, map[string]any{"roles": []string{}}), 403, c.who+" "+c.method+" "+c.path)
	}
	// What each may do.
	if l := h.want(h.call(plain, "GET", "/organisations", nil), 200, "plain lists"); len(l.Body["items"].([]any)) != 0 {
		t.Fatalf("a client without authority sees organisations: %s", l.Raw)
	}
	if l := h.want(h.call(admin, "GET", "/organisations", nil), 200, "org admin lists"); len(l.Body["items"].([]any)) != 1 {
		t.Fatalf("an org admin sees other organisations: %s", l.Raw)
	}
	h.want(h.call(admin, "GET", "/organisations/romashka/members", nil), 200, "org admin reads own members")
	h.want(h.call(admin, "GET", "/audit?org=romashka", nil), 200, "org admin reads own audit")
	h.want(h.call(mods, "GET", "/organisations?status=active", nil), 200, "moderator lists")

	// A forged change to another company's member is refused and changes nothing.
	petrov, err := h.ta.app.dir.CreateUser(t.Context(), directoryUser("petrov"))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.ta.app.store.CreateMembership(t.Context(), storage.Membership{UserID: petrov.ID, OrgID: "vasilek", Status: storage.MemberActive, Roles: []string{"participant"}}); err != nil {
		t.Fatal(err)
	}
	h.want(h.call(admin, "PUT", "/organisations/vasilek/members/"+petrov.ID+"/roles", map[string]any{"roles": []string{}}, "If-Match", "*"), 403, "org admin of another company")
	h.want(h.call(admin, "DELETE", "/organisations/vasilek/members/"+petrov.ID, nil), 403, "remove another company's member")
	if m, _ := h.ta.app.store.MembershipByID(t.Context(), petrov.ID, "vasilek"); m.Status != storage.MemberActive || len(m.Roles) != 1 {
		t.Fatalf("another company's member changed: %+v", m)
	}
}

// TestAPIBadInput: malformed JSON, unknown fields, wrong types, oversized
// bodies get problem details with a clear message, and nothing is stored.
func TestAPIBadInput(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	before := len(h.want(h.call(ops, "GET", "/users", nil), 200, "users").Body["items"].([]any))
	for _, c := range []struct {
		name, body string
		status     int
		detail     string
	}{
		{"malformed JSON", `{"login": "x"`, 400, "not valid JSON"},
		{"unknown field", `{"login": "x1", "is_admin": true}`, 400, "unknown field is_admin"},
		{"wrong type", `{"login": 42}`, 400, "wrong type"},
		{"two values", `{"login": "x2"} {"login": "x3"}`, 400, "more than one"},
		{"invalid identifiers", `{"family_name": "Без логина"}`, 400, "login"},
		{"oversized", `{"family_name": "` + strings.Repeat("я", 40000) + `", "login": "x4"}`, 413, "larger than"},
	} {
		a := h.want(h.call(ops, "POST", "/users", c.body), c.status, c.name)
		if a.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(a.Raw), c.detail) {
			t.Errorf("%s: %s %s", c.name, a.Header.Get("Content-Type"), a.Raw)
		}
	}
	if after := len(h.want(h.call(ops, "GET", "/users", nil), 200, "users").Body["items"].([]any)); after != before {
		t.Fatalf("bad input stored something: %d users, were %d", after, before)
	}
	h.want(h.call(ops, "POST", "/clients", map[string]any{"id": "bad id", "redirect_uris": []string{"not a uri"}}), 400, "invalid client")
	h.want(h.call(ops, "POST", "/clients", map[string]any{"id": "bc", "redirect_uris": []string{testRedirect},
		"backchannel_logout_uri": "ftp://x/"}), 400, "back-channel logout URI not http(s)")
	h.want(h.call(ops, "POST", "/clients", map[string]any{"id": "m1", "grant_types": []string{"client_credentials"},
		"auth_method": "tls_client_auth"}), 400, "tls_client_auth without subject or fingerprint")
	h.want(h.call(ops, "POST", "/clients", map[string]any{"id": "m2", "grant_types": []string{"client_credentials"},
		"auth_method": "self_signed_tls_client_auth", "tls_client_certificate_sha256": []string{"AB"}}), 400, "bad fingerprint")
	m3 := h.want(h.call(ops, "POST", "/clients", map[string]any{"id": "m3", "grant_types": []string{"client_credentials"},
		"auth_method": "tls_client_auth", "tls_client_auth_subject_dn": "CN=ERP,O=Romashka",
		"tls_client_certificate_bound_access_tokens": true}), 201, "tls_client_auth client")
	if m3.Body["tls_client_auth_subject_dn"] != "CN=ERP,O=Romashka" || m3.Body["tls_client_certificate_bound_access_tokens"] != true {
		t.Fatalf("mTLS client fields: %s", m3.Raw)
	}
	h.want(h.call(ops, "GET", "/nowhere", nil), 404, "unknown resource")
	h.want(h.call(ops, "GET", "/users?limit=1000", nil), 400, "limit too large")
}

func directoryUser(login string) directory.NewUser {
	return directory.NewUser{Login: login, Password: "Petrov-pass-1"}
}

// BenchmarkAPIFindUser: an operator's authenticated search by phone (bearer
// check, authority, identifier look-up, list) through the HTTP surface.
func BenchmarkAPIFindUser(b *testing.B) {
	ta := newTestApp(b, func(c *Config) {
		c.Bootstrap.Clients = append(c.Bootstrap.Clients, BootstrapClient{ID: "ops", Secret: "ops-secret-123",
			GrantTypes: []string{"client_credentials"}, Scopes: []string{"admin"}, Authorities: []string{"operator"}})
	})
	tok, err := (&clientcredentials.Config{ClientID: "ops", ClientSecret: "ops-secret-123", TokenURL: ta.URL + "/oauth/token",
		Scopes: []string{"admin"}}).Token(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/api/v1/users?q=%2B7+909+000-00-00", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatal(err, resp)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
