package e2e

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// abuseClientsGateway adds a gateway client with an operator and an
// introspection authority to the base config.
const abuseClientsGateway = `    - id: gateway
      secret: gateway-secret
      name: Gateway
      grant_types: [client_credentials]
      scopes: [admin]
      min_acr: urn:vhod:acr:certificate
      backchannel_logout_uri: http://127.0.0.1:8799/bc
      authorities: [operator, introspect]
`

// TestAbuseAuthorityRemovedAtRestart (issue 16 item 9): an operator removes
// the authorities of a client from the config file and restarts Vhod. The
// client must lose them: its new tokens no longer reach the admin API, and it
// can no longer introspect another client's tokens. Before the fix the stored
// client kept them, since the update $set only the fields that were not empty.
func TestAbuseAuthorityRemovedAtRestart(t *testing.T) {
	srv := startServer(t, strings.Replace(testConfig, "  users:\n", abuseClientsGateway+"  users:\n", 1))
	shopToken, out := tokenPost(t, srv, url.Values{"grant_type": {"client_credentials"}}, "shop", "shop-secret")
	if shopToken.StatusCode != http.StatusOK {
		t.Fatalf("shop token: %d %v", shopToken.StatusCode, out)
	}
	shopAccess, _ := out["access_token"].(string)
	gatewayCan := func() (api int, introspects bool) {
		t.Helper()
		resp, out := tokenPost(t, srv, url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, "gateway", "gateway-secret")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("gateway token: %d %v", resp.StatusCode, out)
		}
		tok, _ := out["access_token"].(string)
		resp, _ = call(t, http.MethodGet, srv.Issuer+"/api/v1/clients", nil, map[string]string{"Authorization": "Bearer " + tok})
		_, in := call(t, http.MethodPost, srv.Issuer+"/oauth/introspect", url.Values{"token": {shopAccess}},
			map[string]string{"Authorization": basic("gateway", "gateway-secret")})
		return resp.StatusCode, in["active"] == true
	}
	if api, introspects := gatewayCan(); api != http.StatusOK || !introspects {
		t.Fatalf("with its authorities the gateway gets %d from the API, introspects: %v", api, introspects)
	}

	// The operator takes the authorities (and the other optional settings) away.
	raw, err := os.ReadFile(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	for _, line := range []string{
		"      authorities: [operator, introspect]\n",
		"      min_acr: urn:vhod:acr:certificate\n",
		"      backchannel_logout_uri: http://127.0.0.1:8799/bc\n",
	} {
		if !strings.Contains(cfg, line) {
			t.Fatalf("config lacks %q", line)
		}
		cfg = strings.Replace(cfg, line, "", 1)
	}
	if err := os.WriteFile(srv.Config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	if api, introspects := gatewayCan(); api != http.StatusForbidden || introspects {
		t.Fatalf("after the authorities were removed, the gateway gets %d from the API, introspects: %v", api, introspects)
	}
	// The one changed client is reported, and only it: the unchanged ones are
	// not rewritten at every start.
	if n := strings.Count(srv.Log(), "bootstrap: client changed"); n != 1 || !strings.Contains(srv.Log(), `"client_id":"gateway"`) {
		t.Fatalf("%d changed clients reported, want the gateway alone:\n%s", n, srv.Log())
	}
}
