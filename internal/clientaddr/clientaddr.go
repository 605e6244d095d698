// Package clientaddr finds the address of whoever sent a request: the TCP peer,
// or, when the peer is one of the operator's trusted reverse proxies, the
// address those proxies say they received the request from.
//
// The address is worked out once (Resolve) at the outermost handler, stored
// with With, and read with Of everywhere it matters: sign-in limits and
// lockouts, audit events, session records, log lines. r.RemoteAddr is left as
// the TCP peer, because some checks (the certificate header of a
// TLS-terminating proxy) must be about the connection itself.
//
// The rule is the usual one (nginx real_ip_recursive, Traefik, Envoy's
// xff_num_trusted_hops): each proxy appends the address it received the request
// from to X-Forwarded-For, so reading the list from the right, every hop up to
// the first address that is not a trusted proxy was written by a proxy we
// trust; that first untrusted address is the client. Anything further left was
// written by the client and may be forged. A client cannot choose its own
// address unless it connects from a trusted range.
//
// X-Forwarded-For is read when present (every common proxy appends to it);
// RFC 7239 Forwarded is read only when no X-Forwarded-For arrived, so that a
// client cannot put a forged Forwarded past a proxy that appends only to
// X-Forwarded-For. An address that cannot be parsed among the trusted hops
// means the chain cannot be believed, and the TCP peer is used.
package clientaddr

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParsePrefixes reads a trusted_proxies list: CIDRs ("10.0.0.0/8",
// "2001:db8::/32") or single addresses ("192.0.2.7", taken as /32 or /128).
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not an address or CIDR", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Bits() == 0 {
			// Trusting everyone would let every client pick its address.
			return nil, fmt.Errorf("%q trusts every address; list the proxies' own ranges", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

type ctxKey struct{}

// With returns ctx carrying addr as the client address (for tests and for work
// started on behalf of a request).
func With(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, ctxKey{}, addr)
}

// FromContext is the client address stored by With, or "".
func FromContext(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}

// Of is the client address of r: IPv4 dotted, IPv6 whole (no brackets, no
// port, no zone). With none stored (handler tests) it is the TCP peer.
func Of(r *http.Request) string {
	if s := FromContext(r.Context()); s != "" {
		return s
	}
	return Resolve(r.RemoteAddr, nil, nil)
}

// Resolve applies the rule of the package comment to a request's TCP peer
// (host:port, as in http.Request.RemoteAddr) and headers.
func Resolve(remoteAddr string, h http.Header, trusted []netip.Prefix) string {
	peer, ok := parseHop(remoteAddr)
	if !ok {
		// Not an IP connection (a Unix socket, a test): keep what there is.
		return remoteAddr
	}
	if !contains(trusted, peer) {
		return spelled(peer, remoteAddr)
	}
	hops := forwardedFor(h)
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return peer.String()
		}
		if !contains(trusted, a) || i == 0 {
			// The right-most untrusted hop; or, when every hop is a trusted
			// proxy, the one furthest from us.
			return a.String()
		}
	}
	return peer.String()
}

// forwardedFor lists the hops the proxies recorded, oldest first.
func forwardedFor(h http.Header) []string {
	var hops []string
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for _, s := range strings.Split(line, ",") {
				hops = append(hops, strings.TrimSpace(s))
			}
		}
		return hops
	}
	for _, line := range h.Values("Forwarded") {
		for _, elem := range splitQuoted(line, ',') {
			hop := "" // an element without for= is a hop we cannot place
			for _, pair := range splitQuoted(elem, ';') {
				k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
				if strings.EqualFold(strings.TrimSpace(k), "for") {
					hop = unquote(strings.TrimSpace(v))
				}
			}
			hops = append(hops, hop)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside double quotes (RFC 7239 values may be
// quoted strings, and an IPv6 one always is).
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = strings.ReplaceAll(v[1:len(v)-1], `\`, "")
	}
	return v
}

// parseHop reads one address as proxies write them: "192.0.2.1", "2001:db8::1",
// with a port ("192.0.2.1:4711", "[2001:db8::1]:4711") or in brackets alone.
// IPv4-mapped IPv6 is unmapped and a zone dropped, so one client has one key.
func parseHop(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	// A connection's address has a port: split it first, rather than fail to
	// parse the whole (an error value made on every request). A bare address
	// never splits (IPv6 needs brackets to), so the order changes no answer.
	if h, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		host := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		if h, _, serr := net.SplitHostPort(s); serr == nil {
			host = h
		}
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.Addr{}, false
		}
	}
	return a.Unmap().WithZone(""), true
}

// spelled is a.String(), taken from the address as the connection gave it
// (host:port) when it is spelled the same, so that no new string is made
// for every request.
func spelled(a netip.Addr, hostPort string) string {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return a.String()
	}
	var buf [64]byte
	if string(a.AppendTo(buf[:0])) == host {
		return host
	}
	return a.String()
}

func contains(trusted []netip.Prefix, a netip.Addr) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
