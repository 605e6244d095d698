package login

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Issue 16 item 10: an IPv6 peer is recorded whole (no brackets, no port), as the
// limits, sessions and audit events key on it.
func TestClientIPRecordsIPv6Whole(t *testing.T) {
	for peer, want := range map[string]string{
		"[2001:db8::1]:443":          "2001:db8::1",
		"[::1]:123":                  "::1",
		"[::ffff:198.51.100.7]:8080": "198.51.100.7",
		"198.51.100.7:8080":          "198.51.100.7",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = peer
		if got := clientIP(r); got != want {
			t.Errorf("clientIP(%q) = %q, want %q", peer, got, want)
		}
	}
}
