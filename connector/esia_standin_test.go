package connector

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

// esiaStandIn plays ESIA as "Методические рекомендации по использованию
// ЕСИА" describes it, and checks Vhod's signatures with OpenSSL's GOST engine
// (an implementation Vhod does not share):
//
//   - /aas/oauth2/v2/ac takes client_id, client_secret, redirect_uri, scope,
//     response_type=code, state, timestamp ("2006.01.02 15:04:05 -0700"),
//     access_type and client_certificate_hash; client_secret is the base64url
//     signature of client_id+scope+timestamp+state+redirect_uri by the
//     certificate whose GOST R 34.11-2012 (256) hash of its DER is
//     client_certificate_hash; a bad one comes back as error=access_denied
//     with ESIA-007053;
//   - /aas/oauth2/v3/te takes the same plus code, grant_type and token_type,
//     the signed string ending with the code, and answers the tokens with the
//     request's state; the ID token is a JWT signed GOST3410_2012_256 with
//     ESIA's key;
//   - /rs/prns/{oid}, …/ctts and …/orgs answer with the access token.
type esiaStandIn struct {
	*httptest.Server
	t        *testing.T
	dir      string
	conf     string // OPENSSL_CONF loading the GOST engine
	sysPub   string // the system's public key, as OpenSSL reads it from its certificate
	wantHash string // client_certificate_hash, computed by OpenSSL
	signKey  string // ESIA's key for ID tokens
	issuer   string
	format   string // raw or cms: what client_secret must be

	mu       sync.Mutex
	codes    map[string]url.Values
	verified int // client secrets OpenSSL accepted

	// Misbehaviour, set by tests.
	tamperToken bool
	alg         string
	nonce       string
	tokenState  string
	expired     bool
	issuerSent  string
	aud         string
}

const esiaOIDNumber = 1000299654

// gostOpenSSL returns an OPENSSL_CONF that loads the GOST engine, or skips
// the test when this machine's OpenSSL has no GOST engine.
func gostOpenSSL(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed: the ESIA stand-in checks GOST signatures with OpenSSL's GOST engine (apt-get install openssl libengine-gost-openssl)")
	}
	if out, err := exec.Command("openssl", "engine", "gost").CombinedOutput(); err != nil {
		t.Skipf("OpenSSL has no GOST engine (apt-get install libengine-gost-openssl): %v %s", err, out)
	}
	return filepath.Join(fixtures.Dir(t), "conf", "openssl-gost.cnf")
}

func (s *esiaStandIn) openssl(args ...string) (string, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+s.conf)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func newESIAStandIn(t *testing.T, format string) *esiaStandIn {
	s := &esiaStandIn{t: t, dir: t.TempDir(), conf: gostOpenSSL(t), format: format, codes: map[string]url.Values{},
		issuer: "http://esia-portal1.test.gosuslugi.ru/", alg: algGOST256}
	fx := fixtures.Dir(t)
	s.sysPub = filepath.Join(s.dir, "system.pub.pem")
	if out, err := s.openssl("x509", "-in", filepath.Join(fx, "gost", "director.crt.pem"), "-pubkey", "-noout", "-out", s.sysPub); err != nil {
		t.Fatalf("openssl x509 -pubkey: %v %s", err, out)
	}
	der := filepath.Join(s.dir, "system.der")
	if out, err := s.openssl("x509", "-in", filepath.Join(fx, "gost", "director.crt.pem"), "-outform", "DER", "-out", der); err != nil {
		t.Fatalf("openssl x509 -outform DER: %v %s", err, out)
	}
	out, err := s.openssl("dgst", "-md_gost12_256", "-r", der)
	if err != nil {
		t.Fatalf("openssl dgst: %v %s", err, out)
	}
	s.wantHash = strings.ToUpper(strings.Fields(out)[0])
	s.signKey = filepath.Join(fx, "gost", "employee.key.pem")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /aas/oauth2/v2/ac", s.authorize)
	mux.HandleFunc("POST /aas/oauth2/v3/te", s.token)
	mux.HandleFunc("GET /rs/prns/{oid}", s.person)
	mux.HandleFunc("GET /rs/prns/{oid}/ctts", s.contacts)
	mux.HandleFunc("GET /rs/prns/{oid}/orgs", s.orgs)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// verifySecret checks a client_secret over content with OpenSSL: the bare
// signature with `openssl dgst -verify`, the CMS one with `openssl cms -verify`.
func (s *esiaStandIn) verifySecret(content, secret, hash string) bool {
	if hash != s.wantHash {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(secret, "="))
	if err != nil {
		return false
	}
	name := rand.Text()
	contentFile, sigFile := filepath.Join(s.dir, name+".txt"), filepath.Join(s.dir, name+".sig")
	if os.WriteFile(contentFile, []byte(content), 0o600) != nil || os.WriteFile(sigFile, sig, 0o600) != nil {
		return false
	}
	var out string
	if s.format == SecretCMS {
		out, err = s.openssl("cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", contentFile,
			"-noverify", "-out", os.DevNull)
		err = okIf(err, strings.Contains(out, "Verification successful"))
	} else {
		out, err = s.openssl("dgst", "-md_gost12_256", "-verify", s.sysPub, "-signature", sigFile, contentFile)
		err = okIf(err, strings.Contains(out, "Verified OK"))
	}
	if err != nil {
		s.t.Logf("stand-in ESIA: OpenSSL refused the client secret: %s", out)
		return false
	}
	s.mu.Lock()
	s.verified++
	s.mu.Unlock()
	return true
}

func okIf(err error, ok bool) error {
	if err == nil && !ok {
		return os.ErrInvalid
	}
	return err
}

func freshTimestamp(ts string) bool {
	t, err := time.Parse("2006.01.02 15:04:05 -0700", ts)
	return err == nil && time.Since(t).Abs() < 5*time.Minute
}

func (s *esiaStandIn) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, p := range []string{"client_id", "client_secret", "redirect_uri", "scope", "state", "timestamp", "access_type", "client_certificate_hash"} {
		if q.Get(p) == "" {
			redirectBack(w, r, url.Values{"state": {q.Get("state")}, "error": {"invalid_request"},
				"error_description": {"ESIA-007014: The request doesn't contain the mandatory parameter [" + p + "]"}})
			return
		}
	}
	content := q.Get("client_id") + q.Get("scope") + q.Get("timestamp") + q.Get("state") + q.Get("redirect_uri")
	if q.Get("response_type") != "code" || !freshTimestamp(q.Get("timestamp")) ||
		!s.verifySecret(content, q.Get("client_secret"), q.Get("client_certificate_hash")) {
		redirectBack(w, r, url.Values{"state": {q.Get("state")}, "error": {"access_denied"},
			"error_description": {"ESIA-007053: OAuthErrorEnum.clientSecretWrong"}})
		return
	}
	code := rand.Text()
	s.mu.Lock()
	s.codes[code] = q
	s.mu.Unlock()
	redirectBack(w, r, url.Values{"state": {q.Get("state")}, "code": {code}})
}

func (s *esiaStandIn) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	s.mu.Lock()
	req, ok := s.codes[f.Get("code")]
	delete(s.codes, f.Get("code"))
	s.mu.Unlock()
	content := f.Get("client_id") + f.Get("scope") + f.Get("timestamp") + f.Get("state") + f.Get("redirect_uri") + f.Get("code")
	if !freshTimestamp(f.Get("timestamp")) || f.Get("grant_type") != "authorization_code" || f.Get("token_type") != "Bearer" ||
		!s.verifySecret(content, f.Get("client_secret"), f.Get("client_certificate_hash")) {
		writeJSON(w, 400, map[string]string{"error": "invalid_client", "state": f.Get("state"),
			"error_description": "ESIA-007053: OAuthErrorEnum.clientSecretWrong"})
		return
	}
	if !ok || req.Get("redirect_uri") != f.Get("redirect_uri") {
		writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "ESIA-007002: invalid code"})
		return
	}
	state := f.Get("state")
	if s.tokenState != "" {
		state = s.tokenState
	}
	writeJSON(w, 200, map[string]any{"access_token": "esia-at", "refresh_token": "esia-rt", "token_type": "Bearer",
		"expires_in": 3600, "state": state, "id_token": s.idToken(req)})
}

// idToken is signed by OpenSSL with ESIA's GOST key; OpenSSL's GOST
// signature value is s‖r, big-endian, as ESIA's.
func (s *esiaStandIn) idToken(req url.Values) string {
	now := time.Now()
	exp := now.Add(time.Hour)
	if s.expired {
		exp = now.Add(-time.Hour)
	}
	iss := s.issuer
	if s.issuerSent != "" {
		iss = s.issuerSent
	}
	aud := req.Get("client_id")
	if s.aud != "" {
		aud = s.aud
	}
	claims := map[string]any{"iss": iss, "aud": aud, "sub": esiaOIDNumber, "nbf": now.Unix(),
		"iat": now.Unix(), "exp": exp.Unix(), "scope": req.Get("scope"), "amr": "PWD", "urn:esia:sid": "sid-1",
		"urn:esia:sbj_id": esiaOIDNumber,
		"urn:esia:sbj":    map[string]any{"urn:esia:sbj:typ": "P", "urn:esia:sbj:is_tru": true, "urn:esia:sbj:oid": esiaOIDNumber}}
	if n := req.Get("nonce"); n != "" {
		claims["nonce"] = n
	}
	if s.nonce != "" {
		claims["nonce"] = s.nonce
	}
	hdr, _ := json.Marshal(map[string]any{"alg": s.alg, "typ": "JWT", "sbt": "id", "ver": 1})
	body, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(body)
	inFile, sigFile := filepath.Join(s.dir, rand.Text()), filepath.Join(s.dir, rand.Text())
	if err := os.WriteFile(inFile, []byte(input), 0o600); err != nil {
		s.t.Error(err)
	}
	if out, err := s.openssl("dgst", "-md_gost12_256", "-sign", s.signKey, "-out", sigFile, inFile); err != nil {
		s.t.Errorf("openssl dgst -sign: %v %s", err, out)
	}
	sig, _ := os.ReadFile(sigFile)
	if s.tamperToken {
		claims["amr"] = "DS" // a claim nothing else checks: only the signature can catch it
		body, _ = json.Marshal(claims)
		input = base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(body)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (s *esiaStandIn) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer esia-at" || r.PathValue("oid") != "1000299654" {
		writeJSON(w, 401, map[string]string{"code": "ESIA-005011"})
		return false
	}
	return true
}

func (s *esiaStandIn) person(w http.ResponseWriter, r *http.Request) {
	if s.authorized(w, r) {
		writeJSON(w, 200, map[string]any{"stateFacts": []string{"EntityRoot"}, "firstName": "Иван", "lastName": "Иванов",
			"middleName": "Иванович", "birthDate": "01.01.1980", "gender": "M", "trusted": true, "citizenship": "RUS",
			"snils": "112-233-445 95", "inn": "500100732259", "status": "REGISTERED", "verifying": false, "eTag": "x"})
	}
}

func (s *esiaStandIn) contacts(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if r.URL.Query().Get("embed") != "(elements)" {
		writeJSON(w, 200, map[string]any{"size": 1, "elements": []string{s.URL + "/rs/prns/1000299654/ctts/1"}})
		return
	}
	writeJSON(w, 200, map[string]any{"stateFacts": []string{"hasSize"}, "size": 3, "elements": []map[string]any{
		{"stateFacts": []string{"Identifiable"}, "id": 1, "type": "EML", "vrfStu": "NOT_VERIFIED", "value": "old@example.ru"},
		{"id": 2, "type": "MBT", "vrfStu": "VERIFIED", "value": "+7(909)0000000"},
		{"id": 3, "type": "EML", "vrfStu": "VERIFIED", "value": "ivanov@example.ru"},
	}})
}

func (s *esiaStandIn) orgs(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) || r.URL.Query().Get("embed") != "(elements)" {
		return
	}
	writeJSON(w, 200, map[string]any{"stateFacts": []string{"hasSize"}, "size": 3, "elements": []map[string]any{
		{"oid": 1000111111, "prnOid": esiaOIDNumber, "fullName": "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ \"РОМАШКА\"",
			"shortName": "ООО \"РОМАШКА\"", "ogrn": "1027700132195", "inn": "7707083893", "kpp": "773601001",
			"type": "LEGAL", "chief": true, "admin": true, "active": true},
		{"oid": 1000222222, "fullName": "ООО \"ЛЮТИК\"", "ogrn": "1037739010891", "type": "LEGAL", "chief": false, "active": false},
		{"oid": 1000333333, "fullName": "Министерство", "type": "AGENCY", "chief": false},
	}})
}
