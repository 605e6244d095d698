package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// issueExample is the configuration shape the foundation issue promises will work.
const issueExample = `
issuer: http://127.0.0.1:8080
listen: 127.0.0.1:8080
data_dir: ./data
database: {uri: "", name: vhod}     # empty uri: embedded store in data_dir
master_key_file: ""                 # default: data_dir/master.key
bootstrap:
  clients:
    - id: shop
      secret: shop-secret            # stored hashed
      name: Shop
      redirect_uris: [http://127.0.0.1:8765/callback]
      post_logout_redirect_uris: [http://127.0.0.1:8765/]
      grant_types: [authorization_code, refresh_token, client_credentials]
      auth_method: client_secret_basic
      access_token_format: jwt       # or opaque (default)
      first_party: true              # no consent page
    - id: spa
      public: true                   # auth_method none, PKCE required
      redirect_uris: [http://127.0.0.1:8765/callback]
  users:
    - login: ivanov
      password: "S3cure-pass!"       # or password_hash: argon2id/bcrypt PHC string
      email: ivanov@example.com
      phone: "+79090000000"
      family_name: Иванов
      given_name: Иван
      middle_name: Иванович
`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vhod.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIssueExampleLoads(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, issueExample))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MasterKeyFile != filepath.Join("data", "master.key") || cfg.Bootstrap.Clients[1].AuthMethod != "none" {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
}

func TestEnvironmentOverridesEveryScalar(t *testing.T) {
	t.Setenv("VHOD_DATABASE_URI", "mongodb://db:27017")
	t.Setenv("VHOD_LISTEN", "0.0.0.0:9000")
	t.Setenv("VHOD_ISSUER", "https://id.example.com")
	t.Setenv("VHOD_TOKENS_ACCESS_TOKEN_LIFETIME", "5m")
	t.Setenv("VHOD_PASSWORDS_MEMORY_KIB", "65536")
	t.Setenv("VHOD_KEYS_ALGORITHM", "EdDSA")
	cfg, err := loadConfig(writeConfig(t, issueExample))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URI != "mongodb://db:27017" || cfg.Listen != "0.0.0.0:9000" ||
		cfg.Tokens.AccessTokenLifetime != 5*time.Minute || cfg.Passwords.MemoryKiB != 65536 || cfg.Keys.Algorithm != "EdDSA" {
		t.Fatalf("overrides not applied: %+v", cfg)
	}
}

func TestEnvironmentWithoutAFile(t *testing.T) {
	t.Setenv("VHOD_ISSUER", "https://id.example.com")
	cfg, err := loadConfig("")
	if err != nil || cfg.Issuer != "https://id.example.com" {
		t.Fatalf("config from the environment only: %v %+v", err, cfg)
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Setenv("VHOD_TOKENS_AUTH_REQUEST_LIFETIME", "not-a-duration")
	_, err := loadConfig(writeConfig(t, "issuer: http://127.0.0.1:1\n"))
	if err == nil || !strings.Contains(err.Error(), "VHOD_TOKENS_AUTH_REQUEST_LIFETIME") {
		t.Fatalf("bad env value not named: %v", err)
	}
	cfg := &Config{Issuer: "ftp://x", Listen: "nope", Keys: KeysConfig{Algorithm: "HS256"}}
	cfg.setDefaults()
	cfg.Log.Format = "xml"
	// An unknown join policy is refused (never read as "approved"); a legal
	// entity in the bootstrap needs a KPP (orgs.Problems).
	cfg.Organisations.JoinApproval = "anyone"
	cfg.Bootstrap.Organisations = []BootstrapOrganisation{{ID: "x", Name: "X", INN: "7728824599"}}
	err = cfg.Validate()
	for _, key := range []string{"issuer:", "listen:", "keys.algorithm:", "log.format:", "organisations.join_approval:",
		"bootstrap.organisations[0].kpp:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("problem with %s not reported: %v", key, err)
		}
	}
}

// TestRefreshGracePeriod: 10s when not set, 0 kept as "off" (not replaced by
// the default), set from the file or VHOD_TOKENS_REFRESH_GRACE_PERIOD, and
// bounded.
func TestRefreshGracePeriod(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, issueExample))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Tokens.refreshGrace(); got != 10*time.Second {
		t.Fatalf("default %s", got)
	}
	cfg, err = loadConfig(writeConfig(t, issueExample+"tokens: {refresh_grace_period: 0s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Tokens.refreshGrace(); got != 0 {
		t.Fatalf("0 from the file became %s", got)
	}
	t.Setenv("VHOD_TOKENS_REFRESH_GRACE_PERIOD", "2s")
	if cfg, err = loadConfig(writeConfig(t, issueExample)); err != nil || cfg.Tokens.refreshGrace() != 2*time.Second {
		t.Fatalf("from the environment: %v %v", err, cfg)
	}
	t.Setenv("VHOD_TOKENS_REFRESH_GRACE_PERIOD", "1h")
	if _, err := loadConfig(writeConfig(t, issueExample)); err == nil || !strings.Contains(err.Error(), "tokens.refresh_grace_period") {
		t.Fatalf("an hour accepted: %v", err)
	}
}

// trusted_proxies: empty by default (no header believed), CIDRs or addresses
// from the file or VHOD_TRUSTED_PROXIES, shown by `config show`, and a bad
// entry or a range that trusts everyone refused with the key named.
func TestTrustedProxiesSetting(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "issuer: http://127.0.0.1:1\n"))
	if err != nil || len(cfg.TrustedProxies) != 0 {
		t.Fatalf("default: %v %v", cfg.TrustedProxies, err)
	}
	cfg, err = loadConfig(writeConfig(t, "issuer: http://127.0.0.1:1\ntrusted_proxies: [10.0.0.0/8, \"fd00::/8\", 192.0.2.7]\n"))
	if err != nil || len(cfg.TrustedProxies) != 3 {
		t.Fatalf("from the file: %v %v", cfg.TrustedProxies, err)
	}
	var out strings.Builder
	path := writeConfig(t, "issuer: http://127.0.0.1:1\ntrusted_proxies: [10.0.0.0/8]\n")
	if err := runConfig([]string{"show", "--config", path}, &out); err != nil || !strings.Contains(out.String(), "trusted_proxies:\n  - 10.0.0.0/8") {
		t.Fatalf("config show: %v\n%s", err, out.String())
	}
	t.Setenv("VHOD_TRUSTED_PROXIES", "127.0.0.1/32, ::1")
	t.Setenv("VHOD_ISSUER", "http://127.0.0.1:1")
	if cfg, err = loadConfig(""); err != nil || len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1] != "::1" {
		t.Fatalf("from the environment: %v %v", cfg, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example.com", "0.0.0.0/0"} {
		t.Setenv("VHOD_TRUSTED_PROXIES", bad)
		if _, err := loadConfig(""); err == nil || !strings.Contains(err.Error(), "trusted_proxies:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestUITimeZone: Moscow when not set, any IANA zone from the file or
// VHOD_UI_TIME_ZONE, and a zone that does not load stops start-up naming the key.
func TestUITimeZone(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, issueExample))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.UI.Location(); got == nil || got.String() != "Europe/Moscow" {
		t.Fatalf("default %v", got)
	}
	cfg, err = loadConfig(writeConfig(t, issueExample+"ui: {time_zone: Asia/Vladivostok}\n"))
	if err != nil || cfg.UI.Location().String() != "Asia/Vladivostok" {
		t.Fatalf("from the file: %v %+v", err, cfg)
	}
	for _, bad := range []string{"Europe/Mordor", "Local", "+03:00"} {
		t.Setenv("VHOD_UI_TIME_ZONE", bad)
		if _, err := loadConfig(writeConfig(t, issueExample)); err == nil || !strings.Contains(err.Error(), "ui.time_zone:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestRegistrationTermsURL: the terms sign-up asks to accept are an address or
// a path on Vhod, as the privacy policy is; anything else is named.
func TestRegistrationTermsURL(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, issueExample+"registration: {terms_url: \"https://shop.example/offer\"}\n"))
	if err != nil || cfg.Registration.TermsURL != "https://shop.example/offer" {
		t.Fatalf("from the file: %v %+v", err, cfg.Registration)
	}
	for _, bad := range []string{"javascript:alert(1)", "offer.html", "//evil.example/x"} {
		t.Setenv("VHOD_REGISTRATION_TERMS_URL", bad)
		if _, err := loadConfig(writeConfig(t, issueExample)); err == nil || !strings.Contains(err.Error(), "registration.terms_url:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
