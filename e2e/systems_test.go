package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/internal/fixtures"
	"github.com/vhod-id/vhod/internal/rptest"
)

// TestIntegrationSystems: the org_admin of a company registers its information
// systems with their certificates on the company's page: an ERP by mutual TLS
// (Vhod's listener), a warehouse system with a qualified GOST certificate
// (through the TLS proxy's header) and a bot by private_key_jwt signed with its
// certificate's key. Each obtains client-credentials tokens carrying the
// company (org) and the roles the org_admin gave it; a role change shows in the
// next token, a removed system gets none. An untrusted certificate, a GOST key
// for private_key_jwt and a non-admin are refused.
func TestIntegrationSystems(t *testing.T) {
	corp := newCorpPKI(t)
	tlsAddr, listener, roots := newTLSListener(t)
	cfg := certConfig(t, corp, listener+"  proxy_header: {trusted: [127.0.0.1/32]}\n")
	cfg = strings.Replace(cfg, "  users:\n", orgConfig+"  users:\n", 1) + `    - {login: petrov, password: "Petrov-pass-1"}
`
	srv := startServer(t, cfg)

	admin := rptest.NewBrowser("")
	admin.Lang = "en"
	p := mustGet(t, admin, srv.Issuer+"/account")
	p = mustSubmit(t, admin, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	systems := srv.Issuer + "/account/companies/romashka/systems"
	page, err := admin.Get(systems)
	if err != nil || page.Status != http.StatusOK || !strings.Contains(page.Body, "Integration systems") {
		t.Fatalf("systems page: %v %d %.400s", err, page.Status, page.Body)
	}
	register := func(name, code, method, certPEM string, roles ...string) *rptest.Page {
		t.Helper()
		page := mustGet(t, admin, systems)
		return mustSubmit(t, admin, page, "/systems/register", url.Values{"name": {name}, "code": {code},
			"auth_method": {method}, "certificate": {certPEM}, "role": roles})
	}
	erpCert, erpKey := corp.root.Leaf(t, certtest.Options{CommonName: "ERP Romashka"})
	botCert, botKey := corp.root.Leaf(t, certtest.Options{CommonName: "Bot Romashka"})
	gostPEM := readFile(t, filepath.Join(fixtures.Dir(t), "gost/employee.crt.pem")) + readFile(t, filepath.Join(fixtures.Dir(t), "gost/int-ca.crt.pem"))
	for _, s := range []struct{ name, code, method, pem, role string }{
		{"ERP", "erp", "tls_client_auth", string(certtest.PEM(erpCert)), "participant"},
		{"Склад", "sklad", "tls_client_auth", gostPEM, "batches"},
		{"Bot", "bot", "private_key_jwt", string(certtest.PEM(botCert)), "sales"},
	} {
		if p := register(s.name, s.code, s.method, s.pem, s.role); p.Status != http.StatusOK || !strings.Contains(p.Body, "The system is registered.") {
			t.Fatalf("register %s: %d %.600s", s.code, p.Status, p.Body)
		}
	}
	self := certtest.NewRoot(t, certtest.Options{CommonName: "Self-made"})
	for _, bad := range []struct{ name, code, method, pem, want string }{
		{"untrusted", "self", "tls_client_auth", string(certtest.PEM(self.Cert)), "not issued by a certification authority we trust"},
		{"GOST key for private_key_jwt", "gostjwt", "private_key_jwt", gostPEM, "cannot sign assertions"},
		{"code taken", "erp", "tls_client_auth", string(certtest.PEM(erpCert)), "already has a system with this code"},
		{"not a certificate", "junk", "tls_client_auth", "hello", "This is not a certificate"},
	} {
		p := register(bad.name, bad.code, bad.method, bad.pem)
		if p.Status < 400 || !strings.Contains(p.Body, bad.want) || !strings.Contains(p.Body, `value="`+bad.code+`"`) {
			t.Errorf("%s: %d %.800s", bad.name, p.Status, p.Body)
		}
	}

	cc := func(client *http.Client, tokenURL string, form url.Values, header map[string]string) map[string]any {
		t.Helper()
		form.Set("grant_type", "client_credentials")
		resp, tok := callWith(t, client, http.MethodPost, tokenURL, form, header)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("token for %s: %d %v\n%s", form.Get("client_id"), resp.StatusCode, tok, srv.Log())
		}
		claims, _ := decodeSegment(strings.Split(tok["access_token"].(string)+"..", ".")[1])
		return claims
	}
	wantOrg := func(claims map[string]any, role string) {
		t.Helper()
		org, roles := orgOf(claims)
		if o, _ := claims["org"].(map[string]any); org != "romashka" || o["inn"] != "7728824599" || !slices.Equal(roles, []string{role}) {
			t.Fatalf("claims %v", claims)
		}
	}
	erp := tlsClient(roots, erpCert, erpKey)
	alias := "https://" + tlsAddr + "/oauth/token"
	claims := cc(erp, alias, url.Values{"client_id": {"romashka.erp"}}, nil)
	wantOrg(claims, "participant")
	if cnf, _ := claims["cnf"].(map[string]any); cnf["x5t#S256"] != x5t(erpCert) {
		t.Fatalf("the ERP's token is not bound to its certificate: %v", claims)
	}
	wantOrg(cc(http.DefaultClient, srv.Issuer+"/oauth/token", url.Values{"client_id": {"romashka.sklad"}},
		map[string]string{"X-SSL-Client-Cert": url.QueryEscape(gostPEM)}), "batches")
	bot := newSignedClient(t, srv, "romashka.bot", botKey.(*ecdsa.PrivateKey))
	bot.signer, _ = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: botKey, KeyID: x5t(botCert)}}, nil)
	wantOrg(cc(http.DefaultClient, srv.Issuer+"/oauth/token", bot.authForm(), nil), "sales")
	// An assertion signed by another key is refused.
	thief := newSignedClient(t, srv, "romashka.bot", mustECDSA(t))
	if resp, out := call(t, http.MethodPost, srv.Issuer+"/oauth/token", withGrant(thief.authForm()), nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("assertion by another key: %d %v", resp.StatusCode, out)
	}

	// The org_admin changes the ERP's role: the next token says so.
	page = mustGet(t, admin, systems)
	if p := mustSubmit(t, admin, page, "/systems/romashka.erp/roles", url.Values{"role": {"batches"}}); !strings.Contains(p.Body, "Roles saved.") {
		t.Fatalf("roles: %d %.400s", p.Status, p.Body)
	}
	wantOrg(cc(erp, alias, url.Values{"client_id": {"romashka.erp"}}, nil), "batches")

	// Someone else cannot see or change the company's systems.
	petrov := rptest.NewBrowser("")
	p = mustGet(t, petrov, srv.Issuer+"/account")
	mustSubmit(t, petrov, p, "/password", url.Values{"login": {"petrov"}, "password": {"Petrov-pass-1"}})
	if p := mustGet(t, petrov, systems); p.Status != http.StatusForbidden {
		t.Fatalf("a stranger sees the systems page: %d", p.Status)
	}

	// A removed system gets no more tokens.
	page = mustGet(t, admin, systems)
	if p := mustSubmit(t, admin, page, "/systems/romashka.erp/remove", nil); !strings.Contains(p.Body, "The system is removed.") {
		t.Fatalf("remove: %d %.400s", p.Status, p.Body)
	}
	if resp, out := callWith(t, erp, http.MethodPost, alias, url.Values{"grant_type": {"client_credentials"}, "client_id": {"romashka.erp"}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("removed system: %d %v", resp.StatusCode, out)
	}
	srv.Stop()
	export, err := runVhod(t, nil, "admin", "audit", "export", "--config", srv.Config)
	if err != nil || strings.Count(export, `"system.registered"`) != 3 || strings.Count(export, `"system.changed"`) != 1 ||
		strings.Count(export, `"system.removed"`) != 1 {
		t.Fatalf("audit export: %v %s", err, export)
	}
}

func mustECDSA(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func withGrant(form url.Values) url.Values {
	form.Set("grant_type", "client_credentials")
	return form
}
