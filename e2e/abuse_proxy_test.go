package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// Issue 16 item 2: behind a reverse proxy, the per-address limit counts the
// address the proxy saw, not the proxy's own. Clients are told apart by the
// loopback address they connect from (Linux routes all of 127.0.0.0/8 to lo):
// A and B reach Vhod through the proxy; the attacker connects straight to Vhod
// from an address that is not a trusted proxy and forges X-Forwarded-For.
func TestAbuseLockoutBehindProxy(t *testing.T) {
	const (
		proxyAddr    = "127.0.0.1" // the only trusted proxy
		clientA      = "127.0.0.10"
		clientB      = "127.0.0.11"
		attackerAddr = "127.0.0.12"
		perAddress   = 50
	)
	probe, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(attackerAddr)}}).Dial("tcp", "127.0.0.1:1")
	if err != nil && strings.Contains(err.Error(), "assign requested address") {
		t.Skipf("this system cannot connect from %s (only 127.0.0.1 is configured): %v", attackerAddr, err)
	}
	if probe != nil {
		probe.Close()
	}

	lb, err := net.Listen("tcp", proxyAddr+":0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + lb.Addr().String()
	cfg := strings.Replace(testConfig, "issuer: http://127.0.0.1:{{PORT}}", "issuer: "+issuer, 1)
	cfg = strings.Replace(cfg, "bootstrap:\n", fmt.Sprintf(`trusted_proxies: [%s/32]
captcha: {provider: none}
limits: {signin_failures_per_ip: %d, window: 1h}
bootstrap:
`, proxyAddr, perAddress), 1)
	srv := startServer(t, cfg)
	backend, _ := url.Parse(srv.local())

	// The stand-in proxy appends the address it received the request from to
	// whatever X-Forwarded-For came in, as nginx's $proxy_add_x_forwarded_for.
	var proxied atomic.Int64
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		proxied.Add(1)
		pr.SetURL(backend)
		pr.Out.Host = pr.In.Host
		pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
		pr.SetXForwarded()
	}}
	proxy := &http.Server{Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = proxy.Serve(lb) }()
	t.Cleanup(func() { _ = proxy.Close() })

	// from is a transport whose connections leave from addr; to, when set, is
	// where every connection goes whatever the URL says (the attacker skips
	// the proxy). forged is an X-Forwarded-For the client writes itself.
	from := func(addr, to, forged string) http.RoundTripper {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}, Timeout: 5 * time.Second}
		tr := &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if to != "" {
				a = to
			}
			return d.DialContext(ctx, network, a)
		}}
		t.Cleanup(tr.CloseIdleConnections)
		if forged == "" {
			return tr
		}
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Set("X-Forwarded-For", forged)
			return tr.RoundTrip(r)
		})
	}
	shop := shopRP(t, &server{t: t, Issuer: issuer})
	// signIns starts one sign-in and posts the password form for each login in
	// turn (a new identifier every time, so that only the address's counter
	// grows), and returns the status of the last answer.
	signIns := func(rt http.RoundTripper, logins []string, password string) *rptest.Page {
		t.Helper()
		b := rptest.NewBrowserWith("http://127.0.0.1:8765/", rt)
		p, err := b.Get(shop.authorization().URL)
		if err != nil {
			t.Fatal(err)
		}
		for _, login := range logins {
			if p, err = b.Submit(p, "/password", url.Values{"login": {login}, "password": {password}}); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	strangers := func(who string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("nobody-%s-%d", who, i))
		}
		return out
	}
	const refused = http.StatusTooManyRequests

	// A, through the proxy, and also forging a header (the proxy appends its
	// real address after it): 50 failures lock A's address.
	a := from(clientA, "", clientB)
	b := rptest.NewBrowserWith("http://127.0.0.1:8765/", a)
	p, err := b.Get(shop.authorization().URL)
	if err != nil {
		t.Fatal(err)
	}
	for i, login := range strangers("a", perAddress) {
		if p, err = b.Submit(p, "/password", url.Values{"login": {login}, "password": {"wrong"}}); err != nil {
			t.Fatal(err)
		}
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d of A: %d %.300s", i+1, p.Status, p.Body)
		}
	}
	if p := signIns(a, []string{"ivanov"}, "S3cure-pass!"); p.Status != refused || p.Location != "" {
		t.Fatalf("A after %d failures: %d, want %d (the address is limited)", perAddress, p.Status, refused)
	}

	// The attacker goes straight to Vhod and forges B's address (and would
	// rotate it to escape the limit): it is counted as itself, so its own
	// address is limited and B is not.
	atk := from(attackerAddr, backend.Host, clientB)
	if p := signIns(atk, strangers("attacker", perAddress), "wrong"); p.Status != http.StatusUnauthorized {
		t.Fatalf("attacker's failures: %d %.300s", p.Status, p.Body)
	}
	if p := signIns(from(attackerAddr, backend.Host, "198.51.100.77"), []string{"ivanov"}, "S3cure-pass!"); p.Status != refused {
		t.Fatalf("the attacker, forging a fresh address, is not limited: %d", p.Status)
	}

	// B, through the same proxy, signs in.
	if p := signIns(from(clientB, "", ""), []string{"ivanov"}, "S3cure-pass!"); p.Location == "" ||
		!strings.HasPrefix(p.Location, "http://127.0.0.1:8765/callback") {
		t.Fatalf("B behind the same proxy cannot sign in: %d %.300s", p.Status, p.Body)
	}
	if n := proxied.Load(); n < perAddress {
		t.Fatalf("only %d requests went through the proxy", n)
	}

	// The log names the client, not the proxy.
	log := srv.Log()
	for _, addr := range []string{clientA, attackerAddr} {
		if !strings.Contains(log, `"client_ip":"`+addr+`"`) {
			t.Errorf("no log line names %s", addr)
		}
	}
	if strings.Contains(log, `"client_ip":"198.51.100.77"`) {
		t.Error("a log line names the attacker's forged address")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
