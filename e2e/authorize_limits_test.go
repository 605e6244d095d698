package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthorizeSizeLimits: an anonymous POST to /authorize cannot make Vhod
// store megabytes (auth requests are kept an hour past expiry). The body is
// bounded at 64 KiB, refused with Vhod's own 400 page, not a 500; an
// oversized parameter goes back to the client as invalid_request (RFC 6749
// §4.1.2.1), a 4096-byte state is fine, and a code_challenge outside 43–128
// characters is refused (RFC 7636 §4.2).
func TestAuthorizeSizeLimits(t *testing.T) {
	srv := startServer(t, "")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(t *testing.T, form url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := noRedirect.PostForm(srv.Issuer+"/authorize", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, tc := range []struct {
		name   string
		param  string
		value  string
		status int
		desc   string // the error_description sent to the client; "" for none
	}{
		{"an 8 MB state gets the error page", "state", strings.Repeat("s", 8<<20), http.StatusBadRequest, ""},
		{"a 70 KiB body gets the error page", "padding", strings.Repeat("p", 70<<10), http.StatusBadRequest, ""},
		{"a 4097-byte state is invalid_request", "state", strings.Repeat("s", 4097), http.StatusFound, "state is longer than 4096 bytes"},
		{"a 42-character code_challenge is invalid_request", "code_challenge", strings.Repeat("c", 42), http.StatusFound,
			"code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2)"},
		{"a 4096-byte state goes on to the login", "state", strings.Repeat("s", 4096), http.StatusFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := authorizeParams()
			form.Set(tc.param, tc.value)
			resp, body := post(t, form)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			switch {
			case tc.status == http.StatusBadRequest:
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
					!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "Запрос на вход неверен или устарел.") {
					t.Fatalf("%d %q %s: %.300s", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Content-Type"), body)
				}
			case tc.desc != "":
				want := url.Values{"error": {"invalid_request"}, "error_description": {tc.desc}}
				if tc.param != "state" { // an oversized state is not echoed
					want.Set("state", "st-1")
				}
				if resp.StatusCode != http.StatusFound || loc.Scheme+"://"+loc.Host+loc.Path != shopCallback || !equalValues(loc.Query(), want) {
					t.Fatalf("%d %.300s, want %v", resp.StatusCode, loc, want)
				}
			default:
				if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.Path, "/login") || loc.Query().Get("authRequestID") == "" {
					t.Fatalf("%d %.300s", resp.StatusCode, loc)
				}
			}
		})
	}
}
