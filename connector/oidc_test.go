package connector

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// oidcStandIn is an OpenID provider written from OpenID Connect Core 1.0,
// Discovery 1.0 and RFC 7636: discovery, JWKS, authorization with PKCE,
// token (client_secret_basic or _post), userinfo, refresh.
type oidcStandIn struct {
	*httptest.Server
	key    *rsa.PrivateKey
	mu     sync.Mutex
	codes  map[string]url.Values // code → the authorization request
	claims map[string]any        // the person

	// Misbehaviour, set by tests.
	nonce        string // put this nonce instead of the request's
	aud          string
	tamper       bool // change the payload after signing
	profileLater bool // names and email only at userinfo
	userinfoSub  string
	tokenStatus  int
	down         bool
}

func newOIDCStandIn(t *testing.T) *oidcStandIn {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &oidcStandIn{key: key, codes: map[string]url.Values{}, claims: map[string]any{
		"sub": "u-42", "family_name": "Иванов", "given_name": "Иван", "middle_name": "Иванович",
		"email": "ivanov@example.ru", "email_verified": true, "phone_number": "+7 909 000-00-00",
		"phone_number_verified": "true", "amr": []string{"pwd", "otp"},
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /jwks", s.jwks)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /userinfo", s.userinfo)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *oidcStandIn) discovery(w http.ResponseWriter, r *http.Request) {
	if s.down {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"issuer": s.URL, "authorization_endpoint": s.URL + "/authorize", "token_endpoint": s.URL + "/token",
		"userinfo_endpoint": s.URL + "/userinfo", "jwks_uri": s.URL + "/jwks",
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (s *oidcStandIn) jwks(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func (s *oidcStandIn) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back, _ := url.Parse(q.Get("redirect_uri"))
	ret := url.Values{"state": {q.Get("state")}}
	switch {
	case q.Get("login_hint") == "refuse":
		ret.Set("error", "access_denied")
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		!strings.Contains(" "+q.Get("scope")+" ", " openid "):
		ret.Set("error", "invalid_request")
	default:
		code := rand.Text()
		s.mu.Lock()
		s.codes[code] = q
		s.mu.Unlock()
		ret.Set("code", code)
	}
	back.RawQuery = ret.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (s *oidcStandIn) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	oauthErr := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	if s.tokenStatus != 0 {
		oauthErr(s.tokenStatus, "server_error")
		return
	}
	if id != "vhod" || secret != "s3cret" {
		oauthErr(http.StatusUnauthorized, "invalid_client")
		return
	}
	var nonce string
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		s.mu.Lock()
		req, found := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code"))
		s.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !found || req.Get("redirect_uri") != r.PostForm.Get("redirect_uri") ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != req.Get("code_challenge") {
			oauthErr(http.StatusBadRequest, "invalid_grant")
			return
		}
		nonce = req.Get("nonce")
	case "refresh_token":
		if r.PostForm.Get("refresh_token") != "rt-1" {
			oauthErr(http.StatusBadRequest, "invalid_grant")
			return
		}
	default:
		oauthErr(http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	if s.nonce != "" {
		nonce = s.nonce
	}
	aud := "vhod"
	if s.aud != "" {
		aud = s.aud
	}
	claims := map[string]any{"iss": s.URL, "aud": aud, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	for k, v := range s.claims {
		if s.profileLater && k != "sub" {
			continue
		}
		claims[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
		"refresh_token": "rt-1", "id_token": s.sign(claims)})
}

func (s *oidcStandIn) sign(claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, _ := jws.CompactSerialize()
	if s.tamper {
		parts := strings.Split(out, ".")
		claims["sub"] = "someone-else"
		p, _ := json.Marshal(claims)
		out = parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
	}
	return out
}

func (s *oidcStandIn) userinfo(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer at-1" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	out := map[string]any{}
	for k, v := range s.claims {
		out[k] = v
	}
	if s.userinfoSub != "" {
		out["sub"] = s.userinfoSub
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func oidcConfig(s *oidcStandIn) Config {
	return Config{ID: "corp", Type: TypeOIDC, DisplayName: DisplayName{RU: "Корпоративный вход"}, ClientID: "vhod",
		ClientSecret: "s3cret", Issuer: s.URL, Scopes: []string{"openid", "profile", "email", "phone"}, ACR: "urn:vhod:acr:fed"}
}

func signInOIDC(t *testing.T, c Connector, f flow, mutate func(url.Values)) (*Identity, error) {
	t.Helper()
	u, err := c.Start(t.Context(), f.start())
	if err != nil {
		t.Fatal(err)
	}
	q := browse(t, u)
	if mutate != nil {
		mutate(q)
	}
	return c.Callback(t.Context(), f.callback(q))
}

func TestOIDCSignIn(t *testing.T) {
	for _, later := range []bool{false, true} {
		name := map[bool]string{false: "claims in ID token", true: "claims from userinfo"}[later]
		t.Run(name, func(t *testing.T) {
			s := newOIDCStandIn(t)
			s.profileLater = later
			c, err := New(oidcConfig(s), Options{})
			if err != nil {
				t.Fatal(err)
			}
			id, err := signInOIDC(t, c, newFlow(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if id.Provider != "corp" || id.Subject != "u-42" || id.LastName != "Иванов" || id.MiddleName != "Иванович" ||
				id.Email != "ivanov@example.ru" || !id.EmailVerified || id.Phone != "+79090000000" || !id.PhoneVerified ||
				id.ACR != "urn:vhod:acr:fed" || id.RefreshToken != "rt-1" {
				t.Fatalf("identity %+v", id)
			}
			if !later && strings.Join(id.AMR, ",") != "pwd,otp" {
				t.Fatalf("amr %v", id.AMR)
			}
			again, err := c.(Refresher).Refresh(t.Context(), id.RefreshToken)
			if err != nil || again.Subject != "u-42" {
				t.Fatalf("refresh: %v %+v", err, again)
			}
		})
	}
}

func TestOIDCRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(*oidcStandIn, *Config)
		mutate func(url.Values)
		flow   func(*flow)
		kind   Kind
	}{
		{name: "nonce mismatch", setup: func(s *oidcStandIn, _ *Config) { s.nonce = "other" }, kind: KindInvalid},
		{name: "tampered ID token", setup: func(s *oidcStandIn, _ *Config) { s.tamper = true }, kind: KindInvalid},
		{name: "ID token for another client", setup: func(s *oidcStandIn, _ *Config) { s.aud = "someone" }, kind: KindInvalid},
		{name: "userinfo about another subject", setup: func(s *oidcStandIn, _ *Config) { s.profileLater, s.userinfoSub = true, "u-43" }, kind: KindInvalid},
		{name: "state mismatch", mutate: func(q url.Values) { q.Set("state", NewFlowSecrets().State) }, kind: KindState},
		{name: "flow expired", flow: func(f *flow) { f.started = time.Now().Add(-time.Hour) }, kind: KindState},
		{name: "code replayed elsewhere", flow: func(f *flow) { f.Verifier = NewFlowSecrets().Verifier }, kind: KindInvalid},
		{name: "wrong secret", setup: func(_ *oidcStandIn, c *Config) { c.ClientSecret = "guess" }, kind: KindInvalid},
		{name: "token endpoint failing", setup: func(s *oidcStandIn, _ *Config) { s.tokenStatus = 502 }, kind: KindUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newOIDCStandIn(t)
			cfg := oidcConfig(s)
			if tc.setup != nil {
				tc.setup(s, &cfg)
			}
			c, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := newFlow()
			u, err := c.Start(t.Context(), f.start())
			if err != nil {
				t.Fatal(err)
			}
			q := browse(t, u)
			if tc.mutate != nil {
				tc.mutate(q)
			}
			if tc.flow != nil {
				tc.flow(&f)
			}
			_, err = c.Callback(t.Context(), f.callback(q))
			wantKind(t, err, tc.kind)
		})
	}
}

func TestOIDCConsentRefused(t *testing.T) {
	s := newOIDCStandIn(t)
	c, _ := New(oidcConfig(s), Options{})
	f := newFlow()
	u, _ := c.Start(t.Context(), f.start())
	q := browse(t, u+"&login_hint=refuse")
	_, err := c.Callback(t.Context(), f.callback(q))
	wantKind(t, err, KindDenied)
}

func TestOIDCProviderDown(t *testing.T) {
	s := newOIDCStandIn(t)
	s.down = true
	c, _ := New(oidcConfig(s), Options{})
	_, err := c.Start(t.Context(), newFlow().start())
	wantKind(t, err, KindUnavailable)
	// Discovery is retried once the provider is back.
	s.down = false
	if _, err := c.Start(t.Context(), newFlow().start()); err != nil {
		t.Fatal(err)
	}
}
