package provider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/storage"
)

// TestAuthorizeRefusals: who hears of a refused authorization request. Until
// the client and redirect URI are known good the person reads Vhod's page;
// afterwards the refusal goes back to the redirect URI with the state.
func TestAuthorizeRefusals(t *testing.T) {
	tp := newTestProvider(t, func(c *Config) {
		c.FormPost = func(w http.ResponseWriter, _ *http.Request, action string, params url.Values) {
			_, _ = w.Write([]byte("form post to " + action + "?" + params.Encode()))
		}
	})
	if err := tp.store.CreateClient(t.Context(), storage.Client{ID: "pushy", SecretHash: HashSecret(shopSecret), AuthMethod: "client_secret_basic",
		GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://pushy.example/cb"}, RequirePAR: true}); err != nil {
		t.Fatal(err)
	}
	q := func(extra ...string) string {
		v := url.Values{"client_id": {"shop"}, "redirect_uri": {"https://shop.example/cb"}, "response_type": {"code"},
			"scope": {"openid profile"}, "state": {"st"}}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				v.Del(extra[i])
			} else {
				v.Set(extra[i], extra[i+1])
			}
		}
		return "/authorize?" + v.Encode()
	}
	for _, tc := range []struct {
		name string
		path string
		page string // the error page's detail (the person is told)
		err  string // the error sent back to the client
		want string // part of the Location of a success
	}{
		{name: "to the login", path: q(), want: "/login?authRequestID="},
		{name: "no client", path: q("client_id", ""), page: "no client_id"},
		{name: "unknown client", path: q("client_id", "ghost"), page: "unknown client"},
		{name: "unregistered redirect", path: q("redirect_uri", "https://evil.example/cb"), page: "redirect_uri missing"},
		{name: "no response_type", path: q("response_type", ""), err: "invalid_request"},
		{name: "implicit", path: q("response_type", "token"), err: errUnsupportedResponseType},
		{name: "no scope", path: q("scope", ""), err: "invalid_scope"},
		{name: "no openid", path: q("scope", "profile"), err: "invalid_scope"},
		{name: "public client without PKCE", path: q("client_id", "spa", "redirect_uri", "https://spa.example/cb"), err: "invalid_request"},
		{name: "plain PKCE", path: q("code_challenge", "abc", "code_challenge_method", "plain"), err: "invalid_request"},
		{name: "unknown response mode", path: q("response_mode", "fragment"), err: "invalid_request"},
		{name: "request and request_uri", path: q("request", "a.b.c", "request_uri", requestURIPrefix+"x"), err: "invalid_request"},
		{name: "foreign request_uri", path: q("request_uri", "https://elsewhere/r"), err: errRequestURINotSupported},
		{name: "unknown request_uri", path: q("request_uri", requestURIPrefix+"nope"), err: errInvalidRequestURI},
		{name: "bad request object", path: q("request", "abc"), err: errInvalidRequestObject},
		{name: "PAR required", path: q("client_id", "pushy", "redirect_uri", "https://pushy.example/cb"), err: "invalid_request"},
		{name: "prompt none with login", path: q("prompt", "none login"), err: "invalid_request"},
		{name: "bad id_token_hint", path: q("id_token_hint", "a.b.c"), err: "login_required"},
		// RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
		{name: "repeated scope", path: q() + "&scope=openid+email", err: "invalid_request"},
		{name: "repeated state", path: q("state", "") + "&state=st&state=other", err: "invalid_request"},
		{name: "repeated client_id", path: q() + "&client_id=portal", page: "client_id given more than once"},
		{name: "repeated redirect_uri", path: q() + "&redirect_uri=https%3A%2F%2Fshop.example%2Fcb", page: "redirect_uri given more than once"},
		{name: "refusal by form post", path: q("response_mode", "form_post", "scope", "profile"), want: "form post to https://shop.example/cb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tp.do(t, call{method: http.MethodGet, path: tc.path})
			loc := w.Header().Get("Location")
			switch {
			case tc.page != "":
				if w.Code != 400 || !strings.Contains(w.Body.String(), tc.page) || loc != "" {
					t.Fatalf("%d %q %q", w.Code, loc, w.Body.String())
				}
			case tc.err != "":
				u, _ := url.Parse(loc)
				if w.Code != http.StatusFound || !strings.HasPrefix(loc, "https://") || u.Query().Get("error") != tc.err || u.Query().Get("state") != "st" {
					t.Fatalf("%d %q %s", w.Code, loc, w.Body.String())
				}
			default:
				if !strings.Contains(loc+w.Body.String(), tc.want) {
					t.Fatalf("%d %q %s", w.Code, loc, w.Body.String())
				}
			}
		})
	}
}

// TestCodeFlowInProcess: a pushed request, completed by the login, answered
// at the callback once, redeemed with PKCE once, refreshed; the ID token then
// names the client at RP-initiated logout.
func TestCodeFlowInProcess(t *testing.T) {
	tp := newTestProvider(t, nil)
	ctx := t.Context()
	shop := [2]string{"shop", shopSecret}
	verifier := strings.Repeat("v", 50)
	challenge := oidc.NewSHACodeChallenge(verifier)
	w := tp.do(t, call{path: "/par", basic: shop, form: url.Values{"response_type": {"code"}, "redirect_uri": {"https://shop.example/cb"},
		"scope": {"openid profile email offline_access"}, "state": {"st"}, "nonce": {"n1"}, "code_challenge": {challenge},
		"code_challenge_method": {"S256"}}})
	uri, _ := jsonOf(t, w)["request_uri"].(string)
	w = tp.do(t, call{method: http.MethodGet, path: "/authorize?" + url.Values{"client_id": {"shop"}, "request_uri": {uri}}.Encode()})
	loc, _ := url.Parse(w.Header().Get("Location"))
	id := loc.Query().Get("authRequestID")
	if w.Code != http.StatusFound || id == "" {
		t.Fatalf("authorize: %d %v", w.Code, loc)
	}
	// Not signed in yet: the callback sends the client interaction_required.
	w = tp.do(t, call{method: http.MethodGet, path: "/authorize/callback?id=" + id})
	if l := w.Header().Get("Location"); !strings.Contains(l, "error=interaction_required") {
		t.Fatalf("callback before sign-in: %d %q", w.Code, l)
	}
	tp.userToken(t, storage.Grant{ClientID: "shop"}) // creates u1
	if err := tp.store.CreateSession(ctx, storage.Session{ID: "sess1", SID: "sid1", UserID: "u1", AuthTime: time.Now(),
		ExpiresAt: time.Now().Add(time.Hour), ClientIDs: []string{"shop"}}); err != nil {
		t.Fatal(err)
	}
	if err := tp.store.CompleteAuthRequest(ctx, id, storage.Completion{UserID: "u1", AuthTime: time.Now(), AMR: []string{"pwd"},
		ACR: "urn:vhod:acr:password", SessionID: "sid1"}, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if cb := tp.p.Callback(ctx, id); !strings.Contains(cb, "/authorize/callback?id=") {
		t.Fatalf("Callback %q", cb)
	}
	w = tp.do(t, call{method: http.MethodGet, path: "/authorize/callback?id=" + id})
	loc, _ = url.Parse(w.Header().Get("Location"))
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("callback: %d %v %s", w.Code, loc, w.Body.String())
	}
	// A second visit gives no second code.
	w = tp.do(t, call{method: http.MethodGet, path: "/authorize/callback?id=" + id})
	if l := w.Header().Get("Location"); strings.Contains(l, "code=") {
		t.Fatalf("second callback: %q", l)
	}
	redeem := func(v string) *http.Response {
		return tp.do(t, call{path: "/oauth/token", basic: shop, form: url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {"https://shop.example/cb"}, "code_verifier": {v}}}).Result()
	}
	// A wrong verifier is refused before the code is spent.
	if r := redeem("wrong" + verifier); r.StatusCode != 400 {
		t.Fatalf("wrong verifier: %d", r.StatusCode)
	}
	w = tp.do(t, call{path: "/oauth/token", basic: shop, form: url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://shop.example/cb"}, "code_verifier": {verifier}}})
	tokens := jsonOf(t, w)
	idToken, _ := tokens["id_token"].(string)
	refresh, _ := tokens["refresh_token"].(string)
	if w.Code != 200 || idToken == "" || refresh == "" {
		t.Fatalf("code: %d %v", w.Code, tokens)
	}
	w = tp.do(t, call{method: http.MethodGet, path: "/userinfo", header: map[string]string{"Authorization": "Bearer " + tokens["access_token"].(string)}})
	if m := jsonOf(t, w); m["sub"] != "u1" {
		t.Fatalf("userinfo %v", m)
	}
	w = tp.do(t, call{path: "/oauth/token", basic: shop, form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}})
	if m := jsonOf(t, w); w.Code != 200 || m["refresh_token"] == refresh {
		t.Fatalf("refresh: %d %v", w.Code, m)
	}
	// RP-initiated logout with the ID token as hint.
	for _, tc := range []struct {
		name, query string
		err         error
		redirect    string
	}{
		{"hint and registered URI", url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://shop.example/bye"}, "state": {"s"}}.Encode(),
			nil, "https://shop.example/bye?state=s"},
		{"client_id alone", "client_id=shop", nil, ""},
		{"nothing", "", nil, ""},
		{"client_id not the hint's", url.Values{"id_token_hint": {idToken}, "client_id": {"jwtapp"}}.Encode(), ErrLogoutRequest, ""},
		{"foreign hint", "id_token_hint=a.b.c", ErrLogoutRequest, ""},
		{"unknown client", "client_id=ghost", ErrLogoutRequest, ""},
		{"unregistered URI", "client_id=shop&post_logout_redirect_uri=https://evil.example/", ErrLogoutRedirect, ""},
		{"URI without a client", "post_logout_redirect_uri=https://shop.example/bye", ErrLogoutRedirect, ""},
	} {
		t.Run("logout: "+tc.name, func(t *testing.T) {
			r := httptestRequest(testIssuer + "/end_session?" + tc.query)
			r.Method = http.MethodGet
			lr, err := tp.p.CheckLogout(r)
			if !errorsIs(err, tc.err) || (err == nil && lr.Redirect != tc.redirect) {
				t.Fatalf("%+v %v", lr, err)
			}
			if err != nil {
				return
			}
			if got, ok := tp.p.OpenLogout(r, lr.Sealed); !ok || got != tc.redirect {
				t.Fatalf("OpenLogout %q %v", got, ok)
			}
			if _, ok := tp.p.OpenLogout(r, lr.Sealed+"x"); ok {
				t.Fatal("a damaged seal opened")
			}
		})
	}
	next, err := tp.p.EndSession(httptestRequest(testIssuer+"/end_session"), "https://shop.example/bye")
	if err != nil || next == "" {
		t.Fatalf("EndSession %q %v", next, err)
	}
}
