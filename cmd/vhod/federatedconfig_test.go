package main

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// identity_providers: every problem of every entry is named at load by its
// place and field; a good list builds, and `config show` masks its secrets.
func TestIdentityProvidersConfig(t *testing.T) {
	bad := issueExample + `
identity_providers:
  - id: Госуслуги
    type: esia
    display_name: {ru: "Госуслуги"}
    client_id: MNEMO
    client_secret: nope
    acr: urn:vhod:acr:everything
  - id: idp
    type: oidc
    display_name: {ru: "Вход через IdP"}
    client_id: vhod
    issuer: http://idp.example.com
    acr_confirmed: urn:vhod:acr:certificate
  - id: idp
    type: yandex
    display_name: {ru: "Яндекс"}
    client_id: y
    client_secret: s
`
	_, err := loadConfig(writeConfig(t, bad))
	if err == nil {
		t.Fatal("a bad identity_providers list loaded")
	}
	for _, want := range []string{
		"identity_providers[0].id:", "identity_providers[0].cert_file: is required for type esia",
		"identity_providers[0].client_secret: ESIA takes no client secret", "identity_providers[0].acr: \"urn:vhod:acr:everything\"",
		"identity_providers[1].issuer:", "identity_providers[1].acr_confirmed: only ESIA",
		"identity_providers[2].id: \"idp\" is used twice",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	good := issueExample + `
identity_providers:
  - id: idp
    type: oidc
    display_name: {ru: "Корпоративный вход", en: "Company sign-in"}
    client_id: vhod
    client_secret: very-secret
    issuer: https://idp.example.com
    acr: urn:vhod:acr:mfa
    link_by_email: true
`
	cfg, err := loadConfig(writeConfig(t, good))
	if err != nil {
		t.Fatal(err)
	}
	ta := newTestApp(t, func(c *Config) { c.IdentityProviders = cfg.IdentityProviders })
	cs, _ := ta.app.idps.registry.Connectors(t.Context())
	if len(cs) != 1 || cs[0].ID() != "idp" || cs[0].DisplayName("en") != "Company sign-in" {
		t.Fatalf("built: %v", cs)
	}
	shown := maskSecrets(*cfg)
	out, err := yaml.Marshal(&shown)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "very-secret") || !strings.Contains(string(out), "link_by_email: true") ||
		cfg.IdentityProviders[0].ClientSecret != "very-secret" {
		t.Fatalf("config show: the secret is shown, or masked in the running config:\n%s", out)
	}
}
