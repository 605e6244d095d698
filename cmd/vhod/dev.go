package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/gorilla/mux"
)

// Demo accounts of `vhod dev`.
const (
	demoClientID     = "demo"
	demoClientSecret = "demo-secret-for-development"
	demoLogin        = "demo"
	demoPassword     = "demo-password"
	// The operator of `vhod dev`: the console (/console) and the admin API.
	devOperator         = "operator"
	devOperatorPassword = "operator-password"
)

// runDev starts Vhod for development: embedded store, loopback issuer, demo data.
func runDev(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "./data", "where the embedded store and master key live")
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	path := fs.String("config", "", "optional configuration file; dev defaults fill the rest")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := devConfig(*dataDir, *listen)
	pki := newDevPKI(cfg.DataDir)
	if err := pki.ensure(); err != nil {
		return fmt.Errorf("dev certificates: %w", err)
	}
	no := false
	cfg.CertAuth.TrustAnchors = []TrustAnchorConfig{{File: pki.CAFile}}
	cfg.CertAuth.CRL = CRLConfig{Files: []string{pki.CRLFile}, Fetch: &no}
	if *path != "" {
		fileCfg, err := loadConfig(*path)
		if err != nil {
			return err
		}
		cfg.Bootstrap.Clients = append(cfg.Bootstrap.Clients, fileCfg.Bootstrap.Clients...)
		cfg.Bootstrap.Users = append(cfg.Bootstrap.Users, fileCfg.Bootstrap.Users...)
		cfg.Bootstrap.RoleCatalogues = append(cfg.Bootstrap.RoleCatalogues, fileCfg.Bootstrap.RoleCatalogues...)
		cfg.Bootstrap.Organisations = append(cfg.Bootstrap.Organisations, fileCfg.Bootstrap.Organisations...)
		cfg.Bootstrap.Memberships = append(cfg.Bootstrap.Memberships, fileCfg.Bootstrap.Memberships...)
		cfg.TrustedProxies = fileCfg.TrustedProxies // a proxy in front of a dev instance
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log, err := newLogger(cfg, os.Stderr)
	if err != nil {
		return err
	}
	demo := func(a *app) func(*mux.Router) {
		return newDemo(cfg.Issuer, demoClientID, demoClientSecret, log).mount
	}
	return serve(cfg, log, demo, func(*app) {
		fmt.Fprintf(stdout, `
Vhod is running (development mode, data in %s).

  Issuer:     %s
  Discovery:  %s/.well-known/openid-configuration
  Demo page:  %s/demo            (English: %s/demo?ui_locales=en)
  Demo user:  login %q, password %q (also demo@example.com, +7 909 000-00-00)
  Demo client: id %q, secret %q
  Console:    %s/console  (login %q, password %q: an operator and moderator)
  Companies:  ООО «Ромашка» (org_admin, buyer) and ИП Сидорова А. В. (accountant): the demo asks which
  Outbox:     %s/dev/outbox  (SMS and email, e.g. codes of "Sign in with phone" and recovery)
  Certificate: "Sign in with a certificate", then sign the challenge (saved to challenge.txt) with
              go run ./cmd/vhod sign --key %s --cert %s --detached < challenge.txt

`, cfg.DataDir, cfg.Issuer, cfg.Issuer, cfg.Issuer, cfg.Issuer, demoLogin, demoPassword, demoClientID, demoClientSecret,
			cfg.Issuer, devOperator, devOperatorPassword, cfg.Issuer, pki.KeyFile, pki.CertFile)
	})
}

func devConfig(dataDir, listen string) *Config {
	if dataDir == "" {
		dataDir = "./data"
	}
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		port = "8080"
	}
	issuer := "http://localhost:" + port
	cfg := &Config{
		Issuer: issuer, Listen: listen, DataDir: dataDir, dev: true,
		Log:   LogConfig{Format: "text", Level: "info"},
		SMS:   SMSConfig{Provider: "outbox"},
		Email: EmailConfig{Provider: "outbox"},
		Bootstrap: Bootstrap{
			Clients: []BootstrapClient{{
				ID: demoClientID, Secret: demoClientSecret, Name: "Vhod demo",
				RedirectURIs:           []string{issuer + "/demo/callback"},
				PostLogoutRedirectURIs: []string{issuer + "/demo"},
				GrantTypes:             []string{"authorization_code", "refresh_token"},
				FirstParty:             true, IDTokenUserinfoClaims: true, Scopes: []string{"ru_ids", "cert", "org", "orgs"},
			}},
			Users: []BootstrapUser{{
				Login: demoLogin, Password: demoPassword, Email: "demo@example.com", Phone: "+79090000000",
				FamilyName: "Иванов", GivenName: "Иван", MiddleName: "Иванович", Locale: "ru",
			}, {Login: devOperator, Password: devOperatorPassword, FamilyName: "Операторов", GivenName: "Олег"}},
			Operators:  []string{devOperator},
			Moderators: []string{devOperator},
			RoleCatalogues: []BootstrapRoleCatalogue{{ID: "demo", Clients: []string{demoClientID}, Roles: []BootstrapRole{
				{Key: "buyer", Name: map[string]string{"ru": "Закупщик", "en": "Buyer"}},
				{Key: "accountant", Name: map[string]string{"ru": "Бухгалтер", "en": "Accountant"}},
			}}},
			Organisations: []BootstrapOrganisation{
				{ID: "romashka", Name: "ООО «Ромашка»", INN: "7728824599", KPP: "772801001", OGRN: "1177746151021"},
				{ID: "sidorova", Name: "ИП Сидорова А. В.", INN: "500371521396", OGRN: "319508135058602"},
			},
			Memberships: []BootstrapMembership{
				{User: demoLogin, Org: "romashka", Roles: []string{"org_admin", "buyer"}},
				{User: demoLogin, Org: "sidorova", Roles: []string{"accountant"}},
			},
		},
	}
	cfg.setDefaults()
	return cfg
}
