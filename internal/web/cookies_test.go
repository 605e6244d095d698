package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCookieNamesHostPrefixedOnHTTPS (issue 16 item 7): on an https issuer every
// cookie of Vhod's (binding, session, CSRF) is set as __Host-<name>, Secure, with
// Path=/ and no Domain, so that only this host over https can set it; on the
// http loopback issuer of development the names stay plain.
func TestCookieNamesHostPrefixedOnHTTPS(t *testing.T) {
	for _, tc := range []struct {
		name   string
		issuer string
		prefix string
	}{
		{name: "https issuer", issuer: "https://id.example.com", prefix: "__Host-"},
		{name: "http loopback issuer", issuer: "http://127.0.0.1:8080", prefix: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secure := tc.prefix != ""
			if got := CookieName(secure, "vhod_device"); got != tc.prefix+"vhod_device" {
				t.Errorf("CookieName(%v, vhod_device) = %q", secure, got)
			}
			c := NewCookies(secure, time.Hour)
			rec := httptest.NewRecorder()
			c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.StartSession(w)
			})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.issuer+"/authorize", nil))
			cat, err := NewCatalog()
			if err != nil {
				t.Fatal(err)
			}
			pages, err := NewRenderer(cat, slog.New(slog.DiscardHandler), nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			pages.CSRF(make([]byte, 32), secure, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).
				ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.issuer+"/login/x", nil))

			got := map[string]*http.Cookie{}
			for _, ck := range rec.Result().Cookies() {
				got[ck.Name] = ck
			}
			for _, base := range []string{BrowserCookie, SessionCookie, CSRFCookie} {
				ck := got[tc.prefix+base]
				switch {
				case ck == nil:
					t.Errorf("no cookie %q among %v", tc.prefix+base, rec.Result().Header["Set-Cookie"])
				case ck.Secure != secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly:
					t.Errorf("%s: Secure %v, Path %q, Domain %q, HttpOnly %v", ck.Name, ck.Secure, ck.Path, ck.Domain, ck.HttpOnly)
				}
				if secure && got[base] != nil {
					t.Errorf("plain %q set on an https issuer", base)
				}
			}
		})
	}
}

// TestPlantedPlainCookieIgnoredOnHTTPS (issue 16 item 7): on an https issuer an
// unprefixed vhod_browser or vhod_session cookie, which anyone who can set a
// cookie for a parent domain or answer one plain-http request can plant, is not
// read: the browser gets a binding of Vhod's own making. The __Host- cookie is
// read; on the http loopback issuer the plain one is.
func TestPlantedPlainCookieIgnoredOnHTTPS(t *testing.T) {
	known := strings.Repeat("k", 43)
	for _, tc := range []struct {
		name, issuer, cookie string
		read                 bool
	}{
		{name: "https, planted plain", issuer: "https://id.example.com", cookie: "vhod_browser", read: false},
		{name: "https, prefixed", issuer: "https://id.example.com", cookie: "__Host-vhod_browser", read: true},
		{name: "http loopback, plain", issuer: "http://127.0.0.1:8080", cookie: "vhod_browser", read: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCookies(strings.HasPrefix(tc.issuer, "https:"), time.Hour)
			req := httptest.NewRequest(http.MethodGet, tc.issuer+"/authorize", nil)
			req.AddCookie(&http.Cookie{Name: tc.cookie, Value: known})
			req.AddCookie(&http.Cookie{Name: strings.Replace(tc.cookie, "browser", "session", 1), Value: known})
			var browser, session string
			rec := httptest.NewRecorder()
			c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				browser, session = c.BrowserHash(r.Context()), c.SessionID(r.Context())
			})).ServeHTTP(rec, req)
			if (browser == HashValue(known)) != tc.read || (session == HashValue(known)) != tc.read {
				t.Fatalf("cookie %s read: binding %v, session %v; want %v", tc.cookie, browser == HashValue(known),
					session == HashValue(known), tc.read)
			}
			if !tc.read && (browser == "" || session != "" || len(rec.Result().Cookies()) != 1) {
				t.Fatalf("want a fresh binding and no session; binding %q, session %q, set %v", browser, session,
					rec.Result().Header["Set-Cookie"])
			}
		})
	}
}
