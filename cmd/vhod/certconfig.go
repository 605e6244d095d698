package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/login/certificate"
	"github.com/vhod-id/vhod/provider"
)

// CertAuthConfig turns on sign-in with certificates. With no trust anchor it is off.
type CertAuthConfig struct {
	TrustAnchors []TrustAnchorConfig `yaml:"trust_anchors" env:"-"`
	CRL          CRLConfig           `yaml:"crl"`
	OCSP         OCSPConfig          `yaml:"ocsp"`
	// TLSListen is Vhod's own mTLS listener (host:port), off when empty; it
	// serves the same routes with TLSCertFile/TLSKeyFile and asks browsers for a
	// client certificate (RSA, ECDSA: Go's TLS knows no GOST).
	TLSListen   string `yaml:"tls_listen"`
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// TLSURL is the public origin where browsers present a certificate: the
	// listener above, or a TLS proxy's host (GOST TLS). Derived from the issuer
	// and tls_listen when empty.
	TLSURL      string            `yaml:"tls_url"`
	ProxyHeader ProxyHeaderConfig `yaml:"proxy_header"`
	// PluginScript is CryptoPro's cadesplugin_api.js (a file, downloaded from
	// CryptoPro): Vhod serves it to the certificate page. Without it the page
	// still finds a plug-in whose extension injects the API, and always offers
	// the manual path.
	PluginScript string `yaml:"plugin_script"`
	// Install are the links the certificate page gives a person without the
	// plug-in; CryptoPro's public download pages unless the operator has own.
	Install InstallLinksConfig `yaml:"install"`
}

// InstallLinksConfig: where to get CryptoPro CSP, the browser plug-in and a
// program that signs files (cryptcp, КриптоАРМ).
type InstallLinksConfig struct {
	CSP    string `yaml:"csp_url"`
	Plugin string `yaml:"plugin_url"`
	Tool   string `yaml:"tool_url"`
}

// TrustAnchorConfig is a CA file or folder; qualified marks an accredited CA.
type TrustAnchorConfig struct {
	File      string `yaml:"file"`
	Qualified bool   `yaml:"qualified"`
}

// CRLConfig: CRL files, fetching from distribution points, and a local mirror.
type CRLConfig struct {
	Files  []string `yaml:"files" env:"-"`
	Fetch  *bool    `yaml:"fetch"` // default true
	Mirror string   `yaml:"mirror"`
}

// OCSPConfig: asking OCSP responders, and what to do when nobody answers.
type OCSPConfig struct {
	Enabled  *bool `yaml:"enabled"` // default true
	FailOpen bool  `yaml:"fail_open"`
}

// ProxyHeaderConfig: a TLS proxy passes the client certificate in a header,
// believed only from the trusted addresses.
type ProxyHeaderConfig struct {
	Name    string   `yaml:"name"`
	Trusted []string `yaml:"trusted"`
}

func (c *CertAuthConfig) setDefaults(issuer string) {
	yes := true
	for _, d := range []struct {
		v   *string
		url string
	}{
		{&c.Install.CSP, "https://www.cryptopro.ru/products/csp/downloads"},
		{&c.Install.Plugin, "https://www.cryptopro.ru/products/cades/plugin"},
		{&c.Install.Tool, "https://www.cryptopro.ru/products/other/cryptcp"},
	} {
		if *d.v == "" {
			*d.v = d.url
		}
	}
	if c.CRL.Fetch == nil {
		c.CRL.Fetch = &yes
	}
	if c.OCSP.Enabled == nil {
		c.OCSP.Enabled = &yes
	}
	if len(c.ProxyHeader.Trusted) > 0 && c.ProxyHeader.Name == "" {
		c.ProxyHeader.Name = "X-SSL-Client-Cert"
	}
	if c.TLSURL == "" && c.TLSListen != "" {
		if u, err := url.Parse(issuer); err == nil {
			_, port, _ := net.SplitHostPort(c.TLSListen)
			c.TLSURL = "https://" + u.Hostname() + ":" + port
		}
	}
}

func (c *CertAuthConfig) validate() []error {
	var errs []error
	check := func(bad bool, key, msg string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf("certauth.%s: %s", key, fmt.Sprintf(msg, args...)))
		}
	}
	for i, a := range c.TrustAnchors {
		_, err := certauth.LoadAnchors(a.File, a.Qualified)
		check(err != nil, fmt.Sprintf("trust_anchors[%d]", i), "%v", err)
	}
	for i, f := range c.CRL.Files {
		b, err := os.ReadFile(f)
		if err == nil {
			_, err = certauth.ParseCRL(b)
		}
		check(err != nil, fmt.Sprintf("crl.files[%d]", i), "%v", err)
	}
	if c.CRL.Mirror != "" {
		st, err := os.Stat(c.CRL.Mirror)
		check(err != nil || !st.IsDir(), "crl.mirror", "%q is not a folder", c.CRL.Mirror)
	}
	_, err := c.trustedProxies()
	check(err != nil, "proxy_header.trusted", "%v", err)
	if c.TLSListen != "" {
		_, _, lerr := net.SplitHostPort(c.TLSListen)
		check(lerr != nil, "tls_listen", "%q is not host:port", c.TLSListen)
		check(c.TLSCertFile == "" || c.TLSKeyFile == "", "tls_listen", "needs tls_cert_file and tls_key_file")
	}
	if c.TLSURL != "" {
		u, err := url.Parse(c.TLSURL)
		check(err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "", "tls_url", "%q is not an https origin", c.TLSURL)
	}
	if c.PluginScript != "" {
		_, err := os.Stat(c.PluginScript)
		check(err != nil, "plugin_script", "%v", err)
	}
	for key, link := range map[string]string{"install.csp_url": c.Install.CSP, "install.plugin_url": c.Install.Plugin, "install.tool_url": c.Install.Tool} {
		u, err := url.Parse(link)
		check(link != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == ""), key, "%q is not a web address", link)
	}
	return errs
}

func (c *CertAuthConfig) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.ProxyHeader.Trusted {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p)
	}
	return out, nil
}

// verifierConfig loads anchors and CRL files (validated at start-up).
func (c *CertAuthConfig) verifierConfig() (certauth.Config, error) {
	var cfg certauth.Config
	for _, a := range c.TrustAnchors {
		anchors, err := certauth.LoadAnchors(a.File, a.Qualified)
		if err != nil {
			return cfg, err
		}
		cfg.Anchors = append(cfg.Anchors, anchors...)
	}
	for _, f := range c.CRL.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			return cfg, err
		}
		l, err := certauth.ParseCRL(b)
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", f, err)
		}
		cfg.CRLs = append(cfg.CRLs, l)
	}
	cfg.FetchCRL, cfg.Mirror = *c.CRL.Fetch, c.CRL.Mirror
	cfg.OCSP, cfg.FailOpen = *c.OCSP.Enabled, c.OCSP.FailOpen
	return cfg, nil
}

// loginCertificates builds what the login pages need. The verifier trusts the
// anchors of the configuration and those operators add at run time; sign-in
// with a certificate is offered while there is at least one.
func (a *app) loginCertificates(ctx context.Context) (*certificate.Config, error) {
	c := a.cfg.CertAuth
	vc, err := c.verifierConfig()
	if err != nil {
		return nil, err
	}
	vc.Logger = a.log
	a.configuredAnchors = vc.Anchors
	a.verifier = certauth.New(vc)
	if err := a.reloadAnchors(ctx); err != nil {
		return nil, err
	}
	trusted, _ := c.trustedProxies()
	return &certificate.Config{Verifier: a.verifier, TLSURL: c.TLSURL, Header: c.ProxyHeader.Name,
		Trusted: trusted, PluginScriptFile: c.PluginScript,
		Install: certificate.InstallLinks{CSP: c.Install.CSP, Plugin: c.Install.Plugin, Tool: c.Install.Tool}}, nil
}

// clientCertificates are the provider's hooks for RFC 8705 client
// authentication, when a listener or a proxy brings client certificates.
func (a *app) clientCertificates(pc *provider.Config, c *certificate.Config) {
	if a.cfg.CertAuth.TLSListen == "" && c.Header == "" {
		return
	}
	pc.MTLSOrigin = c.TLSURL
	pc.ClientCertificate = func(r *http.Request) (*x509.Certificate, []*x509.Certificate) {
		leaf, chain, err := c.FromRequest(r)
		if err != nil {
			return nil, nil
		}
		return leaf, chain
	}
	pc.VerifyCertificate = func(ctx context.Context, leaf *x509.Certificate, chain []*x509.Certificate) error {
		_, err := a.verifier.Verify(ctx, leaf, chain, certauth.PurposeClientAuth)
		return err
	}
}

// tlsConfig is the mTLS listener's: a client certificate is asked for, with the
// current non-GOST anchors named as acceptable CAs (browsers pick by them). The
// handshake proves possession of the key; the chain is verified by certauth
// (sign-in, tls_client_auth) or not at all (self_signed_tls_client_auth, which
// matches the registered key). RequestClientCert: the pages load without one.
func (c *CertAuthConfig) tlsConfig(anchors func() []certauth.Anchor) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("certauth.tls: %w", err)
	}
	base := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	out := base.Clone()
	// Per handshake, so that an anchor added through the API counts at once.
	out.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		pool := x509.NewCertPool()
		for _, an := range anchors() {
			if !certauth.IsGOST(an.Cert) {
				pool.AddCert(an.Cert)
			}
		}
		cfg := base.Clone()
		cfg.ClientCAs = pool
		return cfg, nil
	}
	return out, nil
}
