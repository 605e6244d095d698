package connector

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth/certtest"
)

// sberStandIn follows Сбер ID's documentation: the authorization page
// (authorize.do, its own host) needs state, nonce and scope with openid; the
// API host asks for the partner's TLS client certificate; the token endpoint
// (/ru/prod/tokens/v2/oidc) wants an rquid header of 32 hex digits and the
// client secret in the body; userinfo (/ru/prod/sberbankid/v2.1/userinfo)
// wants a Bearer token, x-introspect-rquid and x-ibm-client-id.
type sberStandIn struct {
	page, api *httptest.Server
	pkceCodes
	nonce string
	ca    *certtest.CA
}

var hex32 = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

func newSberStandIn(t *testing.T) *sberStandIn {
	s := &sberStandIn{ca: certtest.NewRoot(t, certtest.Options{CommonName: "Sber stand-in CA"})}
	page := http.NewServeMux()
	page.HandleFunc("GET /CSAFront/oidc/authorize.do", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("client_id") != "sber-app" {
			redirectBack(w, r, url.Values{"state": {q.Get("state")}, "error": {"invalid_request"}})
			return
		}
		redirectBack(w, r, url.Values{"state": {q.Get("state")}, "code": {s.issue(q)}})
	})
	s.page = httptest.NewServer(page)
	t.Cleanup(s.page.Close)

	api := http.NewServeMux()
	api.HandleFunc("POST /ru/prod/tokens/v2/oidc", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f := r.PostForm
		if !hex32.MatchString(r.Header.Get("rquid")) {
			writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "rquid"})
			return
		}
		q, ok := s.redeem(f.Get("code"), f.Get("code_verifier"))
		if !ok || f.Get("client_secret") != "sber-secret" || f.Get("redirect_uri") != q.Get("redirect_uri") {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
			return
		}
		nonce := q.Get("nonce")
		if s.nonce != "" {
			nonce = s.nonce
		}
		hdr, _ := json.Marshal(map[string]string{"alg": "GOST3410_2012_256", "typ": "JWT"})
		claims, _ := json.Marshal(map[string]any{"iss": "https://online.sberbank.ru:4431/CSAFront/index.do", "sub": "sber-sub-1",
			"aud": "sber-app", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "nonce": nonce, "acr": "loa-3"})
		idt := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
		writeJSON(w, 200, map[string]any{"access_token": "sber-at", "token_type": "Bearer", "expires_in": 60,
			"scope": "openid name email mobile", "id_token": idt})
	})
	api.HandleFunc("GET /ru/prod/sberbankid/v2.1/userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sber-at" || !hex32.MatchString(r.Header.Get("x-introspect-rquid")) ||
			r.Header.Get("x-ibm-client-id") != "sber-app" {
			writeJSON(w, 401, map[string]string{"error": "invalid_token"})
			return
		}
		writeJSON(w, 200, map[string]any{"sub": "sber-sub-1", "family_name": "Петров", "given_name": "Пётр",
			"middle_name": "Петрович", "email": "petrov@example.ru", "phone_number": "+7 (916) 123-45-67", "birthdate": "1980-01-01"})
	})
	s.api = httptest.NewUnstartedServer(api)
	srvCert, srvKey := s.ca.Leaf(t, certtest.Options{CommonName: "oauth.sber stand-in", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	pool := x509.NewCertPool()
	pool.AddCert(s.ca.Cert)
	s.api.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw}, PrivateKey: srvKey}},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	// The refused handshake of the test without a client certificate is expected.
	s.api.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.api.StartTLS()
	t.Cleanup(s.api.Close)
	return s
}

func (s *sberStandIn) config(t *testing.T, withClientCert bool) Config {
	c := Config{ID: "sber", Type: TypeSber, DisplayName: DisplayName{RU: "Сбер ID"}, ClientID: "sber-app", ClientSecret: "sber-secret",
		AuthURL: s.page.URL + "/CSAFront/oidc/authorize.do", BaseURL: s.api.URL,
		RootCAFile: writeFile(t, "ca.pem", certtest.PEM(s.ca.Cert)), Timeout: 5 * time.Second}
	if withClientCert {
		cert, key := s.ca.Leaf(t, certtest.Options{CommonName: "vhod partner", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		c.TLSCertFile = writeFile(t, "client.pem", certtest.PEM(cert))
		c.TLSKeyFile = writeFile(t, "client.key", certtest.KeyPEM(t, key))
	}
	return c
}

func TestSber(t *testing.T) {
	s := newSberStandIn(t)
	signIn := func(cfg Config) (*Identity, error) {
		c, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		f := newFlow()
		u, err := c.Start(t.Context(), f.start())
		if err != nil {
			t.Fatal(err)
		}
		return c.Callback(t.Context(), f.callback(browse(t, u)))
	}
	id, err := signIn(s.config(t, true))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "sber-sub-1" || id.LastName != "Петров" || id.MiddleName != "Петрович" || id.Phone != "+79161234567" ||
		id.PhoneVerified || id.Email != "petrov@example.ru" {
		t.Fatalf("identity %+v", id)
	}

	t.Run("no client certificate", func(t *testing.T) {
		_, err := signIn(s.config(t, false))
		wantKind(t, err, KindUnavailable)
	})
	t.Run("nonce mismatch", func(t *testing.T) {
		s.nonce = "replayed"
		defer func() { s.nonce = "" }()
		_, err := signIn(s.config(t, true))
		wantKind(t, err, KindInvalid)
	})
	t.Run("issuer checked when set", func(t *testing.T) {
		cfg := s.config(t, true)
		cfg.Issuer = "https://online.sberbank.ru/"
		_, err := signIn(cfg)
		wantKind(t, err, KindInvalid)
	})
	t.Run("claims mapping", func(t *testing.T) {
		cfg := s.config(t, true)
		cfg.Claims = map[string]string{"phone_verified": "phone_number", "email_verified": "email"}
		id, err := signIn(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// A mapped claim must be a boolean (or "true"): a string phone is not one.
		if id.PhoneVerified || id.EmailVerified {
			t.Fatalf("identity %+v", id)
		}
	})
}
