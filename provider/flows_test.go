package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/provider/keys"
	"github.com/vhod-id/vhod/storage"
)

// TestTokenExchangeAtTheTokenEndpoint: RFC 8693 through op, with Vhod's
// rules on what is exchanged, by whom, for whom.
func TestTokenExchangeAtTheTokenEndpoint(t *testing.T) {
	tp := newTestProvider(t, nil)
	person := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid", "profile"}})
	bound := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid"}, JKT: "k"})
	own := tp.clientToken(t, "shop", shopSecret, "")
	shop := [2]string{"shop", shopSecret}
	form := func(token string, extra ...string) url.Values {
		f := url.Values{"grant_type": {string(oidc.GrantTypeTokenExchange)}, "subject_token": {token},
			"subject_token_type": {string(oidc.AccessTokenType)}, "audience": {"jwtapp"}}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				f.Del(extra[i])
			} else {
				f.Set(extra[i], extra[i+1])
			}
		}
		return f
	}
	for _, tc := range []struct {
		name  string
		form  url.Values
		basic [2]string
		err   string // "" issued
	}{
		{"exchanged", form(person), shop, ""},
		{"fewer scopes", form(person, "scope", "openid"), shop, ""},
		{"a scope the token lacks", form(person, "scope", "openid email"), shop, "invalid_scope"},
		{"no audience", form(person, "audience", ""), shop, "invalid_request"},
		{"unknown audience", form(person, "audience", "ghost"), shop, errInvalidTarget},
		{"resource", form(person, "resource", "https://api.example"), shop, errInvalidTarget},
		{"an ID token", form(person, "subject_token_type", string(oidc.IDTokenType)), shop, "invalid_request"},
		{"a refresh token wanted", form(person, "requested_token_type", string(oidc.RefreshTokenType)), shop, "invalid_request"},
		{"a client's own token", form(own), shop, "invalid_request"},
		{"sender-constrained", form(bound), shop, "invalid_request"},
		{"not issued to the exchanging client", form(person), [2]string{"intro", introSecret}, "unauthorized_client"},
		{"by another client with the grant", form(person, "audience", "shop"), [2]string{"jwtapp", shopSecret}, "invalid_request"},
		{"an unknown token", form("nonsense"), shop, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tp.do(t, call{path: "/oauth/token", form: tc.form, basic: tc.basic})
			m := jsonOf(t, w)
			if tc.err == "" {
				if w.Code != 200 || m["issued_token_type"] != string(oidc.AccessTokenType) || m["access_token"] == nil {
					t.Fatalf("%d %v", w.Code, m)
				}
				return
			}
			if w.Code == 200 || m["error"] != tc.err {
				t.Fatalf("%d %v, want %s", w.Code, m, tc.err)
			}
		})
	}
}

// TestDeviceAuthorizationStarts: the device endpoint hands out codes and the
// token endpoint asks the device to wait until the person approves.
func TestDeviceAuthorizationStarts(t *testing.T) {
	tp := newTestProvider(t, nil)
	shop := [2]string{"shop", shopSecret}
	w := tp.do(t, call{path: "/device_authorization", basic: shop, form: url.Values{"scope": {"openid profile"}}})
	m := jsonOf(t, w)
	code, _ := m["device_code"].(string)
	if w.Code != 200 || code == "" || m["user_code"] == nil {
		t.Fatalf("%d %v", w.Code, m)
	}
	w = tp.do(t, call{path: "/oauth/token", basic: shop, form: url.Values{"grant_type": {string(oidc.GrantTypeDeviceCode)}, "device_code": {code}}})
	if m := jsonOf(t, w); w.Code != 400 || m["error"] != "authorization_pending" {
		t.Fatalf("poll: %d %v", w.Code, m)
	}
	w = tp.do(t, call{path: "/oauth/token", basic: shop, form: url.Values{"grant_type": {string(oidc.GrantTypeDeviceCode)}, "device_code": {"nope"}}})
	if w.Code == 200 {
		t.Fatalf("unknown device code: %s", w.Body.String())
	}
}

// TestDPoPAtTheTokenEndpoint: a DPoP proof without the server's nonce is
// answered with one (RFC 9449 section 8); with it the token is DPoP-bound.
func TestDPoPAtTheTokenEndpoint(t *testing.T) {
	tp := newTestProvider(t, nil)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	proof := func(jti, nonce string) string {
		m := map[string]any{"jti": jti, "htm": "POST", "htu": testIssuer + "/oauth/token", "iat": time.Now().Unix()}
		if nonce != "" {
			m["nonce"] = nonce
		}
		raw, err := jwt.Signed(signer).Claims(m).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	req := func(p string) *httptest.ResponseRecorder {
		return tp.do(t, call{path: "/oauth/token", basic: [2]string{"shop", shopSecret}, form: url.Values{"grant_type": {"client_credentials"}},
			header: map[string]string{"DPoP": p}})
	}
	w := req(proof("j1", ""))
	nonce := w.Header().Get("DPoP-Nonce")
	if m := jsonOf(t, w); w.Code != 400 || m["error"] != dpop.CodeUseNonce || nonce == "" {
		t.Fatalf("no nonce: %d %v", w.Code, m)
	}
	w = req(proof("j2", nonce))
	if m := jsonOf(t, w); w.Code != 200 || m["token_type"] != "DPoP" {
		t.Fatalf("with nonce: %d %v", w.Code, m)
	}
	if w := req("garbage"); jsonOf(t, w)["error"] != dpop.CodeInvalidProof {
		t.Fatalf("garbage proof: %d %s", w.Code, w.Body.String())
	}
}

// TestLogoutTellsTheClients: ending a browser's session revokes its tokens,
// delivers logout tokens by back-channel (retrying 5xx, not 4xx), and hands
// the end-session page the apps with their front-channel URLs.
func TestLogoutTellsTheClients(t *testing.T) {
	tp := newTestProvider(t, func(c *Config) { c.BackchannelDelays = []time.Duration{0, time.Millisecond} })
	ctx := t.Context()
	var mu sync.Mutex
	hits := map[string]int{}
	var token string
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits[r.URL.Path]++
		switch r.URL.Path {
		case "/ok":
			token = r.PostFormValue("logout_token")
			w.WriteHeader(http.StatusOK)
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer rp.Close()
	for _, c := range []storage.Client{
		{ID: "bc-ok", Name: "Good RP", BackchannelLogoutURI: rp.URL + "/ok", FrontchannelLogoutURI: "https://good.example/fc?x=1"},
		{ID: "bc-down", Name: "Down RP", BackchannelLogoutURI: rp.URL + "/down"},
		{ID: "bc-refuses", Name: "Refusing RP", BackchannelLogoutURI: rp.URL + "/refuses"},
	} {
		if err := tp.store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tok := tp.userToken(t, storage.Grant{ClientID: "shop", Scopes: []string{"openid"}, SessionID: "sid9"})
	if err := tp.store.CreateSession(ctx, storage.Session{ID: "sess9", SID: "sid9", UserID: "u1", AuthTime: time.Now(),
		ExpiresAt: time.Now().Add(time.Hour), ClientIDs: []string{"bc-ok", "bc-down", "bc-refuses", "gone"}}); err != nil {
		t.Fatal(err)
	}
	tp.browser.sessionID = "sess9"
	r := httptestRequest(testIssuer + "/end_session?client_id=shop")
	lr, err := tp.p.CheckLogout(r)
	if err != nil || !lr.SignedIn || lr.Current {
		t.Fatalf("CheckLogout %+v %v", lr, err)
	}
	next, err := tp.p.EndSession(r, "https://shop.example/bye")
	if err != nil {
		t.Fatal(err)
	}
	tp.p.WaitLogouts()
	sealed, ok := strings.CutPrefix(next, testIssuer+"/logged-out?t=")
	if !ok {
		t.Fatalf("next %q", next)
	}
	apps, cont, ok := tp.p.LogoutPage(sealed)
	if !ok || cont != "https://shop.example/bye" || len(apps) != 3 || apps[0].Frontchannel != "https://good.example/fc?iss=https%3A%2F%2Fid.example&sid=sid9&x=1" {
		t.Fatalf("page %v %q %v", apps, cont, ok)
	}
	if _, _, ok := tp.p.LogoutPage(sealed[1:]); ok {
		t.Fatal("a damaged page opened")
	}
	mu.Lock()
	defer mu.Unlock()
	if hits["/ok"] != 1 || hits["/down"] != 2 || hits["/refuses"] != 1 {
		t.Fatalf("deliveries %v", hits)
	}
	parsed, err := jwt.ParseSigned(token, keys.Algorithms)
	if err != nil || parsed.Headers[0].ExtraHeaders["typ"] != "logout+jwt" {
		t.Fatalf("logout token %q: %v", token, err)
	}
	if _, err := tp.store.SessionByID(ctx, "sess9"); err == nil {
		t.Fatal("the session lives on")
	}
	if _, err := tp.p.VerifyAccessToken(ctx, tok); err == nil {
		t.Fatal("the session's token lives on")
	}
	// Nothing framed and the RP's own URI: straight there.
	if next, err := tp.p.EndSession(r, "https://shop.example/bye"); err != nil || next != "https://shop.example/bye" {
		t.Fatalf("without a session: %q %v", next, err)
	}
}
