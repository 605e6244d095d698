package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/fixtures"
)

// esiaStandIn plays Госуслуги (ESIA) for the built binary, as the public
// "Методические рекомендации по использованию ЕСИА" describe it, and checks
// what Vhod signs with OpenSSL's GOST engine (an implementation Vhod does
// not share):
//
//   - GET /aas/oauth2/v2/ac: client_id, client_secret, redirect_uri, scope,
//     response_type=code, state, timestamp ("2006.01.02 15:04:05 -0700"),
//     access_type, client_certificate_hash. client_secret is the base64url
//     GOST R 34.10-2012 signature of client_id+scope+timestamp+state+
//     redirect_uri; a bad one comes back as error=access_denied with
//     ESIA-007053 (ESIA does so);
//   - POST /aas/oauth2/v3/te: the same plus code, grant_type, token_type; the
//     signed string ends with the code; the ID token is a JWT signed
//     GOST3410_2012_256 with ESIA's key (here: the employee fixture's);
//   - GET /rs/prns/{oid}, …/ctts, …/orgs with the access token.
//
// Without OpenSSL's GOST engine the secret cannot be checked here; the test
// is skipped then, saying so.
type esiaStandIn struct {
	*httptest.Server
	t        *testing.T
	dir      string
	conf     string
	sysPub   string
	wantHash string
	signKey  string

	// snils and orgs are the person's; tamper spoils the ID token's signature.
	snils  string
	orgs   []map[string]any
	tamper bool

	mu       sync.Mutex
	codes    map[string]url.Values
	verified int
	refused  int
}

const (
	esiaOID    = "1000299654"
	esiaIssuer = "http://esia-portal1.test.gosuslugi.ru/"
)

func newESIAStandIn(t *testing.T, snils string, orgs []map[string]any) *esiaStandIn {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed: the ESIA stand-in checks Vhod's GOST client secret with OpenSSL's GOST engine")
	}
	if out, err := exec.Command("openssl", "engine", "gost").CombinedOutput(); err != nil {
		t.Skipf("OpenSSL has no GOST engine (apt-get install libengine-gost-openssl), so the ESIA stand-in cannot check Vhod's client secret: %v %s", err, out)
	}
	fx := fixtures.Dir(t)
	s := &esiaStandIn{t: t, dir: t.TempDir(), conf: filepath.Join(fx, "conf", "openssl-gost.cnf"), snils: snils, orgs: orgs,
		codes: map[string]url.Values{}, signKey: filepath.Join(fx, "gost", "employee.key.pem")}
	s.sysPub = filepath.Join(s.dir, "system.pub.pem")
	s.must("x509", "-in", filepath.Join(fx, "gost", "director.crt.pem"), "-pubkey", "-noout", "-out", s.sysPub)
	der := filepath.Join(s.dir, "system.der")
	s.must("x509", "-in", filepath.Join(fx, "gost", "director.crt.pem"), "-outform", "DER", "-out", der)
	s.wantHash = strings.ToUpper(strings.Fields(s.must("dgst", "-md_gost12_256", "-r", der))[0])
	mux := http.NewServeMux()
	mux.HandleFunc("GET /aas/oauth2/v2/ac", s.authorize)
	mux.HandleFunc("POST /aas/oauth2/v3/te", s.token)
	mux.HandleFunc("GET /rs/prns/{oid}", s.person)
	mux.HandleFunc("GET /rs/prns/{oid}/ctts", s.contacts)
	mux.HandleFunc("GET /rs/prns/{oid}/orgs", s.orgList)
	// The browser test asks for a spoilt ID token from here on.
	mux.HandleFunc("POST /test/tamper", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		s.tamper = true
		s.mu.Unlock()
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// config is the identity_providers entry for this stand-in: the system's
// certificate and key are the director fixture's, ESIA's the employee's.
func (s *esiaStandIn) config() string {
	fx := fixtures.Dir(s.t)
	return `identity_providers:
  - id: esia
    type: esia
    display_name: {ru: "Госуслуги", en: "Gosuslugi"}
    client_id: VHOD
    scopes: [openid, fullname, snils, email, mobile, usr_org]
    base_url: ` + s.URL + `
    issuer: ` + esiaIssuer + `
    cert_file: ` + filepath.Join(fx, "gost", "director.crt.pem") + `
    key_file: ` + filepath.Join(fx, "gost", "director.key.pem") + `
    provider_cert_file: ` + filepath.Join(fx, "gost", "employee.crt.pem") + `
    acr: urn:vhod:acr:phone
    acr_confirmed: urn:vhod:acr:qualified-certificate
`
}

func (s *esiaStandIn) openssl(args ...string) (string, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+s.conf)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *esiaStandIn) must(args ...string) string {
	out, err := s.openssl(args...)
	if err != nil {
		s.t.Fatalf("openssl %v: %v %s", args, err, out)
	}
	return out
}

func (s *esiaStandIn) counts() (verified, refused int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verified, s.refused
}

// verifySecret checks the bare GOST signature (secret_format raw, what v2/ac
// and v3/te take) over content with `openssl dgst -verify`.
func (s *esiaStandIn) verifySecret(content, secret, hash string) bool {
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(secret, "="))
	ok := err == nil && hash == s.wantHash
	if ok {
		name := rand.Text()
		contentFile, sigFile := filepath.Join(s.dir, name+".txt"), filepath.Join(s.dir, name+".sig")
		ok = os.WriteFile(contentFile, []byte(content), 0o600) == nil && os.WriteFile(sigFile, sig, 0o600) == nil
		if ok {
			out, err := s.openssl("dgst", "-md_gost12_256", "-verify", s.sysPub, "-signature", sigFile, contentFile)
			ok = err == nil && strings.Contains(out, "Verified OK")
		}
	}
	s.mu.Lock()
	if ok {
		s.verified++
	} else {
		s.refused++
	}
	s.mu.Unlock()
	return ok
}

func fresh5min(ts string) bool {
	t, err := time.Parse("2006.01.02 15:04:05 -0700", ts)
	return err == nil && time.Since(t).Abs() < 5*time.Minute
}

func esiaBack(w http.ResponseWriter, r *http.Request, ret url.Values) {
	back, _ := url.Parse(r.URL.Query().Get("redirect_uri"))
	back.RawQuery = ret.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func esiaJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *esiaStandIn) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, p := range []string{"client_id", "client_secret", "redirect_uri", "scope", "state", "timestamp", "access_type", "client_certificate_hash"} {
		if q.Get(p) == "" {
			esiaBack(w, r, url.Values{"state": {q.Get("state")}, "error": {"invalid_request"},
				"error_description": {"ESIA-007014: The request doesn't contain the mandatory parameter [" + p + "]"}})
			return
		}
	}
	content := q.Get("client_id") + q.Get("scope") + q.Get("timestamp") + q.Get("state") + q.Get("redirect_uri")
	if q.Get("response_type") != "code" || !fresh5min(q.Get("timestamp")) ||
		!s.verifySecret(content, q.Get("client_secret"), q.Get("client_certificate_hash")) {
		esiaBack(w, r, url.Values{"state": {q.Get("state")}, "error": {"access_denied"},
			"error_description": {"ESIA-007053: OAuthErrorEnum.clientSecretWrong"}})
		return
	}
	code := rand.Text()
	s.mu.Lock()
	s.codes[code] = q
	s.mu.Unlock()
	// A real ESIA shows its login page here; the person is signed in already.
	esiaBack(w, r, url.Values{"state": {q.Get("state")}, "code": {code}})
}

func (s *esiaStandIn) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	s.mu.Lock()
	req, ok := s.codes[f.Get("code")]
	delete(s.codes, f.Get("code"))
	s.mu.Unlock()
	content := f.Get("client_id") + f.Get("scope") + f.Get("timestamp") + f.Get("state") + f.Get("redirect_uri") + f.Get("code")
	if !fresh5min(f.Get("timestamp")) || f.Get("grant_type") != "authorization_code" || f.Get("token_type") != "Bearer" ||
		!s.verifySecret(content, f.Get("client_secret"), f.Get("client_certificate_hash")) {
		esiaJSON(w, 400, map[string]string{"error": "invalid_client", "error_description": "ESIA-007053: OAuthErrorEnum.clientSecretWrong"})
		return
	}
	if !ok || req.Get("redirect_uri") != f.Get("redirect_uri") {
		esiaJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "ESIA-007002: invalid code"})
		return
	}
	esiaJSON(w, 200, map[string]any{"access_token": "esia-at", "token_type": "Bearer", "expires_in": 3600,
		"state": f.Get("state"), "id_token": s.idToken(req)})
}

// idToken is signed by OpenSSL with ESIA's GOST key (OpenSSL's signature
// value is s‖r, big-endian, as ESIA's).
func (s *esiaStandIn) idToken(req url.Values) string {
	now := time.Now()
	claims := map[string]any{"iss": esiaIssuer, "aud": req.Get("client_id"), "sub": 1000299654, "nbf": now.Unix(),
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": req.Get("scope"), "amr": "PWD", "urn:esia:sid": "sid-1",
		"urn:esia:sbj_id": 1000299654,
		"urn:esia:sbj":    map[string]any{"urn:esia:sbj:typ": "P", "urn:esia:sbj:is_tru": true, "urn:esia:sbj:oid": 1000299654}}
	if n := req.Get("nonce"); n != "" {
		claims["nonce"] = n
	}
	hdr, _ := json.Marshal(map[string]any{"alg": "GOST3410_2012_256", "typ": "JWT", "sbt": "id", "ver": 1})
	body, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(body)
	inFile, sigFile := filepath.Join(s.dir, rand.Text()), filepath.Join(s.dir, rand.Text())
	if err := os.WriteFile(inFile, []byte(input), 0o600); err != nil {
		s.t.Error(err)
	}
	s.must("dgst", "-md_gost12_256", "-sign", s.signKey, "-out", sigFile, inFile)
	sig, _ := os.ReadFile(sigFile)
	s.mu.Lock()
	tamper := s.tamper
	s.mu.Unlock()
	if tamper {
		claims["urn:esia:sid"] = "sid-2" // only the signature can catch this
		body, _ = json.Marshal(claims)
		input = base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(body)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (s *esiaStandIn) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer esia-at" || r.PathValue("oid") != esiaOID {
		esiaJSON(w, 401, map[string]string{"code": "ESIA-005011"})
		return false
	}
	return true
}

func (s *esiaStandIn) person(w http.ResponseWriter, r *http.Request) {
	if s.authorized(w, r) {
		esiaJSON(w, 200, map[string]any{"stateFacts": []string{"EntityRoot"}, "firstName": "Иван", "lastName": "Петров",
			"middleName": "Сергеевич", "trusted": true, "citizenship": "RUS", "snils": s.snils, "status": "REGISTERED", "eTag": "x"})
	}
}

func (s *esiaStandIn) contacts(w http.ResponseWriter, r *http.Request) {
	if s.authorized(w, r) {
		esiaJSON(w, 200, map[string]any{"stateFacts": []string{"hasSize"}, "size": 1, "elements": []map[string]any{
			{"id": 1, "type": "EML", "vrfStu": "VERIFIED", "value": "petrov@gosuslugi.example"}}})
	}
}

func (s *esiaStandIn) orgList(w http.ResponseWriter, r *http.Request) {
	if s.authorized(w, r) {
		esiaJSON(w, 200, map[string]any{"stateFacts": []string{"hasSize"}, "size": len(s.orgs), "elements": s.orgs})
	}
}
