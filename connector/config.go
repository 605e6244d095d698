package connector

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Config is one entry of `identity_providers:`. Secrets come from files or
// the environment as the rest of Vhod's config does; the admin API shows
// them as set or not, never their values.
type Config struct {
	ID          string      `yaml:"id" json:"id"`
	Type        string      `yaml:"type" json:"type"`
	DisplayName DisplayName `yaml:"display_name" json:"display_name"`

	ClientID string `yaml:"client_id" json:"client_id"`
	// ClientSecret or ClientSecretFile: the OAuth client secret (oidc, yandex,
	// vk where the app has one, sber). ESIA signs instead.
	ClientSecret     string `yaml:"client_secret" json:"-" secret:"true"`
	ClientSecretFile string `yaml:"client_secret_file" json:"client_secret_file,omitempty"`

	// Scopes replace the type's defaults (DefaultScopes) when set.
	Scopes []string `yaml:"scopes" json:"scopes,omitempty"`
	// Claims maps Identity fields to the provider's claim names where they
	// differ from the standard ones (oidc and sber): e.g. {snils: "ru_snils"}.
	// Keys are ClaimFields.
	Claims map[string]string `yaml:"claims" json:"claims,omitempty"`

	// Issuer is the OpenID issuer: discovery for oidc; the expected `iss` of
	// ID tokens for sber and esia (defaults for esia: DefaultESIAIssuer).
	Issuer string `yaml:"issuer" json:"issuer,omitempty"`
	// BaseURL is where the provider lives (defaults per type); AuthURL,
	// TokenURL and UserinfoURL override single endpoints, absolute or as a
	// path under BaseURL. Tests point them at stand-ins.
	BaseURL     string `yaml:"base_url" json:"base_url,omitempty"`
	AuthURL     string `yaml:"auth_url" json:"auth_url,omitempty"`
	TokenURL    string `yaml:"token_url" json:"token_url,omitempty"`
	UserinfoURL string `yaml:"userinfo_url" json:"userinfo_url,omitempty"`

	// TLSCertFile and TLSKeyFile: a client certificate for the provider's
	// back channel (Сбер ID's token and userinfo endpoints ask for one).
	TLSCertFile string `yaml:"tls_cert_file" json:"tls_cert_file,omitempty"`
	TLSKeyFile  string `yaml:"tls_key_file" json:"tls_key_file,omitempty"`
	// RootCAFile adds CAs to trust for the provider's TLS (Russian Trusted
	// Root CA for Сбер, a stand-in's CA in tests).
	RootCAFile string `yaml:"root_ca_file" json:"root_ca_file,omitempty"`

	// ESIA: the system's certificate and GOST private key (PEM, PKCS#8, as
	// OpenSSL's GOST engine writes them), ESIA's certificate that signs its ID
	// tokens, and how the client secret is made.
	CertFile string `yaml:"cert_file" json:"cert_file,omitempty"`
	KeyFile  string `yaml:"key_file" json:"key_file,omitempty"`
	// Key is the same private key's PEM itself, instead of key_file: how a
	// provider the admin API or the console added keeps it (sealed at rest,
	// never shown back).
	Key              string `yaml:"key" json:"-" secret:"true"`
	ProviderCertFile string `yaml:"provider_cert_file" json:"provider_cert_file,omitempty"`
	// CertificateHash overrides the computed client_certificate_hash (hex), for
	// a certificate whose hash ESIA's tooling prints differently.
	CertificateHash string `yaml:"certificate_hash" json:"certificate_hash,omitempty"`
	// SecretFormat is "raw" (default: the bare GOST signature, as the
	// v2/ac and v3/te endpoints take it) or "cms" (a detached CMS SignedData
	// with the certificate, as the older /ac and /te endpoints took it).
	SecretFormat string `yaml:"secret_format" json:"secret_format,omitempty"`
	// AccessType is ESIA's access_type: "online" (default) or "offline"
	// (a refresh token).
	AccessType string `yaml:"access_type" json:"access_type,omitempty"`

	// ACR is the level a sign-in through this provider reaches; ACRConfirmed
	// the level of an ESIA account ESIA marks confirmed (trusted).
	ACR          string `yaml:"acr" json:"acr,omitempty"`
	ACRConfirmed string `yaml:"acr_confirmed" json:"acr_confirmed,omitempty"`

	// LinkByEmail lets an email this provider marks verified find an existing
	// account with the same confirmed email on first sign-in (linked, the owner
	// told). Off by default: a provider that calls unchecked addresses verified
	// would hand accounts over.
	LinkByEmail bool `yaml:"link_by_email" json:"link_by_email,omitempty"`

	// Timeout bounds each back-channel request (default 15 s).
	Timeout time.Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// DisplayName is the sign-in button's label in each language.
type DisplayName struct {
	RU string `yaml:"ru" json:"ru"`
	EN string `yaml:"en" json:"en"`
}

// ClaimFields are the Identity fields Config.Claims may map.
var ClaimFields = []string{"subject", "last_name", "first_name", "middle_name", "name",
	"email", "email_verified", "phone", "phone_verified", "snils", "inn"}

// Secret formats of ESIA's client_secret.
const (
	SecretRaw = "raw"
	SecretCMS = "cms"
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Problems returns what is wrong with c, by field (as the YAML names it);
// nil when nothing is. It reads no files: New reports those.
func (c Config) Problems() map[string]string {
	bad := map[string]string{}
	set := func(field, format string, args ...any) {
		if _, ok := bad[field]; !ok {
			bad[field] = fmt.Sprintf(format, args...)
		}
	}
	if !idPattern.MatchString(c.ID) {
		set("id", "%q must be 1–40 lowercase letters, digits, - or _", c.ID)
	}
	if !slices.Contains(Types, c.Type) {
		set("type", "%q is not one of %v", c.Type, Types)
	}
	if strings.TrimSpace(c.DisplayName.RU) == "" {
		set("display_name.ru", "is required")
	}
	if c.ClientID == "" {
		set("client_id", "is required")
	}
	if c.ClientSecret != "" && c.ClientSecretFile != "" {
		set("client_secret", "set client_secret or client_secret_file, not both")
	}
	hasSecret := c.ClientSecret != "" || c.ClientSecretFile != ""
	switch c.Type {
	case TypeOIDC:
		if c.Issuer == "" {
			set("issuer", "is required for type oidc (discovery starts there)")
		}
	case TypeYandex, TypeSber:
		if !hasSecret {
			set("client_secret", "is required for type %s", c.Type)
		}
	case TypeESIA:
		for field, v := range map[string]string{"cert_file": c.CertFile, "provider_cert_file": c.ProviderCertFile} {
			if v == "" {
				set(field, "is required for type esia")
			}
		}
		switch {
		case c.KeyFile == "" && c.Key == "":
			set("key_file", "is required for type esia (or key: the PEM itself)")
		case c.KeyFile != "" && c.Key != "":
			set("key", "set key_file or key, not both")
		}
		if hasSecret {
			set("client_secret", "ESIA takes no client secret: Vhod signs with key_file")
		}
		if c.SecretFormat != "" && c.SecretFormat != SecretRaw && c.SecretFormat != SecretCMS {
			set("secret_format", "%q is not raw or cms", c.SecretFormat)
		}
		if c.AccessType != "" && c.AccessType != "online" && c.AccessType != "offline" {
			set("access_type", "%q is not online or offline", c.AccessType)
		}
		if c.CertificateHash != "" && !regexp.MustCompile(`^[0-9A-Fa-f]{64}$`).MatchString(c.CertificateHash) {
			set("certificate_hash", "must be 64 hexadecimal digits")
		}
	}
	for field, v := range map[string]string{"issuer": c.Issuer, "base_url": c.BaseURL, "auth_url": c.AuthURL,
		"token_url": c.TokenURL, "userinfo_url": c.UserinfoURL} {
		// Only oidc fetches from its issuer; ESIA's and Sber's are names
		// compared with the ID token's iss (ESIA's own starts with http:).
		if v == "" || field == "issuer" && c.Type != TypeOIDC {
			continue
		}
		relativeOK := field != "issuer" && field != "base_url"
		if msg := urlProblem(v, relativeOK); msg != "" {
			set(field, "%s", msg)
		}
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		set("tls_cert_file", "tls_cert_file and tls_key_file go together")
	}
	for k := range c.Claims {
		if !slices.Contains(ClaimFields, k) {
			set("claims", "%q is not one of %v", k, ClaimFields)
		}
	}
	if c.Timeout < 0 {
		set("timeout", "must not be negative")
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

// urlProblem allows https anywhere and http only to loopback (a stand-in or
// a local test provider): codes and tokens must not cross a network in clear.
func urlProblem(raw string, relativeOK bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("%q is not a URL", raw)
	}
	if relativeOK && u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") {
		return ""
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return ""
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return ""
	}
	return fmt.Sprintf("%q must be an https URL (http only to localhost)", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
