package clientaddr

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientAddressRule(t *testing.T) {
	trusted, err := ParsePrefixes([]string{"10.0.0.0/8", "192.0.2.7", "2001:db8:ffff::/48"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer string
		headers    map[string][]string
		want       string
	}{
		{"no proxy", "203.0.113.9:51234", nil, "203.0.113.9"},
		{"untrusted peer with a spoofed X-Forwarded-For", "203.0.113.9:51234",
			map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.9"},
		{"untrusted peer with a spoofed Forwarded", "203.0.113.9:51234",
			map[string][]string{"Forwarded": {"for=198.51.100.1"}}, "203.0.113.9"},
		{"trusted peer: the right-most untrusted hop", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"198.51.100.66, 203.0.113.5"}}, "203.0.113.5"},
		{"a chain of trusted proxies is skipped", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"1.1.1.1, 203.0.113.5, 192.0.2.7, 10.9.9.9"}}, "203.0.113.5"},
		{"several X-Forwarded-For lines are one list", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"1.1.1.1, 203.0.113.5", "10.9.9.9"}}, "203.0.113.5"},
		{"every hop trusted: the furthest", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"10.5.5.5, 192.0.2.7"}}, "10.5.5.5"},
		{"trusted peer without headers", "10.1.2.3:40000", nil, "10.1.2.3"},
		{"Forwarded with a quoted IPv6 address and port", "10.1.2.3:40000",
			map[string][]string{"Forwarded": {`for="[2001:db8::1]:4711";proto=https, for=10.9.9.9`}}, "2001:db8::1"},
		{"Forwarded with several elements and parameters", "10.1.2.3:40000",
			map[string][]string{"Forwarded": {`for=198.51.100.3;by=10.0.0.1, For="203.0.113.44";host="a;b,c"`}}, "203.0.113.44"},
		{"X-Forwarded-For wins over Forwarded", "10.1.2.3:40000",
			map[string][]string{"Forwarded": {"for=198.51.100.1"}, "X-Forwarded-For": {"203.0.113.5"}}, "203.0.113.5"},
		{"garbage X-Forwarded-For: the peer", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"<script>, not-an-ip"}}, "10.1.2.3"},
		{"empty hop: the peer", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"203.0.113.5,,"}}, "10.1.2.3"},
		{"Forwarded for=unknown: the peer", "10.1.2.3:40000",
			map[string][]string{"Forwarded": {"for=unknown"}}, "10.1.2.3"},
		{"garbage left of the client is not read", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"garbage, 203.0.113.5"}}, "203.0.113.5"},
		{"hop with a port", "10.1.2.3:40000",
			map[string][]string{"X-Forwarded-For": {"203.0.113.5:6000"}}, "203.0.113.5"},
		{"IPv6 peer recorded whole", "[2001:db8:0:1::42]:443", nil, "2001:db8:0:1::42"},
		{"IPv6 loopback peer", "[::1]:123", nil, "::1"},
		{"IPv6 peer in a trusted range, IPv6 client", "[2001:db8:ffff::1]:443",
			map[string][]string{"X-Forwarded-For": {"2001:db8:1::7"}}, "2001:db8:1::7"},
		{"IPv4-mapped IPv6 unmapped", "[::ffff:203.0.113.9]:443", nil, "203.0.113.9"},
		{"zone dropped", "[fe80::1%eth0]:443", nil, "fe80::1"},
		{"not an IP connection", "@", nil, "@"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range c.headers {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			if got := Resolve(c.peer, h, trusted); got != c.want {
				t.Errorf("Resolve(%q, %v) = %q, want %q", c.peer, c.headers, got, c.want)
			}
		})
	}
}

func TestParsePrefixesRefusesBadAndEverything(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.com", "0.0.0.0/0", "::/0", "fe80::1%eth0"} {
		if _, err := ParsePrefixes([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	ps, err := ParsePrefixes([]string{" 10.1.2.3/8 ", "::1"})
	if err != nil || len(ps) != 2 || ps[0].String() != "10.0.0.0/8" || ps[1].String() != "::1/128" {
		t.Fatalf("ParsePrefixes = %v, %v", ps, err)
	}
}

// The address resolved once and stored with With is what Of reads, and the
// peer's address stays as it was; without one stored, Of falls back to the
// peer (whole, for IPv6).
func TestStoredAddressAndRemoteAddr(t *testing.T) {
	trusted, _ := ParsePrefixes([]string{"127.0.0.1/32"})
	var got, remote string
	h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got, remote = Of(r), r.RemoteAddr })
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:5555"
	r.Header.Set("X-Forwarded-For", "2001:db8::5")
	h.ServeHTTP(httptest.NewRecorder(), r.WithContext(With(r.Context(), Resolve(r.RemoteAddr, r.Header, trusted))))
	if got != "2001:db8::5" || remote != "127.0.0.1:5555" {
		t.Fatalf("Of = %q, RemoteAddr = %q", got, remote)
	}
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "[2001:db8::1]:123"
	if a := Of(r); a != "2001:db8::1" {
		t.Fatalf("Of with no address stored = %q", a)
	}
}

func TestLogHandlerAddsClientAddress(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil))).With("component", "x")
	log.InfoContext(With(t.Context(), "2001:db8::9"), "hello")
	log.Info("no request")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "client_ip=2001:db8::9") || strings.Contains(lines[1], "client_ip") {
		t.Fatalf("log:\n%s", buf.String())
	}
}

// TestResolveSpellsAsNetip: the address Resolve returns for a connection is
// netip's spelling of it, whether or not it is taken from RemoteAddr.
func TestResolveSpellsAsNetip(t *testing.T) {
	for remote, want := range map[string]string{
		"127.0.0.1:40000":         "127.0.0.1",
		"[::1]:443":               "::1",
		"[::ffff:10.0.0.1]:443":   "10.0.0.1",
		"[fe80::1%eth0]:443":      "fe80::1",
		"[2001:DB8:0:0::1]:443":   "2001:db8::1",
		"[2001:db8::1]:443":       "2001:db8::1",
		"10.0.0.7":                "10.0.0.7",
		"2001:db8::7":             "2001:db8::7",
		"@":                       "@",
		"[2001:db8::1]:443:extra": "[2001:db8::1]:443:extra",
		"203.0.113.9:1":           "203.0.113.9",
	} {
		if got := Resolve(remote, nil, nil); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", remote, got, want)
		}
	}
}
