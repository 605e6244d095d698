package login

import (
	"net/http/httptest"
	"testing"

	"github.com/vhod-id/vhod/internal/clientaddr"
)

// TestIPv6AddressesOfOnePrefixShareALimit (review of issue 16): the
// per-address limits count an IPv6 /64 as one address, or anyone with a /64
// gets 2^64 allowances of failures and messages; IPv4 addresses stay apart.
func TestIPv6AddressesOfOnePrefixShareALimit(t *testing.T) {
	from := func(addr string) string {
		r := httptest.NewRequest("POST", "/login/f/password", nil)
		return ipKey(r.WithContext(clientaddr.With(r.Context(), addr)))
	}
	if a, b := from("2001:db8:1:2::1"), from("2001:db8:1:2:ffff::9"); a != b {
		t.Errorf("one /64 counts as two addresses: %q, %q", a, b)
	}
	if a, b := from("2001:db8:1:2::1"), from("2001:db8:1:3::1"); a == b {
		t.Errorf("two /64s count as one: %q", a)
	}
	if a, b := from("192.0.2.1"), from("192.0.2.2"); a == b {
		t.Errorf("two IPv4 addresses count as one: %q", a)
	}
}
