package connector

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/fixtures"
)

func esiaConfig(t *testing.T, s *esiaStandIn) Config {
	fx := fixtures.Dir(t)
	return Config{ID: "gosuslugi", Type: TypeESIA, DisplayName: DisplayName{RU: "Госуслуги", EN: "Gosuslugi"},
		ClientID: "VHOD01", BaseURL: s.URL, Issuer: s.issuer, SecretFormat: s.format,
		Scopes:   []string{"openid", "fullname", "snils", "email", "mobile", "usr_org"},
		CertFile: filepath.Join(fx, "gost", "director.crt.pem"), KeyFile: filepath.Join(fx, "gost", "director.key.pem"),
		ProviderCertFile: filepath.Join(fx, "gost", "employee.crt.pem"),
		ACR:              "urn:vhod:acr:esia", ACRConfirmed: "urn:vhod:acr:esia-confirmed"}
}

func esiaFor(t *testing.T, s *esiaStandIn, o Options) Connector {
	c, err := New(esiaConfig(t, s), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestESIASignIn(t *testing.T) {
	for _, format := range []string{SecretRaw, SecretCMS} {
		t.Run(format, func(t *testing.T) {
			s := newESIAStandIn(t, format)
			c := esiaFor(t, s, Options{})
			if got := c.(*esiaConnector).signer.hash; got != s.wantHash {
				t.Fatalf("client_certificate_hash %s, OpenSSL computes %s", got, s.wantHash)
			}
			f := newFlow()
			u, err := c.Start(t.Context(), f.start())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(u, s.URL+"/aas/oauth2/v2/ac?") {
				t.Fatalf("authorization URL %s", u)
			}
			id, err := c.Callback(t.Context(), f.callback(browse(t, u)))
			if err != nil {
				t.Fatal(err)
			}
			if s.verified != 2 {
				t.Fatalf("OpenSSL verified %d client secrets, want 2 (v2/ac and v3/te)", s.verified)
			}
			if id.Provider != "gosuslugi" || id.Subject != "1000299654" || id.LastName != "Иванов" || id.MiddleName != "Иванович" ||
				id.SNILS != "11223344595" || id.INN != "500100732259" || !id.Confirmed || id.ACR != "urn:vhod:acr:esia-confirmed" ||
				id.Email != "ivanov@example.ru" || !id.EmailVerified || id.Phone != "+79090000000" || !id.PhoneVerified ||
				len(id.AMR) != 1 || id.AMR[0] != "pwd" || id.RefreshToken != "" {
				t.Fatalf("identity %+v", id)
			}
			if len(id.Organisations) != 2 {
				t.Fatalf("organisations %+v", id.Organisations)
			}
			o := id.Organisations[0]
			if o.OGRN != "1027700132195" || o.INN != "7707083893" || o.KPP != "773601001" || !o.Chief || !o.Active || o.ID != "1000111111" {
				t.Fatalf("organisation %+v", o)
			}
			if id.Organisations[1].Chief || id.Organisations[1].Active {
				t.Fatalf("organisation %+v", id.Organisations[1])
			}
		})
	}
}

// The stand-in refuses a client secret that does not sign what was sent, at
// each endpoint.
func TestESIARefusesTamperedSecret(t *testing.T) {
	s := newESIAStandIn(t, SecretRaw)
	c := esiaFor(t, s, Options{})
	for name, tamper := range map[string]func(url.Values){
		"flipped signature": func(q url.Values) {
			sig, _ := base64.RawURLEncoding.DecodeString(q.Get("client_secret"))
			sig[10] ^= 1
			q.Set("client_secret", base64.RawURLEncoding.EncodeToString(sig))
		},
		"scope widened":       func(q url.Values) { q.Set("scope", q.Get("scope")+" inn") },
		"another certificate": func(q url.Values) { q.Set("client_certificate_hash", strings.Repeat("A", 64)) },
	} {
		t.Run("v2/ac "+name, func(t *testing.T) {
			f := newFlow()
			u, _ := c.Start(t.Context(), f.start())
			pu, _ := url.Parse(u)
			q := pu.Query()
			tamper(q)
			pu.RawQuery = q.Encode()
			back := browse(t, pu.String())
			if !strings.HasPrefix(back.Get("error_description"), "ESIA-007053") {
				t.Fatalf("the stand-in accepted it: %v", back)
			}
			_, err := c.Callback(t.Context(), f.callback(back))
			wantKind(t, err, KindConfig)
		})
	}
	t.Run("v3/te", func(t *testing.T) {
		hc := &http.Client{Transport: tamperForm{"client_secret"}}
		c := esiaFor(t, s, Options{HTTPClient: hc})
		f := newFlow()
		u, _ := c.Start(t.Context(), f.start())
		_, err := c.Callback(t.Context(), f.callback(browse(t, u)))
		wantKind(t, err, KindInvalid)
		if !strings.Contains(err.Error(), "ESIA-007053") {
			t.Fatalf("error %v", err)
		}
	})
}

// tamperForm changes one field of every form it posts.
type tamperForm struct{ field string }

func (tf tamperForm) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		f, _ := url.ParseQuery(string(b))
		v := []byte(f.Get(tf.field))
		if len(v) > 4 {
			v[4] ^= 1
		}
		f.Set(tf.field, string(v))
		body := f.Encode()
		r = r.Clone(r.Context())
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader([]byte(body))), int64(len(body))
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Vhod refuses an ID token that ESIA's key did not sign as it is, and
// every answer that is not this flow's.
func TestESIARefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(*esiaStandIn, *Config)
		mutate func(url.Values)
		kind   Kind
	}{
		{name: "tampered ID token", setup: func(s *esiaStandIn, _ *Config) { s.tamperToken = true }, kind: KindInvalid},
		{name: "ID token signed by another key", setup: func(s *esiaStandIn, _ *Config) {
			s.signKey = filepath.Join(fixtures.Dir(s.t), "gost", "director.key.pem")
		}, kind: KindInvalid},
		{name: "alg of another size", setup: func(s *esiaStandIn, _ *Config) { s.alg = algGOST512 }, kind: KindInvalid},
		{name: "alg RS256 with a GOST certificate", setup: func(s *esiaStandIn, _ *Config) { s.alg = algRS256 }, kind: KindInvalid},
		{name: "alg none", setup: func(s *esiaStandIn, _ *Config) { s.alg = "none" }, kind: KindInvalid},
		{name: "expired ID token", setup: func(s *esiaStandIn, _ *Config) { s.expired = true }, kind: KindInvalid},
		{name: "another issuer", setup: func(s *esiaStandIn, _ *Config) { s.issuerSent = "http://esia.example/" }, kind: KindInvalid},
		{name: "ID token for another system", setup: func(s *esiaStandIn, _ *Config) { s.aud = "OTHER" }, kind: KindInvalid},
		{name: "nonce mismatch", setup: func(s *esiaStandIn, _ *Config) { s.nonce = "replayed" }, kind: KindInvalid},
		{name: "token answer for another request", setup: func(s *esiaStandIn, _ *Config) { s.tokenState = NewFlowSecrets().State }, kind: KindInvalid},
		{name: "state mismatch", mutate: func(q url.Values) { q.Set("state", NewFlowSecrets().State) }, kind: KindState},
		{name: "consent refused", mutate: func(q url.Values) {
			q.Del("code")
			q.Set("error", "access_denied")
			q.Set("error_description", "ESIA-007004: The resource owner or authorization server denied the request")
		}, kind: KindDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newESIAStandIn(t, SecretRaw)
			cfg := esiaConfig(t, s)
			if tc.setup != nil {
				tc.setup(s, &cfg)
			}
			c, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := newFlow()
			u, err := c.Start(t.Context(), f.start())
			if err != nil {
				t.Fatal(err)
			}
			q := browse(t, u)
			if tc.mutate != nil {
				tc.mutate(q)
			}
			_, err = c.Callback(t.Context(), f.callback(q))
			wantKind(t, err, tc.kind)
		})
	}
}

func TestESIAConfig(t *testing.T) {
	fx := fixtures.Dir(t)
	cfg := Config{ID: "esia", Type: TypeESIA, DisplayName: DisplayName{RU: "Госуслуги"}, ClientID: "VHOD01",
		CertFile: filepath.Join(fx, "gost", "director.crt.pem"), KeyFile: filepath.Join(fx, "gost", "director.key.pem"),
		ProviderCertFile: filepath.Join(fx, "gost", "employee.crt.pem")}
	c, err := New(cfg, Options{Now: func() time.Time { return time.Date(2026, 12, 5, 21, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.Start(t.Context(), StartRequest{RedirectURI: "https://vhod.example/cb", State: NewFlowSecrets().State})
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	q := pu.Query()
	if pu.Host != "esia.gosuslugi.ru" || pu.Path != "/aas/oauth2/v2/ac" || q.Get("timestamp") != "2026.12.05 21:04:05 +0000" ||
		q.Get("scope") != "openid fullname snils email mobile" || q.Get("access_type") != "online" || q.Get("response_type") != "code" {
		t.Fatalf("authorization URL %s", u)
	}
	if _, err := c.Start(t.Context(), StartRequest{RedirectURI: "https://vhod.example/cb", State: "not-a-uuid"}); err == nil {
		t.Fatal("a state that is not a UUID was sent to ESIA")
	} else {
		wantKind(t, err, KindConfig)
	}

	override := cfg
	override.CertificateHash = strings.Repeat("ab", 32)
	c, _ = New(override, Options{})
	if c.(*esiaConnector).signer.hash != strings.Repeat("AB", 32) {
		t.Fatal("certificate_hash does not override")
	}

	// The key's PEM itself (a provider the admin API added) works as key_file does.
	keyPEM, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	inline := cfg
	inline.KeyFile, inline.Key = "", string(keyPEM)
	if _, err := New(inline, Options{}); err != nil {
		t.Fatalf("inline key: %v", err)
	}
	inline.Key = "junk"
	if _, err := New(inline, Options{}); err == nil || !strings.Contains(err.Error(), "key:") {
		t.Fatalf("inline junk key: %v", err)
	}

	for name, change := range map[string]func(*Config){
		"key of another certificate": func(c *Config) { c.KeyFile = filepath.Join(fx, "gost", "ip.key.pem") },
		"RSA key":                    func(c *Config) { c.KeyFile = filepath.Join(fx, "rsa", "director.key.pem") },
		"key file is a certificate":  func(c *Config) { c.KeyFile = c.CertFile },
		"missing certificate":        func(c *Config) { c.CertFile = "/nonexistent" },
		"certificate not PEM":        func(c *Config) { c.CertFile = writeFile(t, "x.pem", []byte("junk")) },
		"missing ESIA certificate":   func(c *Config) { c.ProviderCertFile = "/nonexistent" },
		"missing key":                func(c *Config) { c.KeyFile = "/nonexistent" },
	} {
		bad := cfg
		change(&bad)
		if _, err := New(bad, Options{}); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
