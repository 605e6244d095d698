package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// TestAdminCommands: `vhod admin create-operator` gives an account the
// operator authority, which the API then honours for that person's token;
// `vhod admin audit export` writes the log as JSON lines, oldest first.
func TestAdminCommands(t *testing.T) {
	cfg := strings.Replace(testConfig, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [admin]\n", 1)
	srv := startServer(t, cfg)
	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "admin")
	apiAs := func() int {
		a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
		tok, _, _ := shop.exchange(a, code)
		req, _ := http.NewRequest(http.MethodGet, srv.Issuer+"/api/v1/users", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := apiAs(); s != http.StatusForbidden {
		t.Fatalf("before: %d", s)
	}
	srv.Stop()
	out, err := runVhod(t, nil, "admin", "create-operator", "ivanov", "--config", srv.Config)
	if err != nil || !strings.Contains(out, "ivanov: operator") {
		t.Fatalf("create-operator: %v %s", err, out)
	}
	out, err = runVhod(t, nil, "admin", "audit", "export", "--config", srv.Config)
	if err != nil {
		t.Fatalf("export: %v %s", err, out)
	}
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct{ ID, Type, Time string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if e.ID != "" { // the rest are log lines on stderr
			types = append(types, e.Type)
		}
	}
	if len(types) < 2 || types[0] != "signin" || types[len(types)-1] != "user.changed" {
		t.Fatalf("export, oldest first: %v", types)
	}
	srv.Restart()
	if s := apiAs(); s != http.StatusOK {
		t.Fatalf("after create-operator: %d", s)
	}
}
