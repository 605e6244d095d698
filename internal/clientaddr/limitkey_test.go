package clientaddr

import "testing"

// TestLimitKeyCountsIPv6ByPrefix (review of issue 16 item 2): addresses of one
// IPv6 /64 share a limit; IPv4 addresses and other /64s do not.
func TestLimitKeyCountsIPv6ByPrefix(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"::1", "::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not an address", "not an address"},
	} {
		if got := LimitKey(tc.addr); got != tc.want {
			t.Errorf("LimitKey(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
