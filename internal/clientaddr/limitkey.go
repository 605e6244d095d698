package clientaddr

import "net/netip"

// LimitKey is what per-address limits count under: an IPv4 address as it is, an
// IPv6 address by its /64. One subscriber line or host gets a whole /64 (RFC
// 6177), so counting each IPv6 address apart would give anyone 2^64 allowances
// of failures, captchas and messages. Audit events, sessions and logs keep the
// whole address (Of); only limits use this. Text that is no address is kept.
func LimitKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() || a.Is4In6() {
		return addr
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}
