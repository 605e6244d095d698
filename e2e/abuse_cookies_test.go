package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/internal/rptest"
)

// httpsFront puts a TLS-terminating reverse proxy on 127.0.0.1 in front of a
// Vhod started by start (given the https issuer the proxy answers at), as a
// deployment behind nginx or a load balancer has it. It returns the issuer and
// a transport that trusts the proxy's certificate.
func httpsFront(t *testing.T, start func(issuer string) *server) (string, *server, *http.Transport) {
	t.Helper()
	ca := certtest.NewRoot(t, certtest.Options{CommonName: "Front CA"})
	cert, key := ca.Leaf(t, certtest.Options{CommonName: "127.0.0.1", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "https://" + ln.Addr().String()
	srv := start(issuer)
	backend, _ := url.Parse(srv.local())
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(backend)
		pr.Out.Host = pr.In.Host
	}}
	front := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	tlsLn := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key}}})
	go func() { _ = front.Serve(tlsLn) }()
	t.Cleanup(func() { _ = front.Close() })
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return issuer, srv, &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
}

// shopAuthorizeURL is an authorization request of the shop (a confidential
// client: no PKCE needed) at issuer.
func shopAuthorizeURL(issuer, state string) string {
	return issuer + "/authorize?" + url.Values{"client_id": {"shop"}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"http://127.0.0.1:8765/callback"}, "state": {state}, "nonce": {"n-" + state}}.Encode()
}

// signInToCallback signs ivanov in with browser b and returns the callback URL
// of Vhod's that the browser was sent to, not yet visited.
func signInToCallback(t *testing.T, b *rptest.Browser, issuer string) *url.URL {
	t.Helper()
	cb, err := b.SignIn(shopAuthorizeURL(issuer, "victim-state"), "ivanov", "S3cure-pass!")
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	base, _ := url.Parse(issuer + "/")
	cb = base.ResolveReference(cb)
	if !strings.HasPrefix(cb.String(), issuer+"/authorize/callback?") {
		t.Fatalf("the sign-in ended at %s, not at the callback", cb)
	}
	return cb
}

// visitCallback GETs Vhod's callback without following the answer and returns
// the redirect (or nil when Vhod answered with a page) and the status.
func visitCallback(t *testing.T, rt http.RoundTripper, cb string, cookies ...*http.Cookie) (*url.URL, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, cb, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	return loc, resp.StatusCode
}

// TestAbusePlantedCookie (issue 16 item 7): on an https issuer an attacker who
// planted vhod_browser=<a value they know> in the victim's browser (from a
// sibling subdomain, or by answering one plain-http request) and learnt the
// callback URL of the victim's sign-in gets no code with that value: Vhod reads
// only its __Host- cookie, which no one else can set, so the victim's auth
// request is bound to a value the attacker does not know. The victim still gets
// the code.
func TestAbusePlantedCookie(t *testing.T) {
	issuer, srv, transport := httpsFront(t, func(issuer string) *server {
		return startServer(t, strings.Replace(testConfig, "issuer: http://127.0.0.1:{{PORT}}", "issuer: "+issuer, 1))
	})
	known := strings.Repeat("attacker-knows-this-", 3)
	planted := []*http.Cookie{{Name: "vhod_browser", Value: known}, {Name: "__Host-vhod_browser", Value: known}}

	victim := rptest.NewBrowserWith(issuer+"/authorize/callback", transport)
	victim.Lang = "en"
	iu, _ := url.Parse(issuer)
	victim.Client.Jar.SetCookies(iu, []*http.Cookie{{Name: "vhod_browser", Value: known, Path: "/"}})
	cb := signInToCallback(t, victim, issuer)

	// The attacker, with the value they planted, under either name.
	for _, c := range planted {
		loc, status := visitCallback(t, transport, cb.String(), c)
		if loc != nil && loc.Query().Get("code") != "" {
			t.Fatalf("the attacker with %s=<planted> got a code: %s\n%s", c.Name, loc, srv.Log())
		}
		if status != http.StatusBadRequest {
			t.Errorf("attacker with %s: status %d, want 400 (another browser's request)", c.Name, status)
		}
	}

	var own *http.Cookie
	for _, c := range victim.Client.Jar.Cookies(iu) {
		if c.Name == "__Host-vhod_browser" {
			own = c
		}
	}
	if own == nil || own.Value == known {
		t.Fatalf("the victim's browser has no binding of Vhod's own making: %v", victim.Client.Jar.Cookies(iu))
	}

	// The victim's own browser gets the code, and it is good.
	loc, _ := visitCallback(t, transport, cb.String(), own)
	code := ""
	if loc != nil {
		code = loc.Query().Get("code")
	}
	if code == "" || loc.Query().Get("state") != "victim-state" {
		t.Fatalf("the victim got no code: %v\n%s", loc, srv.Log())
	}
	resp, tok := callWith(t, &http.Client{Transport: transport}, http.MethodPost, issuer+"/oauth/token",
		url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:8765/callback"}},
		map[string]string{"Authorization": basic("shop", "shop-secret")})
	if resp.StatusCode != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("the victim's code exchange: %d %v", resp.StatusCode, tok)
	}
}

// TestCallbackIssuesOneCode (issue 16 item 7): the callback of an auth request
// gives its code once; a second visit, even by the bound browser, is sent to
// the client as an error, with no code.
func TestCallbackIssuesOneCode(t *testing.T) {
	srv := startServer(t, "")
	b := rptest.NewBrowser(srv.Issuer + "/authorize/callback")
	cb := signInToCallback(t, b, srv.Issuer)
	iu, _ := url.Parse(srv.Issuer)
	cookies := b.Client.Jar.Cookies(iu)
	for i, want := range []string{"code", "error"} {
		loc, status := visitCallback(t, http.DefaultTransport, cb.String(), cookies...)
		if loc == nil || !strings.HasPrefix(loc.String(), "http://127.0.0.1:8765/callback?") {
			t.Fatalf("visit %d: the callback did not answer the client: %d %v\n%s", i+1, status, loc, srv.Log())
		}
		q := loc.Query()
		switch {
		case q.Get("state") != "victim-state":
			t.Fatalf("visit %d: %s, want the request's state", i+1, loc)
		case want == "code" && q.Get("code") == "":
			t.Fatalf("first visit: no code: %s", loc)
		case want == "error" && (q.Get("code") != "" || q.Get("error") != "invalid_request"):
			t.Fatalf("second visit: %s, want invalid_request and no code", loc)
		}
	}
	if !strings.Contains(srv.Log(), "authorization callback visited again") {
		t.Errorf("the second visit was not logged")
	}
}
