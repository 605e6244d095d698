package e2e

import (
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/internal/rptest"
)

// mtlsClients are clients of RFC 8705: a machine client with a CA-issued
// certificate (by subject), one with a self-signed certificate (by fingerprint)
// and a web app that authenticates at the token endpoint with its certificate.
func mtlsClients(robotPin string) string {
	return `    - id: erp
      name: ERP
      grant_types: [client_credentials]
      auth_method: tls_client_auth
      tls_client_auth_subject_dn: CN=ERP
      access_token_format: jwt
    - id: robot
      name: Robot
      grant_types: [client_credentials]
      auth_method: self_signed_tls_client_auth
      tls_client_certificate_sha256: [` + robotPin + `]
    - id: cabinet
      name: Cabinet
      redirect_uris: [http://127.0.0.1:8767/callback]
      grant_types: [authorization_code, refresh_token]
      auth_method: tls_client_auth
      tls_client_auth_subject_dn: CN=Cabinet
      first_party: true
`
}

// tlsClient is an HTTP client presenting cert (nil: none) to Vhod's listener.
func tlsClient(roots *x509.CertPool, cert *x509.Certificate, key crypto.Signer) *http.Client {
	c := &tls.Config{RootCAs: roots}
	if cert != nil {
		// Sent whatever CAs the server names: a self-signed one is named by none.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key}, nil
		}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: c}}
}

func x5t(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestCertificateBoundTokens: RFC 8705 through Vhod's own TLS listener (the
// mtls_endpoint_aliases of discovery) and through a trusted proxy's header.
// A tls_client_auth client gets a token bound to its certificate (cnf.x5t#S256)
// and another certificate, or none, is refused; a self-signed client is known
// by its fingerprint; a web app's code exchange binds its tokens, and userinfo
// refuses them from another certificate or without one.
func TestCertificateBoundTokens(t *testing.T) {
	corp := newCorpPKI(t)
	robot := certtest.NewRoot(t, certtest.Options{CommonName: "robot"})
	stranger := certtest.NewRoot(t, certtest.Options{CommonName: "robot"})
	tlsAddr, listener, roots := newTLSListener(t)
	cfg := certConfig(t, corp, listener+"  proxy_header: {trusted: [127.0.0.1/32]}\n")
	cfg = strings.Replace(cfg, "  clients:\n", "  clients:\n"+mtlsClients(certauth.Fingerprint(robot.Cert)), 1)
	srv := startServer(t, cfg)
	alias := "https://" + tlsAddr

	disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
	aliases, _ := disc["mtls_endpoint_aliases"].(map[string]any)
	methods, _ := disc["token_endpoint_auth_methods_supported"].([]any)
	if aliases["token_endpoint"] != alias+"/oauth/token" || aliases["userinfo_endpoint"] != alias+"/userinfo" ||
		disc["tls_client_certificate_bound_access_tokens"] != true || !containsAll(methods, "tls_client_auth", "self_signed_tls_client_auth") {
		t.Fatalf("discovery: aliases %v, methods %v, bound %v", aliases, methods, disc["tls_client_certificate_bound_access_tokens"])
	}

	erpCert, erpKey := corp.root.Leaf(t, certtest.Options{CommonName: "ERP"})
	intruderCert, intruderKey := corp.root.Leaf(t, certtest.Options{CommonName: "Intruder"})
	erp := tlsClient(roots, erpCert, erpKey)
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {"erp"}}

	t.Run("tls_client_auth", func(t *testing.T) {
		resp, tok := callWith(t, erp, http.MethodPost, alias+"/oauth/token", cc, nil)
		if resp.StatusCode != http.StatusOK || tok["token_type"] != "Bearer" {
			t.Fatalf("token: %d %v\n%s", resp.StatusCode, tok, srv.Log())
		}
		access, _ := tok["access_token"].(string)
		claims, _ := decodeSegment(strings.Split(access+"..", ".")[1])
		if cnf, _ := claims["cnf"].(map[string]any); cnf["x5t#S256"] != x5t(erpCert) || claims["sub"] != "erp" {
			t.Fatalf("JWT access token claims %v", claims)
		}
		_, info := callWith(t, erp, http.MethodPost, alias+"/oauth/introspect", url.Values{"token": {access}, "client_id": {"erp"}}, nil)
		if cnf, _ := info["cnf"].(map[string]any); info["active"] != true || cnf["x5t#S256"] != x5t(erpCert) {
			t.Fatalf("introspection %v", info)
		}
		for name, c := range map[string]*http.Client{"another certificate": tlsClient(roots, intruderCert, intruderKey),
			"no certificate": tlsClient(roots, nil, nil)} {
			resp, out := callWith(t, c, http.MethodPost, alias+"/oauth/token", cc, nil)
			if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" {
				t.Fatalf("%s: %d %v", name, resp.StatusCode, out)
			}
		}
		// A secret is not a way in for a certificate client.
		if code, out := postForm(t, srv.Issuer+"/oauth/token", "erp", "guess", url.Values{"grant_type": {"client_credentials"}}); code != http.StatusUnauthorized {
			t.Fatalf("secret for a tls_client_auth client: %d %v", code, out)
		}
	})

	t.Run("self-signed through the proxy header", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"robot"}}
		header := map[string]string{"X-SSL-Client-Cert": url.QueryEscape(string(certtest.PEM(robot.Cert)))}
		resp, tok := call(t, http.MethodPost, srv.Issuer+"/oauth/token", form, header)
		if resp.StatusCode != http.StatusOK || tok["access_token"] == nil {
			t.Fatalf("robot: %d %v", resp.StatusCode, tok)
		}
		header["X-SSL-Client-Cert"] = url.QueryEscape(string(certtest.PEM(stranger.Cert)))
		if resp, out := call(t, http.MethodPost, srv.Issuer+"/oauth/token", form, header); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("same name, another self-signed certificate: %d %v", resp.StatusCode, out)
		}
	})

	t.Run("code flow and userinfo", func(t *testing.T) {
		cabinetCert, cabinetKey := corp.root.Leaf(t, certtest.Options{CommonName: "Cabinet"})
		cabinet := tlsClient(roots, cabinetCert, cabinetKey)
		rp := newRP(t, srv, "cabinet", "", "http://127.0.0.1:8767/callback", 0)
		a, code := rp.signIn(rptest.NewBrowser("http://127.0.0.1:8767/"), "ivanov", "S3cure-pass!")
		exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"cabinet"},
			"redirect_uri": {"http://127.0.0.1:8767/callback"}, "code_verifier": {a.Verifier}}
		resp, tok := callWith(t, cabinet, http.MethodPost, alias+"/oauth/token", exchange, nil)
		if resp.StatusCode != http.StatusOK || tok["id_token"] == nil {
			t.Fatalf("code exchange: %d %v\n%s", resp.StatusCode, tok, srv.Log())
		}
		bearer := map[string]string{"Authorization": "Bearer " + tok["access_token"].(string)}
		if resp, info := callWith(t, cabinet, http.MethodGet, alias+"/userinfo", nil, bearer); resp.StatusCode != http.StatusOK || info["sub"] == nil {
			t.Fatalf("userinfo with the certificate: %d %v", resp.StatusCode, info)
		}
		for name, c := range map[string]*http.Client{"another certificate": tlsClient(roots, intruderCert, intruderKey),
			"no certificate": tlsClient(roots, nil, nil)} {
			resp, out := callWith(t, c, http.MethodGet, alias+"/userinfo", nil, bearer)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
				t.Fatalf("userinfo with %s: %d %v %q", name, resp.StatusCode, out, resp.Header.Get("WWW-Authenticate"))
			}
		}
		if resp, _ := call(t, http.MethodGet, srv.Issuer+"/userinfo", nil, bearer); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("userinfo at the issuer without a certificate: %d", resp.StatusCode)
		}
		refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {"cabinet"}}
		if resp, out := callWith(t, cabinet, http.MethodPost, alias+"/oauth/token", refresh, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("refresh with the certificate: %d %v", resp.StatusCode, out)
		}
	})
}

func containsAll(list []any, want ...string) bool {
	for _, w := range want {
		found := false
		for _, v := range list {
			found = found || v == w
		}
		if !found {
			return false
		}
	}
	return true
}
