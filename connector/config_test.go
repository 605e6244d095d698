package connector

import (
	"strings"
	"testing"
)

func TestConfigProblems(t *testing.T) {
	ok := Config{ID: "google", Type: TypeOIDC, DisplayName: DisplayName{RU: "Google"}, ClientID: "c",
		ClientSecret: "s", Issuer: "https://accounts.google.com"}
	if p := ok.Problems(); p != nil {
		t.Fatalf("a valid config has problems: %v", p)
	}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		field  string
	}{
		{"bad id", func(c *Config) { c.ID = "Госуслуги" }, "id"},
		{"empty id", func(c *Config) { c.ID = "" }, "id"},
		{"unknown type", func(c *Config) { c.Type = "saml" }, "type"},
		{"no Russian name", func(c *Config) { c.DisplayName.RU = " " }, "display_name.ru"},
		{"no client id", func(c *Config) { c.ClientID = "" }, "client_id"},
		{"two secrets", func(c *Config) { c.ClientSecretFile = "/x" }, "client_secret"},
		{"oidc without issuer", func(c *Config) { c.Issuer = "" }, "issuer"},
		{"http issuer", func(c *Config) { c.Issuer = "http://idp.example" }, "issuer"},
		{"relative base", func(c *Config) { c.BaseURL = "/x" }, "base_url"},
		{"bad token url", func(c *Config) { c.TokenURL = "ftp://x" }, "token_url"},
		{"cert without key", func(c *Config) { c.TLSCertFile = "/c" }, "tls_cert_file"},
		{"unknown claim", func(c *Config) { c.Claims = map[string]string{"age": "age"} }, "claims"},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, "timeout"},
		{"yandex without secret", func(c *Config) { c.Type, c.ClientSecret = TypeYandex, "" }, "client_secret"},
		{"sber without secret", func(c *Config) { c.Type, c.ClientSecret = TypeSber, "" }, "client_secret"},
		{"esia without key", func(c *Config) { c.Type, c.ClientSecret = TypeESIA, "" }, "key_file"},
		{"esia with key twice", func(c *Config) { c.Type, c.ClientSecret, c.KeyFile, c.Key = TypeESIA, "", "/k.pem", "PEM" }, "key"},
		{"esia with secret", func(c *Config) { c.Type = TypeESIA }, "client_secret"},
		{"esia format", func(c *Config) { c.Type, c.ClientSecret, c.SecretFormat = TypeESIA, "", "pkcs7" }, "secret_format"},
		{"esia access type", func(c *Config) { c.Type, c.ClientSecret, c.AccessType = TypeESIA, "", "always" }, "access_type"},
		{"esia hash", func(c *Config) { c.Type, c.ClientSecret, c.CertificateHash = TypeESIA, "", "abc" }, "certificate_hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.change(&c)
			p := c.Problems()
			if p[tc.field] == "" {
				t.Fatalf("no problem for %s: %v", tc.field, p)
			}
			if _, err := New(c, Options{}); err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("New: %v", err)
			}
		})
	}
	// http is allowed to a stand-in on this machine.
	local := ok
	local.Issuer, local.TokenURL = "http://127.0.0.1:5556", "/token"
	if p := local.Problems(); p != nil {
		t.Fatalf("loopback http refused: %v", p)
	}
}

func TestNewReadsFiles(t *testing.T) {
	c := Config{ID: "ya", Type: TypeYandex, DisplayName: DisplayName{RU: "Яндекс", EN: "Yandex"}, ClientID: "c",
		ClientSecretFile: writeFile(t, "secret", []byte("s3cret\n"))}
	conn, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if conn.ID() != "ya" || conn.Type() != TypeYandex || conn.DisplayName("en-US") != "Yandex" || conn.DisplayName("ru") != "Яндекс" {
		t.Fatalf("%s %s %s", conn.ID(), conn.Type(), conn.DisplayName("en"))
	}
	if s := conn.(*yandexConnector).secret; s != "s3cret" {
		t.Fatalf("secret %q", s)
	}
	for name, change := range map[string]func(*Config){
		"missing secret file": func(c *Config) { c.ClientSecretFile = "/nonexistent" },
		"missing root CA":     func(c *Config) { c.RootCAFile = "/nonexistent" },
		"root CA not PEM":     func(c *Config) { c.RootCAFile = writeFile(t, "ca", []byte("x")) },
		"missing TLS pair":    func(c *Config) { c.TLSCertFile, c.TLSKeyFile = "/nonexistent", "/nonexistent" },
	} {
		bad := c
		change(&bad)
		if _, err := New(bad, Options{}); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestNewAll(t *testing.T) {
	c := Config{ID: "ya", Type: TypeYandex, DisplayName: DisplayName{RU: "Яндекс"}, ClientID: "c", ClientSecret: "s"}
	list, err := NewAll([]Config{c, {ID: "vk", Type: TypeVK, DisplayName: DisplayName{RU: "VK"}, ClientID: "1"}}, Options{})
	if err != nil || len(list) != 2 || list[1].Type() != TypeVK {
		t.Fatalf("%v %v", list, err)
	}
	if _, err := NewAll([]Config{c, c}, Options{}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("a repeated id: %v", err)
	}
	bad := c
	bad.ClientSecret = ""
	if _, err := NewAll([]Config{bad}, Options{}); err == nil || !strings.Contains(err.Error(), "identity_providers[0]") {
		t.Fatalf("an invalid entry: %v", err)
	}
}
