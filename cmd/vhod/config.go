package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login/selfservice"
	"github.com/vhod-id/vhod/provider/keys"
)

// Config is the whole configuration file. Every scalar key can be overridden by an
// environment variable named VHOD_ and the key path in capitals: database.uri →
// VHOD_DATABASE_URI. Lists take comma-separated values.
type Config struct {
	Issuer        string              `yaml:"issuer"`
	Listen        string              `yaml:"listen"`
	DataDir       string              `yaml:"data_dir"`
	Database      DatabaseConfig      `yaml:"database"`
	MasterKeyFile string              `yaml:"master_key_file"`
	Log           LogConfig           `yaml:"log"`
	Tokens        TokensConfig        `yaml:"tokens"`
	Sessions      SessionsConfig      `yaml:"sessions"`
	Keys          KeysConfig          `yaml:"keys"`
	Passwords     PasswordsConfig     `yaml:"passwords"`
	Limits        LimitsConfig        `yaml:"limits"`
	Maintenance   MaintenanceConfig   `yaml:"maintenance"`
	Metrics       MetricsConfig       `yaml:"metrics"`
	SMS           SMSConfig           `yaml:"sms"`
	Email         EmailConfig         `yaml:"email"`
	Outbox        OutboxConfig        `yaml:"outbox"`
	Captcha       CaptchaConfig       `yaml:"captcha"`
	Registration  RegistrationConfig  `yaml:"registration"`
	CertAuth      CertAuthConfig      `yaml:"certauth"`
	Organisations OrganisationsConfig `yaml:"organisations"`
	UI            UIConfig            `yaml:"ui"`
	Passkeys      PasskeysConfig      `yaml:"passkeys"`
	Bootstrap     Bootstrap           `yaml:"bootstrap" env:"-"`
	// IdentityProviders are the outside providers people may sign in through
	// (Госуслуги, Яндекс ID, VK ID, Сбер ID, any OpenID provider).
	IdentityProviders []connector.Config `yaml:"identity_providers" env:"-"`

	// TrustedProxies are the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For / Forwarded headers name the client; from anyone else
	// those headers are ignored and the TCP peer is the client. Empty: no proxy
	// is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`

	// dev is set by `vhod dev`: development-only settings are refused elsewhere.
	dev bool
}

// EmailConfig says how email (recovery codes) goes out: none, smtp, or outbox (vhod
// dev only).
type EmailConfig struct {
	Provider string            `yaml:"provider"`
	SMTP     notify.SMTPConfig `yaml:"smtp"`
}

// UIConfig governs how the pages write things: TimeZone is the IANA zone
// (Europe/Moscow by default) in which they show dates and times.
type UIConfig struct {
	TimeZone string `yaml:"time_zone"`
}

// Location is the pages' time zone; Validate has checked that it loads.
func (u UIConfig) Location() *time.Location {
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return nil // the pages' default zone
	}
	return loc
}

// PasskeysConfig is the WebAuthn relying party. Empty, it is derived from the
// issuer (its host is the RP ID, its origin the one origin); behind a proxy
// that serves the pages from another host, name them here. Disabled turns
// passkeys off.
type PasskeysConfig struct {
	RPID     string   `yaml:"rp_id"`
	Origins  []string `yaml:"origins"`
	Disabled bool     `yaml:"disabled"`
}

// RegistrationConfig governs sign-up: the version of the consent texts in force is
// stored with every consent a person gives.
type RegistrationConfig struct {
	ConsentVersion string `yaml:"consent_version"`
	// PrivacyPolicyURL is the personal-data policy the sign-up's consent links
	// to (an https address, or a path on Vhod); `vhod dev` shows a sample.
	PrivacyPolicyURL string `yaml:"privacy_policy_url"`
	// TermsURL is the service's terms (a public offer or user agreement);
	// when set, sign-up asks to accept them as well (an https address, or a
	// path on Vhod). Empty: not asked.
	TermsURL string `yaml:"terms_url"`
}

// CaptchaConfig chooses the captcha of the forms: altcha (a proof of work solved in
// the browser, no third party; the default), none, or a hosted service (yandex,
// recaptcha, hcaptcha, turnstile) with its site key and secret.
type CaptchaConfig struct {
	Provider string `yaml:"provider"`
	// Work is ALTCHA's largest number: the browser tries up to this many hashes.
	Work int64 `yaml:"work"`
	// SiteKey and Secret of a hosted service; VerifyURL overrides its verify endpoint.
	SiteKey   string `yaml:"site_key"`
	Secret    string `yaml:"secret" secret:"true"`
	VerifyURL string `yaml:"verify_url"`
}

// SMSConfig says how text messages go out: none (sign-in by phone is off), webhook,
// smsru, or outbox (vhod dev only: messages are kept for /dev/outbox).
type SMSConfig struct {
	Provider string               `yaml:"provider"`
	Webhook  notify.WebhookConfig `yaml:"webhook"`
	SMSRu    notify.SMSRuConfig   `yaml:"smsru"`
}

// LimitsConfig bounds failed sign-ins, counted in the database so that every
// instance sees the same numbers.
type LimitsConfig struct {
	Window                   time.Duration `yaml:"window"`
	SigninFailuresPerIP      int           `yaml:"signin_failures_per_ip"`
	SigninFailuresPerAccount int           `yaml:"signin_failures_per_account"`
	SMSPerNumberHour         int           `yaml:"sms_per_number_hour"`
	SMSPerIPHour             int           `yaml:"sms_per_ip_hour"`
	SMSGlobalHour            int           `yaml:"sms_global_hour"`
	SMSGlobalDay             int           `yaml:"sms_global_day"`
	EmailPerAddressHour      int           `yaml:"email_per_address_hour"`
	EmailPerIPHour           int           `yaml:"email_per_ip_hour"`
	EmailGlobalHour          int           `yaml:"email_global_hour"`
	EmailGlobalDay           int           `yaml:"email_global_day"`
	CaptchaAfterFailures     int           `yaml:"captcha_after_failures"`
	DelayAfterFailures       int           `yaml:"delay_after_failures"`
	LockAfterFailures        int           `yaml:"lock_after_failures"`
	LockFor                  time.Duration `yaml:"lock_for"`
}

// MaintenanceConfig sets how often one instance sweeps expired documents and
// rotates aged keys.
type MaintenanceConfig struct {
	Interval time.Duration `yaml:"interval"`
	// AuditRetention deletes audit events older than this (0: keep them all).
	AuditRetention time.Duration `yaml:"audit_retention"`
}

// OutboxConfig tunes the background sender of SMS and email: forms queue
// messages in the database and answer at once; the sender delivers them.
type OutboxConfig struct {
	// PollInterval is how often the queue is read for retries and for messages
	// queued by other instances or before a restart.
	PollInterval time.Duration `yaml:"poll_interval"`
	// Backoff is the wait before the second attempt; it doubles up to MaxBackoff.
	Backoff     time.Duration `yaml:"backoff"`
	MaxBackoff  time.Duration `yaml:"max_backoff"`
	MaxAttempts int           `yaml:"max_attempts"`
}

// MetricsConfig says where /metrics and pprof are served: on a listener of
// their own at Listen, never on the public one. Empty: nowhere (`vhod dev` alone
// then serves /metrics on its main listener).
type MetricsConfig struct {
	Listen string `yaml:"listen"`
}

// DatabaseConfig says where MongoDB is; an empty URI means the embedded store.
type DatabaseConfig struct {
	URI  string `yaml:"uri" secret:"true"`
	Name string `yaml:"name"`
	// Timeout bounds every database operation, so that a database outage gives
	// a quick 503 instead of hanging requests.
	Timeout time.Duration `yaml:"timeout"`
}

// LogConfig sets the log format (json, text) and level (debug, info, warn, error).
type LogConfig struct {
	Format string `yaml:"format"`
	Level  string `yaml:"level"`
}

// TokensConfig sets lifetimes.
type TokensConfig struct {
	AccessTokenLifetime  time.Duration `yaml:"access_token_lifetime"`
	IDTokenLifetime      time.Duration `yaml:"id_token_lifetime"`
	RefreshTokenLifetime time.Duration `yaml:"refresh_token_lifetime"`
	// RefreshGracePeriod: a rotated refresh token presented again by its client
	// within it gets the same new tokens instead of revoking its family
	// (RFC 9700 section 4.14.2). 10s by default; 0 turns it off, hence a pointer.
	RefreshGracePeriod  *time.Duration `yaml:"refresh_grace_period"`
	AuthRequestLifetime time.Duration  `yaml:"auth_request_lifetime"`
	// ClientAssertionMaxAge bounds how long a private_key_jwt assertion may
	// live (exp less iat); its jti is remembered that long.
	ClientAssertionMaxAge time.Duration `yaml:"client_assertion_max_age"`
}

// DefaultRefreshGracePeriod covers the refreshes one relying party makes from
// several requests at once (mod_auth_openidc, oauth2-proxy).
const DefaultRefreshGracePeriod = 10 * time.Second

// refreshGrace is the effective grace period.
func (t TokensConfig) refreshGrace() time.Duration {
	if t.RefreshGracePeriod == nil {
		return DefaultRefreshGracePeriod
	}
	return *t.RefreshGracePeriod
}

// SessionsConfig sets the SSO session and sign-in flow lifetimes.
type SessionsConfig struct {
	Lifetime     time.Duration `yaml:"lifetime"`
	FlowLifetime time.Duration `yaml:"flow_lifetime"`
	// ReauthWithin: changing email, phone, password or certificates needs a
	// sign-in at most this old; an older session signs in again first.
	ReauthWithin time.Duration `yaml:"reauth_within"`
}

// KeysConfig sets the default signing algorithm and the rotation period.
type KeysConfig struct {
	Algorithm      string        `yaml:"algorithm"`
	RotationPeriod time.Duration `yaml:"rotation_period"`
}

// PasswordsConfig sets the argon2id cost.
type PasswordsConfig struct {
	// MinLength is the shortest new password, in characters (8 by default); the
	// most common passwords are refused whatever their length.
	MinLength   int    `yaml:"min_length"`
	MemoryKiB   uint32 `yaml:"memory_kib"`
	Iterations  uint32 `yaml:"iterations"`
	Parallelism uint8  `yaml:"parallelism"`
}

func (p PasswordsConfig) params() directory.PasswordParams {
	return directory.PasswordParams{MemoryKiB: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism}
}

// setDefaults fills what the file left out; the effective config is this struct.
func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defDur := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Listen, "127.0.0.1:8080")
	def(&c.UI.TimeZone, web.DefaultZone)
	def(&c.DataDir, "./data")
	def(&c.Database.Name, "vhod")
	def(&c.Log.Format, "json")
	def(&c.Log.Level, "info")
	def(&c.Keys.Algorithm, "ES256")
	defDur(&c.Keys.RotationPeriod, 30*24*time.Hour)
	defDur(&c.Tokens.AccessTokenLifetime, 15*time.Minute)
	defDur(&c.Tokens.IDTokenLifetime, time.Hour)
	defDur(&c.Tokens.RefreshTokenLifetime, 30*24*time.Hour)
	defDur(&c.Tokens.AuthRequestLifetime, 30*time.Minute)
	defDur(&c.Tokens.ClientAssertionMaxAge, 5*time.Minute)
	if c.Tokens.RefreshGracePeriod == nil {
		d := DefaultRefreshGracePeriod
		c.Tokens.RefreshGracePeriod = &d
	}
	defDur(&c.Sessions.Lifetime, 12*time.Hour)
	defDur(&c.Sessions.FlowLifetime, 15*time.Minute)
	defDur(&c.Sessions.ReauthWithin, flows.DefaultReauthWithin)
	defDur(&c.Database.Timeout, 5*time.Second)
	defDur(&c.Maintenance.Interval, time.Minute)
	defDur(&c.Outbox.PollInterval, 2*time.Second)
	defDur(&c.Outbox.Backoff, 5*time.Second)
	defDur(&c.Outbox.MaxBackoff, 10*time.Minute)
	if c.Outbox.MaxAttempts == 0 {
		c.Outbox.MaxAttempts = 8
	}
	defDur(&c.Limits.Window, 15*time.Minute)
	if c.Limits.SigninFailuresPerIP == 0 {
		c.Limits.SigninFailuresPerIP = 50
	}
	if c.Limits.SigninFailuresPerAccount == 0 {
		c.Limits.SigninFailuresPerAccount = 10
	}
	for _, l := range []struct {
		v   *int
		def int
	}{{&c.Limits.SMSPerNumberHour, 5}, {&c.Limits.SMSPerIPHour, 20}, {&c.Limits.SMSGlobalHour, 1000}, {&c.Limits.SMSGlobalDay, 10000},
		{&c.Limits.EmailPerAddressHour, 5}, {&c.Limits.EmailPerIPHour, 20}, {&c.Limits.EmailGlobalHour, 2000}, {&c.Limits.EmailGlobalDay, 20000}} {
		if *l.v == 0 {
			*l.v = l.def
		}
	}
	def(&c.SMS.Provider, "none")
	def(&c.Email.Provider, "none")
	def(&c.Registration.ConsentVersion, "1")
	if c.dev {
		def(&c.Registration.PrivacyPolicyURL, selfservice.SamplePolicyPath)
	}
	def(&c.Captcha.Provider, "altcha")
	if c.Captcha.Work == 0 {
		c.Captcha.Work = 50_000
	}
	if c.Limits.CaptchaAfterFailures == 0 {
		c.Limits.CaptchaAfterFailures = 3
	}
	if c.Limits.DelayAfterFailures == 0 {
		c.Limits.DelayAfterFailures = 3
	}
	if c.Limits.LockAfterFailures == 0 {
		c.Limits.LockAfterFailures = 10
	}
	defDur(&c.Limits.LockFor, 15*time.Minute)
	d := directory.DefaultPasswordParams
	if c.Passwords.MinLength == 0 {
		c.Passwords.MinLength = 8
	}
	if c.Passwords.MemoryKiB == 0 {
		c.Passwords.MemoryKiB = d.MemoryKiB
	}
	if c.Passwords.Iterations == 0 {
		c.Passwords.Iterations = d.Iterations
	}
	if c.Passwords.Parallelism == 0 {
		c.Passwords.Parallelism = d.Parallelism
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	c.CertAuth.setDefaults(c.Issuer)
	c.Organisations.setDefaults()
}

// Validate reports every problem at once, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	check := func(bad bool, key, msg string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(msg, args...)))
		}
	}
	u, err := url.Parse(c.Issuer)
	check(c.Issuer == "", "issuer", "is required (the public URL of Vhod, e.g. https://id.example.com)")
	check(c.Issuer != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == ""),
		"issuer", "%q is not an http(s) URL", c.Issuer)
	check(err == nil && u.Scheme == "http" && u.Host != "" && !isLoopbackHost(u.Hostname()),
		"issuer", "%q uses http on a public host; use https", c.Issuer)
	check(err == nil && (u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(u.Path, "/")),
		"issuer", "%q must have no query, fragment or trailing slash", c.Issuer)
	lhost, _, lerr := net.SplitHostPort(c.Listen)
	check(lerr != nil, "listen", "%q is not host:port", c.Listen)
	check(lerr == nil && err == nil && u.Scheme == "http" && !isLoopbackHost(lhost),
		"listen", "%q is not a loopback address, but the issuer is http: put TLS in front and use an https issuer", c.Listen)
	_, zerr := time.LoadLocation(c.UI.TimeZone)
	check(zerr != nil || c.UI.TimeZone == "Local", "ui.time_zone", "%q is not an IANA time zone (e.g. Europe/Moscow)", c.UI.TimeZone)
	_, perr := clientaddr.ParsePrefixes(c.TrustedProxies)
	check(perr != nil, "trusted_proxies", "%v", perr)
	check(c.Database.Timeout < 100*time.Millisecond || c.Database.Timeout > time.Minute,
		"database.timeout", "%s is not between 100ms and 1m", c.Database.Timeout)
	check(c.Maintenance.Interval < time.Second, "maintenance.interval", "%s is shorter than a second", c.Maintenance.Interval)
	check(c.Maintenance.AuditRetention != 0 && c.Maintenance.AuditRetention < 24*time.Hour, "maintenance.audit_retention",
		"%s is shorter than a day (0 keeps every event)", c.Maintenance.AuditRetention)
	check(c.Outbox.PollInterval < 10*time.Millisecond, "outbox.poll_interval", "%s is shorter than 10ms", c.Outbox.PollInterval)
	check(c.Outbox.Backoff < 10*time.Millisecond || c.Outbox.MaxBackoff < c.Outbox.Backoff, "outbox.backoff",
		"%s must be at least 10ms and at most max_backoff (%s)", c.Outbox.Backoff, c.Outbox.MaxBackoff)
	check(c.Outbox.MaxAttempts < 1 || c.Outbox.MaxAttempts > 50, "outbox.max_attempts", "%d is not between 1 and 50", c.Outbox.MaxAttempts)
	for _, kv := range [][2]string{{"registration.privacy_policy_url", c.Registration.PrivacyPolicyURL}, {"registration.terms_url", c.Registration.TermsURL}} {
		key, p := kv[0], kv[1]
		if p == "" {
			continue
		}
		u, err := url.Parse(p)
		check(err != nil || !(u.Scheme == "https" && u.Host != "" || u.Scheme == "http" && u.Host != "" || u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/")),
			key, "%q is neither a web address nor a path on Vhod", p)
	}
	check(c.Limits.Window < time.Second, "limits.window", "%s is shorter than a second", c.Limits.Window)
	check(c.Limits.SigninFailuresPerIP < 0 || c.Limits.SigninFailuresPerAccount < 0, "limits", "limits cannot be negative")
	switch c.SMS.Provider {
	case "none":
	case "webhook":
		check(c.SMS.Webhook.URL == "", "sms.webhook.url", "is required for the webhook provider")
	case "smsru":
		check(c.SMS.SMSRu.APIID == "", "sms.smsru.api_id", "is required for the smsru provider")
	case "outbox":
		check(!c.dev, "sms.provider", "outbox keeps messages instead of sending them: vhod dev only")
	default:
		check(true, "sms.provider", "%q is not none, webhook, smsru or outbox", c.SMS.Provider)
	}
	switch c.Email.Provider {
	case "none":
	case "smtp":
		_, err := notify.NewSMTP(c.Email.SMTP, nil)
		check(err != nil, "email.smtp", "%v", err)
	case "outbox":
		check(!c.dev, "email.provider", "outbox keeps messages instead of sending them: vhod dev only")
	default:
		check(true, "email.provider", "%q is not none, smtp or outbox", c.Email.Provider)
	}
	switch c.Captcha.Provider {
	case "altcha", "none":
	default:
		_, err := captcha.NewHosted(c.Captcha.Provider, c.Captcha.SiteKey, c.Captcha.Secret, c.Captcha.VerifyURL)
		check(err != nil, "captcha", "%v (providers: altcha, none, yandex, recaptcha, hcaptcha, turnstile)", err)
	}
	check(c.Captcha.Work < 1000 || c.Captcha.Work > 10_000_000, "captcha.work", "%d is not between 1000 and 10000000", c.Captcha.Work)
	if c.Metrics.Listen != "" {
		_, _, merr := net.SplitHostPort(c.Metrics.Listen)
		check(merr != nil, "metrics.listen", "%q is not host:port", c.Metrics.Listen)
	}
	check(c.Log.Format != "json" && c.Log.Format != "text", "log.format", "%q is not json or text", c.Log.Format)
	check(!slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level), "log.level", "%q is not debug, info, warn or error", c.Log.Level)
	check(!slices.Contains(algNames(), c.Keys.Algorithm), "keys.algorithm", "%q is not one of %v", c.Keys.Algorithm, algNames())
	check(c.Keys.RotationPeriod < time.Hour, "keys.rotation_period", "%s is shorter than an hour", c.Keys.RotationPeriod)
	check(c.Tokens.ClientAssertionMaxAge > time.Hour, "tokens.client_assertion_max_age", "%s is longer than an hour", c.Tokens.ClientAssertionMaxAge)
	check(c.Tokens.refreshGrace() < 0 || c.Tokens.refreshGrace() > 5*time.Minute, "tokens.refresh_grace_period",
		"%s is not between 0 (off) and 5 minutes", c.Tokens.refreshGrace())
	check(c.Tokens.AccessTokenLifetime > 24*time.Hour, "tokens.access_token_lifetime", "%s is longer than a day", c.Tokens.AccessTokenLifetime)
	check(c.Tokens.AuthRequestLifetime < time.Minute || c.Tokens.AuthRequestLifetime > 24*time.Hour,
		"tokens.auth_request_lifetime", "%s is not between a minute and a day", c.Tokens.AuthRequestLifetime)
	check(c.Sessions.FlowLifetime < time.Minute, "sessions.flow_lifetime", "%s is shorter than a minute", c.Sessions.FlowLifetime)
	check(c.Sessions.ReauthWithin < time.Second || c.Sessions.ReauthWithin > time.Hour, "sessions.reauth_within",
		"%s is not between a second and an hour", c.Sessions.ReauthWithin)
	check(c.Passwords.MemoryKiB < 8*1024, "passwords.memory_kib", "%d is below 8192", c.Passwords.MemoryKiB)
	check(c.Passwords.MinLength < 8 || c.Passwords.MinLength > 128, "passwords.min_length", "%d is not between 8 and 128", c.Passwords.MinLength)
	errs = append(errs, c.CertAuth.validate()...)
	errs = append(errs, c.Organisations.validate()...)
	errs = append(errs, c.Bootstrap.validate()...)
	errs = append(errs, validateIdentityProviders(c.IdentityProviders)...)
	return errors.Join(errs...)
}

func algNames() []string {
	var out []string
	for _, a := range keys.Algorithms {
		out = append(out, string(a))
	}
	return out
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// loadConfig reads a YAML file (unknown keys are an error), applies the environment
// and the defaults, and validates.
func loadConfig(path string) (*Config, error) {
	var c Config
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := applyEnv(&c, os.LookupEnv); err != nil {
		return nil, err
	}
	c.setDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return &c, nil
}

// applyEnv overrides scalar fields from VHOD_… variables.
func applyEnv(c *Config, lookup func(string) (string, bool)) error {
	var errs []error
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Tag.Get("env") == "-" {
				continue
			}
			name := envName(prefix, f)
			fv := v.Field(i)
			if fv.Kind() == reflect.Struct {
				walk(fv, name)
				continue
			}
			raw, ok := lookup(name)
			if !ok {
				continue
			}
			if err := setScalar(fv, raw); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	walk(reflect.ValueOf(c).Elem(), "VHOD")
	return errors.Join(errs...)
}

// envName is the variable of a field under prefix: VHOD_ and the key path in capitals.
func envName(prefix string, f reflect.StructField) string {
	return prefix + "_" + strings.ToUpper(strings.Split(f.Tag.Get("yaml"), ",")[0])
}

// errNotFromEnv: the field is a list of objects or a map, which no variable sets.
var errNotFromEnv = errors.New("cannot be set from the environment")

func setScalar(v reflect.Value, raw string) error {
	switch {
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case v.Type() == reflect.TypeOf((*time.Duration)(nil)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(&d))
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(&b))
	case v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case v.Kind() >= reflect.Uint && v.Kind() <= reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts))
	default:
		return errNotFromEnv
	}
	return nil
}
