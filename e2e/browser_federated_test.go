package e2e

import (
	"strconv"
	"strings"
	"testing"
)

// TestBrowserFederated signs people in to a relying party through Vhod
// through an upstream OpenID provider no one here wrote (node's
// oidc-provider, which e2e/browser/federated.test.mjs starts on the port
// chosen here): account made, found again, linked to an existing account,
// unlinked on the account page.
func TestBrowserFederated(t *testing.T) {
	port := freePort(t)
	upstream := "http://127.0.0.1:" + strconv.Itoa(port)
	runBrowser(t, browserSetup{
		Config: func(cfg, _ string) string {
			return strings.Replace(cfg, "bootstrap:\n", `identity_providers:
  - id: upstream
    type: oidc
    display_name: {ru: "Внешний IdP", en: "Upstream IdP"}
    client_id: vhod
    client_secret: vhod-upstream-secret
    issuer: `+upstream+`
    scopes: [openid, email, profile]
bootstrap:
`, 1)
		},
		Env: []string{"UPSTREAM_PORT=" + strconv.Itoa(port)},
	}, "browser/federated.test.mjs")
}
