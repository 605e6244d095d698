package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

const shopCallback = "http://127.0.0.1:8765/callback"

// authorizeParams is a good authorization request of the shop with PKCE.
func authorizeParams() url.Values {
	return url.Values{"client_id": {"shop"}, "redirect_uri": {shopCallback}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
}

// TestAuthorizeErrorsGoBackToTheClient: once the client and its redirect_uri
// are known good, every refusal of /authorize is a 302 to that redirect_uri
// with error, error_description and the request's state, by query (RFC 6749
// §4.1.2.1, OIDC Core §3.1.2.6), and no iss (op sends none with a code either:
// RFC 9207 is not announced).
func TestAuthorizeErrorsGoBackToTheClient(t *testing.T) {
	srv := startServer(t, "")
	for _, tc := range []struct {
		name      string
		change    func(q url.Values)
		err, desc string
	}{
		{name: "RFC 6749 §4.1.2.1: response_type=token is unsupported_response_type",
			change: func(q url.Values) { q.Set("response_type", "token") },
			err:    "unsupported_response_type", desc: "only response_type=code is supported"},
		{name: "RFC 6749 §4.1.2.1: response_type=code id_token (hybrid) is unsupported_response_type",
			change: func(q url.Values) { q.Set("response_type", "code id_token") },
			err:    "unsupported_response_type", desc: "only response_type=code is supported"},
		{name: "RFC 6749 §4.1.1: no response_type is invalid_request",
			change: func(q url.Values) { q.Del("response_type") },
			err:    "invalid_request", desc: "response_type is missing"},
		{name: "RFC 6749 §3.3: no scope is invalid_scope",
			change: func(q url.Values) { q.Del("scope") },
			err:    "invalid_scope", desc: "scope is missing"},
		{name: "OIDC Core §3.1.2.1: a scope without openid is invalid_scope",
			change: func(q url.Values) { q.Set("scope", "profile email") },
			err:    "invalid_scope", desc: "scope must contain openid"},
		{name: "OIDC Core §3.1.2.1: prompt=none with another value is invalid_request",
			change: func(q url.Values) { q.Set("prompt", "none login") },
			err:    "invalid_request", desc: "The prompt parameter `none` must only be used as a single value"},
		{name: "RFC 7636 §4.4.1: code_challenge_method=plain is invalid_request",
			change: func(q url.Values) { q.Set("code_challenge_method", "plain") },
			err:    "invalid_request", desc: "code_challenge_method must be S256"},
		{name: "RFC 7636 §4.4.1: a public client without PKCE is invalid_request",
			change: func(q url.Values) { q.Set("client_id", "spa"); q.Del("code_challenge"); q.Del("code_challenge_method") },
			err:    "invalid_request", desc: "PKCE (code_challenge with S256) is required for public clients"},
		{name: "OAuth 2.0 Multiple Response Types §2.1: response_mode=fragment is not offered; refused by query",
			change: func(q url.Values) { q.Set("response_mode", "fragment") },
			err:    "invalid_request", desc: `response_mode "fragment" is not supported; use query or form_post`},
		{name: "an unknown response_mode (JARM query.jwt) is refused by query",
			change: func(q url.Values) { q.Set("response_mode", "query.jwt") },
			err:    "invalid_request", desc: `response_mode "query.jwt" is not supported; use query or form_post`},
		{name: "RFC 9101 §6.2: a request_uri not from the PAR endpoint is request_uri_not_supported",
			change: func(q url.Values) { q.Set("request_uri", "https://rp.example/request.jwt") },
			err:    "request_uri_not_supported", desc: "only request_uri values of the PAR endpoint are accepted"},
		{name: "RFC 9126 §4, RFC 9101 §7: an unknown pushed request_uri is invalid_request_uri",
			change: func(q url.Values) { q.Set("request_uri", "urn:ietf:params:oauth:request_uri:nonesuch") },
			err:    "invalid_request_uri", desc: "the request_uri is unknown, used, expired or another client's"},
		{name: "RFC 9101 §6.1: an unsigned request object is invalid_request_object",
			change: func(q url.Values) {
				q.Set("request", "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.") // {"alg":"none"}.{"scope":"openid"}
			},
			err: "invalid_request_object", desc: "the request object is not a JWS signed with one of [RS256 PS256 ES256 ES384 EdDSA]"},
		{name: "RFC 9101 §5: request and request_uri together are invalid_request",
			change: func(q url.Values) {
				q.Set("request", "x.y.z")
				q.Set("request_uri", "urn:ietf:params:oauth:request_uri:x")
			},
			err: "invalid_request", desc: "request and request_uri must not both be present"},
		{name: "OIDC Core §3.1.2.6: an id_token_hint Vhod did not sign is login_required",
			change: func(q url.Values) { q.Set("id_token_hint", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln") },
			err:    "login_required", desc: "The id_token_hint is invalid. If you have any questions, you may contact the administrator of the application."},
		{name: "OIDC Core §3.1.2.1: max_age that is not a number is invalid_request",
			change: func(q url.Values) { q.Set("max_age", "soon") },
			err:    "invalid_request", desc: "max_age must be a whole number of seconds, at most 10 digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeParams()
			tc.change(q)
			p, err := rptest.NewBrowser("http://127.0.0.1:8765/").Get(srv.Issuer + "/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != http.StatusFound {
				t.Fatalf("status %d, want 302: %.300s", p.Status, p.Body)
			}
			loc, err := url.Parse(p.Location)
			if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != shopCallback {
				t.Fatalf("Location %q, want %s?…", p.Location, shopCallback)
			}
			want := url.Values{"error": {tc.err}, "error_description": {tc.desc}, "state": {"st-1"}}
			if got := loc.Query(); !equalValues(got, want) {
				t.Fatalf("Location query %v, want exactly %v", got, want)
			}
		})
	}

	// RFC 6749 §3.3: a scope Vhod does not know is ignored, not refused; the
	// token response names the scopes granted.
	t.Run("RFC 6749 §3.3: an unknown scope is left out of the grant", func(t *testing.T) {
		shop := newRP(t, srv, "shop", "shop-secret", shopCallback, oauth2.AuthStyleInHeader, "openid", "profile", "no-such-scope")
		a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "ivanov", "S3cure-pass!")
		tok, _, _ := shop.exchange(a, code)
		if got := strings.Fields(tok.Extra("scope").(string)); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"openid", "profile"}) {
			t.Fatalf("granted scope %v", got)
		}
	})
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestAuthorizeErrorsBeforeTheClientIsKnown: while the client or its redirect
// URI is not known good, the person reads Vhod's page (400, in their language)
// and the browser is sent nowhere (RFC 6749 §4.1.2.1 "MUST NOT automatically
// redirect", OIDC Core §3.1.2.6) — whatever else is wrong with the request.
func TestAuthorizeErrorsBeforeTheClientIsKnown(t *testing.T) {
	srv := startServer(t, "")
	// Each refusal says what happened in words of its own, and leads on: back
	// to the app at the origin of its registered redirect URI when the client
	// is known (never to the URI of the request), else to the account.
	const (
		ru             = "Запрос на вход неверен или устарел."
		unknownRU      = "Приложение, из которого вы пришли, не подключено ко «Входу»"
		unknownEN      = "The application that sent you here is not connected to Vhod"
		badRedirectRU  = "Приложение не указало зарегистрированный адрес, куда вернуть вас после входа"
		toShop, toHome = `href="http://127.0.0.1:8765/"`, `href="/account"`
	)
	for _, tc := range []struct {
		name       string
		change     func(q url.Values)
		want, link string
	}{
		{name: "an unknown client", change: func(q url.Values) { q.Set("client_id", "nonesuch") }, want: unknownRU, link: toHome},
		{name: "an unknown client, in English with ui_locales=en",
			change: func(q url.Values) { q.Set("client_id", "nonesuch"); q.Set("ui_locales", "en") }, want: unknownEN, link: toHome},
		{name: "no client_id", change: func(q url.Values) { q.Del("client_id") }, want: ru, link: toHome},
		{name: "a redirect_uri not registered for the client, and response_type=token",
			change: func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb"); q.Set("response_type", "token") }, want: badRedirectRU, link: toShop},
		{name: "a redirect_uri of another client",
			change: func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:8766/callback") }, want: badRedirectRU, link: toShop},
		{name: "no redirect_uri", change: func(q url.Values) { q.Del("redirect_uri") }, want: badRedirectRU, link: toShop},
		{name: "a bad request object without a redirect_uri to answer to",
			change: func(q url.Values) { q.Del("redirect_uri"); q.Set("request", "x.y.z") }, want: badRedirectRU, link: toShop},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeParams()
			tc.change(q)
			p, err := rptest.NewBrowser("http://127.0.0.1:8765/").Get(srv.Issuer + "/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != http.StatusBadRequest || p.Location != "" || p.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q; want 400 and no redirect", p.Status, p.Header.Get("Location"))
			}
			if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") || !strings.Contains(p.Body, tc.want) {
				t.Fatalf("page %s lacks %q: %.600s", p.Header.Get("Content-Type"), tc.want, p.Body)
			}
			if !strings.Contains(p.Body, tc.link) || strings.Contains(p.Body, "evil.example") || strings.Contains(p.Body, `href="http://127.0.0.1:8766`) {
				t.Errorf("page does not lead to %s: %.900s", tc.link, p.Body)
			}
		})
	}
}

// formPostRP is a relying party's redirect endpoint for response_mode=form_post:
// it keeps every form the browser posts to it.
type formPostRP struct{ posts chan url.Values }

func (f *formPostRP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "form posts only", http.StatusMethodNotAllowed)
		return
	}
	f.posts <- r.PostForm
	_, _ = w.Write([]byte("<!doctype html><title>RP</title><p>thanks"))
}

var (
	inlineScript  = regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`)
	eventHandlers = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	scriptTags    = regexp.MustCompile(`<script[^>]*>`)
)

// checkFormPostPage asserts the form post answer (OAuth 2.0 Form Post Response
// Mode §2): a 200 page, not cached, under Vhod's CSP (no inline script at all:
// no script body, no event handler attribute, only the static script), whose
// one form posts exactly want to action.
func checkFormPostPage(t *testing.T, p *rptest.Page, action string, want url.Values) {
	t.Helper()
	if p.Status != http.StatusOK || p.Location != "" {
		t.Fatalf("form post page: status %d, Location %q: %.300s", p.Status, p.Location, p.Body)
	}
	csp := p.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || p.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: CSP %q, Cache-Control %q", csp, p.Header.Get("Cache-Control"))
	}
	if inlineScript.MatchString(p.Body) || eventHandlers.MatchString(p.Body) {
		t.Errorf("inline script in the form post page: %s", p.Body)
	}
	if tags := scriptTags.FindAllString(p.Body, -1); len(tags) != 1 || tags[0] != `<script src="/static/formpost.js" defer>` {
		t.Errorf("scripts %q", tags)
	}
	if !strings.Contains(p.Body, `<form id="form-post" method="post" action="`+action+`">`) {
		t.Fatalf("no form to %s: %s", action, p.Body)
	}
	got := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(p.Body, -1) {
		got.Add(m[1], m[2])
	}
	if want.Has("code") {
		want.Set("code", got.Get("code"))
		if got.Get("code") == "" {
			t.Fatalf("no code in %v", got)
		}
	}
	if !equalValues(got, want) {
		t.Fatalf("form fields %v, want %v", got, want)
	}
}

// TestFormPostResponseMode: a relying party that asks for response_mode=form_post
// (OAuth 2.0 Form Post Response Mode) gets its code by a form of Vhod's that
// posts itself by a static script, under Vhod's CSP; the code is exchanged. Its
// refusals come the same way: one of /authorize (unsupported_response_type)
// and one of the sign-in (prompt=none without a session: login_required, OIDC
// Core §3.1.2.6). Discovery lists exactly query and form_post.
func TestFormPostResponseMode(t *testing.T) {
	relying := &formPostRP{posts: make(chan url.Values, 4)}
	hook := httptest.NewServer(relying)
	defer hook.Close()
	callback := hook.URL + "/callback"
	cfg := strings.Replace(testConfig, "      redirect_uris: [http://127.0.0.1:8767/callback]\n",
		"      redirect_uris: [http://127.0.0.1:8767/callback, "+callback+"]\n", 1)
	srv := startServer(t, cfg)

	disc := getJSON(t, srv.Issuer+"/.well-known/openid-configuration")
	if got := toStrings(disc["response_modes_supported"]); !slices.Equal(got, []string{"query", "form_post"}) {
		t.Errorf("response_modes_supported %v, want [query form_post]", got)
	}
	resp, err := http.Get(srv.Issuer + "/static/formpost.js")
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("formpost.js: %v %v", err, resp)
	}
	resp.Body.Close()

	partner := newRP(t, srv, "partner", "partner-secret", callback, oauth2.AuthStyleInHeader, "openid", "profile")
	formPost := oauth2.SetAuthURLParam("response_mode", "form_post")

	t.Run("success: the code by form post, exchanged", func(t *testing.T) {
		b := rptest.NewBrowser("")
		a := partner.authorization(formPost)
		p, err := b.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		p, err = b.Submit(p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
		if err == nil && strings.Contains(p.Body, `value="allow"`) { // partner is third-party: consent
			p, err = b.Submit(p, "/consent", url.Values{"action": {"allow"}})
		}
		if err != nil {
			t.Fatal(err)
		}
		checkFormPostPage(t, p, callback, url.Values{"code": nil, "state": {a.State}})
		if _, err := b.Submit(p, callback, nil); err != nil {
			t.Fatal(err)
		}
		posted := <-relying.posts
		if posted.Get("state") != a.State || posted.Has("iss") {
			t.Fatalf("the RP got %v", posted)
		}
		cb, _ := url.Parse(callback + "?" + posted.Encode())
		partner.exchange(a, partner.code(a, cb))

		// Single sign-on answers by form post too, straight from /authorize.
		a = partner.authorization(formPost)
		p, err = b.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		checkFormPostPage(t, p, callback, url.Values{"code": nil, "state": {a.State}})
	})

	t.Run("OIDC Core §3.1.2.6: login_required by form post", func(t *testing.T) {
		a := partner.authorization(formPost, oauth2.SetAuthURLParam("prompt", "none"))
		p, err := rptest.NewBrowser("").Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		checkFormPostPage(t, p, callback, url.Values{"error": {"login_required"}, "state": {a.State}})
	})

	t.Run("RFC 6749 §4.1.2.1: unsupported_response_type by form post", func(t *testing.T) {
		a := partner.authorization(formPost, oauth2.SetAuthURLParam("response_type", "token"))
		b := rptest.NewBrowser("")
		p, err := b.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		checkFormPostPage(t, p, callback, url.Values{"error": {"unsupported_response_type"},
			"error_description": {"only response_type=code is supported"}, "state": {a.State}})
		if _, err := b.Submit(p, callback, nil); err != nil {
			t.Fatal(err)
		}
		if posted := <-relying.posts; posted.Get("error") != "unsupported_response_type" || posted.Get("state") != a.State {
			t.Fatalf("the RP got %v", posted)
		}
	})
}
