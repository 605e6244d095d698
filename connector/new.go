package connector

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Options are what the composition root gives every connector.
type Options struct {
	// HTTPClient makes the back-channel requests. Nil: one built from the
	// config (timeout, root_ca_file, tls_cert_file); tests may pass their own.
	HTTPClient *http.Client
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// New builds the connector c describes, reading its files (secret, keys,
// certificates). It contacts no provider: a provider that is down at start
// must not keep Vhod from starting.
func New(c Config, o Options) (Connector, error) {
	if bad := c.Problems(); bad != nil {
		var parts []string
		for _, f := range slices.Sorted(maps.Keys(bad)) {
			parts = append(parts, f+": "+bad[f])
		}
		return nil, fmt.Errorf("identity provider %q: %s", c.ID, strings.Join(parts, "; "))
	}
	b, err := newBase(c, o)
	if err != nil {
		return nil, fmt.Errorf("identity provider %q: %w", c.ID, err)
	}
	switch c.Type {
	case TypeOIDC:
		return newOIDC(b), nil
	case TypeYandex:
		return newYandex(b), nil
	case TypeVK:
		return newVK(b), nil
	case TypeSber:
		return newSber(b), nil
	default: // TypeESIA; Problems checked the type
		e, err := newESIA(b)
		if err != nil {
			return nil, fmt.Errorf("identity provider %q: %w", c.ID, err)
		}
		return e, nil
	}
}

// base is what every connector shares: its config, secret, clock and client.
type base struct {
	cfg    Config
	secret string
	hc     *http.Client
	now    func() time.Time
}

func newBase(c Config, o Options) (*base, error) {
	b := &base{cfg: c, secret: c.ClientSecret, hc: o.HTTPClient, now: o.Now}
	if b.now == nil {
		b.now = time.Now
	}
	if c.ClientSecretFile != "" {
		s, err := os.ReadFile(c.ClientSecretFile)
		if err != nil {
			return nil, fmt.Errorf("client_secret_file: %w", err)
		}
		b.secret = strings.TrimSpace(string(s))
	}
	if b.hc == nil {
		hc, err := httpClient(c)
		if err != nil {
			return nil, err
		}
		b.hc = hc
	}
	return b, nil
}

// httpClient trusts the system's roots plus root_ca_file and presents
// tls_cert_file when the provider asks for a client certificate.
func httpClient(c Config) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.RootCAFile != "" {
		pem, err := os.ReadFile(c.RootCAFile)
		if err != nil {
			return nil, fmt.Errorf("root_ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("root_ca_file %s: no PEM certificate", c.RootCAFile)
		}
		tc.RootCAs = pool
	}
	if c.TLSCertFile != "" {
		pair, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls_cert_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Timeout: timeout, Transport: tr}, nil
}

func (b *base) ID() string   { return b.cfg.ID }
func (b *base) Type() string { return b.cfg.Type }

func (b *base) DisplayName(lang string) string {
	if strings.HasPrefix(lang, "en") && b.cfg.DisplayName.EN != "" {
		return b.cfg.DisplayName.EN
	}
	return b.cfg.DisplayName.RU
}

// endpoint resolves a configured override (absolute, or a path under
// base_url) or the default path under base_url (or def when absolute).
func (b *base) endpoint(override, defBase, def string) string {
	baseURL := b.cfg.BaseURL
	if baseURL == "" {
		baseURL = defBase
	}
	ref := override
	if ref == "" {
		ref = def
	}
	bu, err := url.Parse(strings.TrimSuffix(baseURL, "/") + "/")
	if err != nil {
		return ref
	}
	ru, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	if ru.IsAbs() {
		return ref
	}
	// Paths are taken as under base_url, whatever their leading slash.
	ru.Path = strings.TrimPrefix(ru.Path, "/")
	return bu.ResolveReference(ru).String()
}

func (b *base) scopes(def ...string) []string {
	if len(b.cfg.Scopes) > 0 {
		return b.cfg.Scopes
	}
	return def
}

func (b *base) acr(confirmed bool) string {
	if confirmed && b.cfg.ACRConfirmed != "" {
		return b.cfg.ACRConfirmed
	}
	return b.cfg.ACR
}

// LinksByEmail tells whether the operator lets this provider's verified email
// find an existing account (Config.LinkByEmail); see EmailLinker.
func (b *base) LinksByEmail() bool { return b.cfg.LinkByEmail }

func (b *base) fail(k Kind, format string, args ...any) *Error {
	return fail(b.cfg.ID, k, format, args...)
}

func (b *base) checkReturn(r CallbackRequest) (string, error) {
	return checkReturn(b.cfg.ID, r, b.now())
}

// authURL adds params to an authorization endpoint that may carry a query.
func authURL(endpoint string, params url.Values) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// NewAll builds every configured provider, in order, refusing two with the
// same id (linked identities are stored under it). Errors name the entry.
func NewAll(cs []Config, o Options) ([]Connector, error) {
	seen := map[string]bool{}
	var out []Connector
	for i, c := range cs {
		if seen[c.ID] {
			return nil, fmt.Errorf("identity_providers[%d]: id %q is used twice", i, c.ID)
		}
		seen[c.ID] = true
		conn, err := New(c, o)
		if err != nil {
			return nil, fmt.Errorf("identity_providers[%d]: %w", i, err)
		}
		out = append(out, conn)
	}
	return out, nil
}
