package connector

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// pkceCodes is the part of an OAuth server every stand-in shares: codes
// bound to their authorization request, checked once against the verifier.
type pkceCodes struct {
	mu    sync.Mutex
	codes map[string]url.Values
}

func (p *pkceCodes) issue(q url.Values) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.codes == nil {
		p.codes = map[string]url.Values{}
	}
	code := rand.Text()
	p.codes[code] = q
	return code
}

// redeem returns the authorization request of code when verifier matches
// its S256 challenge (RFC 7636 §4.6).
func (p *pkceCodes) redeem(code, verifier string) (url.Values, bool) {
	p.mu.Lock()
	q, ok := p.codes[code]
	delete(p.codes, code)
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(verifier))
	return q, ok && q.Get("code_challenge_method") == "S256" && q.Get("code_challenge") == base64.RawURLEncoding.EncodeToString(sum[:])
}

func redirectBack(w http.ResponseWriter, r *http.Request, ret url.Values) {
	back, _ := url.Parse(r.URL.Query().Get("redirect_uri"))
	back.RawQuery = ret.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// yandexStandIn follows Yandex ID's documentation: oauth.yandex.ru/authorize
// and /token (client_secret in the body, code_verifier), login.yandex.ru/info
// with "Authorization: OAuth <token>" and format=json.
type yandexStandIn struct {
	*httptest.Server
	pkceCodes
	infoStatus int
}

func newYandexStandIn(t *testing.T) *yandexStandIn {
	s := &yandexStandIn{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "ya-app" || q.Get("response_type") != "code" {
			redirectBack(w, r, url.Values{"state": {q.Get("state")}, "error": {"invalid_request"}})
			return
		}
		redirectBack(w, r, url.Values{"state": {q.Get("state")}, "code": {s.issue(q)}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f := r.PostForm
		if f.Get("client_id") != "ya-app" || f.Get("client_secret") != "ya-secret" {
			writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "Client not found"})
			return
		}
		if _, ok := s.redeem(f.Get("code"), f.Get("code_verifier")); !ok || f.Get("grant_type") != "authorization_code" {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Code has expired"})
			return
		}
		writeJSON(w, 200, map[string]any{"token_type": "bearer", "access_token": "ya-at", "expires_in": 31536000, "refresh_token": "ya-rt"})
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) {
		if s.infoStatus != 0 {
			w.WriteHeader(s.infoStatus)
			return
		}
		if r.Header.Get("Authorization") != "OAuth ya-at" || r.URL.Query().Get("format") != "json" {
			w.WriteHeader(401)
			return
		}
		writeJSON(w, 200, map[string]any{"id": "1000034426", "login": "ivan", "client_id": "ya-app",
			"display_name": "ivan", "real_name": "Иван Иванов", "first_name": "Иван", "last_name": "Иванов",
			"sex": "male", "default_email": "ivan@yandex.ru", "emails": []string{"ivan@yandex.ru"},
			"default_phone": map[string]any{"id": 12345678, "number": "+79037659418"}, "psuid": "1.AAceCw"})
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestYandex(t *testing.T) {
	s := newYandexStandIn(t)
	cfg := Config{ID: "yandex", Type: TypeYandex, DisplayName: DisplayName{RU: "Яндекс ID"}, ClientID: "ya-app",
		ClientSecret: "ya-secret", BaseURL: s.URL, UserinfoURL: s.URL + "/info", Scopes: []string{"login:info", "login:email"}}
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := newFlow()
	u, err := c.Start(t.Context(), f.start())
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Callback(t.Context(), f.callback(browse(t, u)))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "1000034426" || id.LastName != "Иванов" || id.Email != "ivan@yandex.ru" || id.EmailVerified ||
		id.Phone != "+79037659418" || id.PhoneVerified || id.RefreshToken != "ya-rt" {
		t.Fatalf("identity %+v", id)
	}

	t.Run("code for another verifier", func(t *testing.T) {
		f := newFlow()
		u, _ := c.Start(t.Context(), f.start())
		q := browse(t, u)
		f.Verifier = NewFlowSecrets().Verifier
		_, err := c.Callback(t.Context(), f.callback(q))
		wantKind(t, err, KindInvalid)
	})
	t.Run("profile unavailable", func(t *testing.T) {
		s.infoStatus = 503
		defer func() { s.infoStatus = 0 }()
		f := newFlow()
		u, _ := c.Start(t.Context(), f.start())
		_, err := c.Callback(t.Context(), f.callback(browse(t, u)))
		wantKind(t, err, KindUnavailable)
	})
	t.Run("wrong secret", func(t *testing.T) {
		bad := cfg
		bad.ClientSecret = "guess"
		c, _ := New(bad, Options{})
		f := newFlow()
		u, _ := c.Start(t.Context(), f.start())
		_, err := c.Callback(t.Context(), f.callback(browse(t, u)))
		wantKind(t, err, KindInvalid)
	})
	t.Run("consent refused", func(t *testing.T) {
		f := newFlow()
		q := url.Values{"state": {f.State}, "error": {"access_denied"}, "error_description": {"user denied"}}
		_, err := c.Callback(t.Context(), f.callback(q))
		wantKind(t, err, KindDenied)
	})
}

// vkStandIn follows VK ID's API description: /authorize redirects back with
// code, state, device_id and type=code_v2; /oauth2/auth takes code,
// code_verifier, device_id, redirect_uri and a state it echoes, and answers
// user_id with the tokens; /oauth2/user_info is a POST of client_id and
// access_token answering {"user": {...}}.
type vkStandIn struct {
	*httptest.Server
	pkceCodes
	userID string
}

func newVKStandIn(t *testing.T) *vkStandIn {
	s := &vkStandIn{userID: "1234567"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge") == "" {
			redirectBack(w, r, url.Values{"state": {q.Get("state")}, "error": {"invalid_request"}})
			return
		}
		redirectBack(w, r, url.Values{"state": {q.Get("state")}, "code": {s.issue(q)}, "device_id": {"dev-1"},
			"type": {"code_v2"}, "expires_in": {"600"}})
	})
	mux.HandleFunc("POST /oauth2/auth", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f := r.PostForm
		q, ok := s.redeem(f.Get("code"), f.Get("code_verifier"))
		if !ok || f.Get("device_id") != "dev-1" || f.Get("client_id") != "51234" || q.Get("redirect_uri") != f.Get("redirect_uri") || f.Get("state") == "" {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "invalid code"})
			return
		}
		writeJSON(w, 200, map[string]any{"access_token": "vk-at", "refresh_token": "vk-rt", "id_token": "x.y.z",
			"token_type": "Bearer", "expires_in": 3600, "user_id": 1234567, "state": f.Get("state"), "scope": "email phone"})
	})
	mux.HandleFunc("POST /oauth2/user_info", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("access_token") != "vk-at" || r.PostForm.Get("client_id") != "51234" {
			writeJSON(w, 401, map[string]string{"error": "invalid_token"})
			return
		}
		writeJSON(w, 200, map[string]any{"user": map[string]any{"user_id": s.userID, "first_name": "Иван",
			"last_name": "Иванов", "phone": "79991234567", "avatar": "https://vk.example/a.jpg",
			"email": "ivan@mail.ru", "sex": 2, "verified": false, "birthday": "01.01.1990"}})
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestVK(t *testing.T) {
	s := newVKStandIn(t)
	c, err := New(Config{ID: "vk", Type: TypeVK, DisplayName: DisplayName{RU: "VK ID"}, ClientID: "51234", BaseURL: s.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(mutate func(url.Values)) (*Identity, error) {
		f := newFlow()
		r := f.start()
		r.Lang = "en"
		u, err := c.Start(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		q := browse(t, u)
		if mutate != nil {
			mutate(q)
		}
		return c.Callback(t.Context(), f.callback(q))
	}
	id, err := signIn(nil)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "1234567" || id.FirstName != "Иван" || id.Phone != "+79991234567" || !id.PhoneVerified ||
		id.Email != "ivan@mail.ru" || id.EmailVerified {
		t.Fatalf("identity %+v", id)
	}
	_, err = signIn(func(q url.Values) { q.Del("device_id") })
	wantKind(t, err, KindInvalid)
	_, err = signIn(func(q url.Values) { q.Set("device_id", "dev-2") })
	wantKind(t, err, KindInvalid)
	s.userID = "7654321"
	_, err = signIn(nil)
	wantKind(t, err, KindInvalid)
}
