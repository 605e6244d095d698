package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// yandexIDStandIn follows Yandex ID's public documentation
// (yandex.ru/dev/id/doc): GET /authorize with response_type=code, client_id,
// redirect_uri, state and a PKCE S256 code_challenge (the person is signed in
// at Yandex already and allows at once, or refuses when deny is set);
// POST /token with grant_type=authorization_code, code, client_id,
// client_secret and code_verifier; GET /info?format=json with
// "Authorization: OAuth <token>".
type yandexIDStandIn struct {
	*httptest.Server
	secret string
	deny   bool

	mu     sync.Mutex
	codes  map[string]string // code → code_challenge
	tokens map[string]bool
}

func newYandexIDStandIn(t *testing.T) *yandexIDStandIn {
	s := &yandexIDStandIn{secret: "yandex-secret", codes: map[string]string{}, tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back, _ := url.Parse(q.Get("redirect_uri"))
		ret := url.Values{"state": {q.Get("state")}}
		switch {
		case s.deny:
			ret.Set("error", "access_denied")
		case q.Get("response_type") != "code" || q.Get("client_id") != "vhod-app" || q.Get("code_challenge_method") != "S256":
			ret.Set("error", "invalid_request")
		default:
			code := rand.Text()
			s.mu.Lock()
			s.codes[code] = q.Get("code_challenge")
			s.mu.Unlock()
			ret.Set("code", code)
		}
		back.RawQuery = ret.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		s.mu.Lock()
		challenge, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		good := ok && f.Get("client_secret") == s.secret && f.Get("client_id") == "vhod-app" &&
			base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
		token := rand.Text()
		if good {
			s.tokens[token] = true
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !good {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": "Code has expired"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "OAuth ")]
		s.mu.Unlock()
		if !ok || r.URL.Query().Get("format") != "json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "1130000012345678", "login": "sidorov", "client_id": "vhod-app",
			"first_name": "Пётр", "last_name": "Сидоров", "display_name": "sidorov", "default_email": "sidorov@yandex.ru",
			"emails": []string{"sidorov@yandex.ru"}, "default_phone": map[string]any{"id": 1, "number": "+79095554433"}})
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Signing in to a relying party through Vhod through Yandex ID (a stand-in):
// the first time makes the account from what Yandex says and the tokens say
// how the person came (amr fed, idp); the second goes straight in; a refused
// consent is a page in the person's language, and makes nothing.
func TestSignInThroughYandexID(t *testing.T) {
	ya := newYandexIDStandIn(t)
	cfg := strings.Replace(testConfig, "bootstrap:\n", `identity_providers:
  - id: yandex
    type: yandex
    display_name: {ru: "Яндекс ID", en: "Yandex ID"}
    client_id: vhod-app
    client_secret: yandex-secret
    base_url: `+ya.URL+`
    userinfo_url: `+ya.URL+`/info
bootstrap:
`, 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)

	viaYandex := func(b *rptest.Browser, a authorization) *rptest.Page {
		t.Helper()
		p, err := b.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Body, "/federated/yandex") {
			t.Fatalf("no Yandex ID button: %.600s", p.Body)
		}
		return mustSubmit(t, b, p, "/federated/yandex", nil)
	}

	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "ru-RU"
	a := shop.authorization()
	p := viaYandex(b, a)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Учётная запись не найдена") || !strings.Contains(p.Body, "sidorov@yandex.ru") {
		t.Fatalf("choice page: %d %.600s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/federated/choice", url.Values{"action": {"create"}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("create did not finish the sign-in: %d %.400s", p.Status, p.Body)
	}
	_, _, first := shop.exchange(a, shop.code(a, cb))
	if first["idp"] != "yandex" || !slices.Equal(toStrings(first["amr"]), []string{"fed"}) || first["acr"] != "urn:vhod:acr:password" {
		t.Fatalf("claims: %v", first)
	}

	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	b2.Lang = "ru-RU"
	a2 := shop.authorization()
	p = viaYandex(b2, a2)
	if cb, _ = url.Parse(p.Location); cb == nil {
		t.Fatalf("second sign-in: %d %.400s", p.Status, p.Body)
	}
	if _, _, second := shop.exchange(a2, shop.code(a2, cb)); second["sub"] != first["sub"] {
		t.Fatalf("second sign-in as %v, want %v", second["sub"], first["sub"])
	}

	ya.deny = true
	b3 := rptest.NewBrowser("http://127.0.0.1:8765/")
	b3.Lang = "en-US"
	p = viaYandex(b3, shop.authorization())
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "access to your data was not allowed") || !strings.Contains(p.Body, "Back to sign-in") {
		t.Fatalf("refused consent: %d %.600s", p.Status, p.Body)
	}
}
