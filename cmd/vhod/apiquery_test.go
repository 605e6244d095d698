package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestAPIMalformedQueryIs400 (issue 16 item 10): malformed input in a query
// parameter (or the path) of any list is answered 400 with problem details,
// never 500; the well-formed requests around it still work.
func TestAPIMalformedQueryIs400(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	lists := []string{"/clients", "/trust-anchors", "/audit", "/organisations", "/organisations/romashka/members", "/users",
		"/role-catalogues", "/keys", "/users/nobody/sessions"}
	paged := lists[:6] // the lists that take ?limit=
	badCursor := base64.RawURLEncoding.EncodeToString([]byte("2026-01-01T00:00:00Z|\xff\xfe"))
	for _, c := range []struct {
		name, query string
		limit       bool // only lists with pages take ?limit=
	}{
		{"invalid UTF-8 search", "q=%ff", false},
		{"truncated UTF-8 search", "q=%c3%28abc", false},
		{"NUL in search", "q=a%00b", false},
		{"newline in a filter", "status=active%0a", false},
		{"invalid UTF-8 cursor", "cursor=%c3", false},
		{"invalid UTF-8 filter", "user=%ff", false},
		{"invalid UTF-8 name", "%ff=1", false},
		{"bad percent-escape", "q=%zz", false},
		{"semicolon separator", "limit=5;q=x", false},
		{"limit not a number", "limit=ten", true},
		{"limit too large", "limit=99999999999999999999", true},
		{"limit zero", "limit=0", true},
		{"too long", "q=" + strings.Repeat("я", 400), false},
		{"too many", strings.Repeat("a=1&", 40) + "a=1", false},
	} {
		paths := lists
		if c.limit {
			paths = paged
		}
		for _, path := range paths {
			a := h.call(ops, "GET", path+"?"+c.query, nil)
			if a.Status != 400 || a.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: GET %s?%s: %d %s %s", c.name, path, c.query, a.Status, a.Header.Get("Content-Type"), a.Raw)
			}
		}
	}
	for _, c := range []struct {
		name, path string
	}{
		{"audit time not RFC 3339", "/audit?from=yesterday"},
		{"audit cursor not base64", "/audit?cursor=!!!"},
		{"audit cursor with invalid UTF-8", "/audit?cursor=" + badCursor},
		{"organisation status unknown", "/organisations?status=gone"},
		{"invalid UTF-8 in the path", "/clients/%ff"},
		{"NUL in the path", "/users/%00"},
		{"invalid UTF-8 in a nested path", "/organisations/romashka/members/%c3"},
	} {
		if a := h.call(ops, "GET", c.path, nil); a.Status != 400 || a.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: GET %s: %d %s", c.name, c.path, a.Status, a.Raw)
		}
	}
	for _, path := range []string{"/users?q=Иванов&limit=5", "/audit?from=2026-01-01T00:00:00Z&type=x", "/organisations?q=%D0%A0%D0%BE%D0%BC",
		"/clients?cursor=shop&limit=200", "/clients/%D0%BD%D0%B5%D1%82"} {
		if a := h.call(ops, "GET", path, nil); a.Status != 200 && a.Status != 404 {
			t.Errorf("well-formed GET %s: %d %s", path, a.Status, a.Raw)
		}
	}
}
