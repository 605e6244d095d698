package provider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// TestClientAuthenticationRules: the token endpoint's client authentication
// layer, method by method, with its refusals (RFC 6749 sections 2.3, 3.2, 5.2).
func TestClientAuthenticationRules(t *testing.T) {
	tp := newTestProvider(t, nil)
	cc := func(extra ...string) url.Values {
		f := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Add(extra[i], extra[i+1])
		}
		return f
	}
	for _, tc := range []struct {
		name   string
		c      call
		status int
		err    string // the error code ("" success)
		desc   string // part of error_description
		basic  bool   // a Basic challenge is expected
	}{
		{name: "Basic", c: call{path: "/oauth/token", form: cc(), basic: [2]string{"shop", shopSecret}}, status: 200},
		{name: "secret in the form", c: call{path: "/oauth/token", form: cc("client_id", "jwtapp", "client_secret", shopSecret)}, status: 200},
		{name: "GET", c: call{method: http.MethodGet, path: "/oauth/token"}, status: 405, err: "invalid_request", desc: "POST"},
		{name: "parameters in the URL", c: call{path: "/oauth/token?grant_type=client_credentials", form: cc(), basic: [2]string{"shop", shopSecret}},
			status: 400, err: "invalid_request", desc: "not the URL"},
		{name: "a parameter twice", c: call{path: "/oauth/token", form: cc("grant_type", "client_credentials"), basic: [2]string{"shop", shopSecret}},
			status: 400, err: "invalid_request", desc: "grant_type is given more than once"},
		{name: "two methods", c: call{path: "/oauth/token", form: cc("client_secret", shopSecret), basic: [2]string{"shop", shopSecret}},
			status: 400, err: "invalid_request", desc: "one method only"},
		{name: "no client", c: call{path: "/oauth/token", form: cc()}, status: 401, err: "invalid_client", desc: "not named"},
		{name: "unknown client by Basic", c: call{path: "/oauth/token", form: cc(), basic: [2]string{"ghost", "x"}},
			status: 401, err: "invalid_client", desc: "wrong credentials", basic: true},
		{name: "wrong secret", c: call{path: "/oauth/token", form: cc(), basic: [2]string{"shop", "wrong"}},
			status: 401, err: "invalid_client", desc: "wrong credentials", basic: true},
		{name: "wrong secret in the form", c: call{path: "/oauth/token", form: cc("client_id", "shop", "client_secret", "wrong")},
			status: 401, err: "invalid_client", desc: "wrong credentials"},
		{name: "no secret", c: call{path: "/oauth/token", form: cc("client_id", "shop")}, status: 401, err: "invalid_client", desc: "required"},
		{name: "Basic and another client_id", c: call{path: "/oauth/token", form: cc("client_id", "jwtapp"), basic: [2]string{"shop", shopSecret}},
			status: 401, err: "invalid_client", desc: "differs", basic: true},
		{name: "public client with a secret", c: call{path: "/oauth/token", form: cc("client_id", "spa", "client_secret", "x")},
			status: 401, err: "invalid_client", desc: "no secret"},
		{name: "public client, grant not its own", c: call{path: "/oauth/token", form: cc("client_id", "spa")},
			status: 400, err: "unauthorized_client", desc: "client_credentials"},
		{name: "private_key_jwt client by secret", c: call{path: "/oauth/token", form: cc(), basic: [2]string{"robot", "x"}},
			status: 401, err: "invalid_client", desc: "private_key_jwt", basic: true},
		{name: "grant not the client's", c: call{path: "/oauth/token", form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}},
			basic: [2]string{"intro", introSecret}}, status: 400, err: "unauthorized_client", desc: "refresh_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tp.do(t, tc.c)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body.String())
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
			}
			if got := w.Header().Get("WWW-Authenticate") != ""; got != tc.basic {
				t.Errorf("challenge %q", w.Header().Get("WWW-Authenticate"))
			}
			m := jsonOf(t, w)
			if tc.err == "" {
				if m["access_token"] == nil {
					t.Fatalf("no token: %v", m)
				}
				return
			}
			if m["error"] != tc.err || !strings.Contains(m["error_description"].(string), tc.desc) {
				t.Fatalf("answer %v, want %s (%s)", m, tc.err, tc.desc)
			}
		})
	}
}

// TestClientAuthBasicNotFormEncoded: RFC 6749 section 2.3.1 form-encodes
// both parts of the Basic credentials; an undecodable part is refused.
func TestClientAuthBasicNotFormEncoded(t *testing.T) {
	tp := newTestProvider(t, nil)
	r := strings.NewReader("grant_type=client_credentials")
	req, _ := http.NewRequest(http.MethodPost, testIssuer+"/oauth/token", r)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("shop", "%zz")
	w := newRecorder()
	tp.h.ServeHTTP(w, req)
	if m := jsonOf(t, w); w.Code != 401 || m["error"] != string(oidc.InvalidClient) || !strings.Contains(m["error_description"].(string), "form-encoded") {
		t.Fatalf("%d %v", w.Code, m)
	}
}

// TestRepeatableParameters: audience and resource may come more than once
// (RFC 8693 section 2.1); nothing else may.
func TestRepeatableParameters(t *testing.T) {
	for _, tc := range []struct {
		form url.Values
		ok   bool
	}{
		{url.Values{"audience": {"a", "b"}, "resource": {"https://x", "https://y"}}, true},
		{url.Values{"scope": {"a", "b"}}, false},
	} {
		r, _ := http.NewRequest(http.MethodPost, testIssuer+"/oauth/token", nil)
		r.PostForm = tc.form
		if e := singleParameters(r); (e == nil) != tc.ok {
			t.Errorf("%v: %v", tc.form, e)
		}
	}
}
