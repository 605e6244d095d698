package connector

import (
	"bytes"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The YAML an operator writes under identity_providers: decodes with
// unknown keys refused, as the rest of Vhod's config does.
func TestConfigYAML(t *testing.T) {
	const doc = `
- id: gosuslugi
  type: esia
  display_name: {ru: Госуслуги, en: Gosuslugi}
  client_id: VHOD01
  scopes: [openid, fullname, snils, email, mobile, usr_org]
  cert_file: /etc/vhod/esia/system.crt.pem
  key_file: /etc/vhod/esia/system.key.pem
  provider_cert_file: /etc/vhod/esia/esia-prod.crt.pem
  acr: urn:vhod:acr:esia
  acr_confirmed: urn:vhod:acr:esia-confirmed
- id: sber
  type: sber
  display_name: {ru: Сбер ID, en: Sber ID}
  client_id: 5e7ee80a-6724-4078-8ee4-1dd63
  client_secret_file: /run/secrets/sber
  tls_cert_file: /etc/vhod/sber/client.crt.pem
  tls_key_file: /etc/vhod/sber/client.key.pem
  timeout: 10s
- id: corp
  type: oidc
  display_name: {ru: Вход сотрудника}
  client_id: vhod
  client_secret_file: /run/secrets/corp
  issuer: https://sso.example.ru/realms/corp
  claims: {snils: ru_snils}
`
	var list []Config
	d := yaml.NewDecoder(bytes.NewReader([]byte(doc)))
	d.KnownFields(true)
	if err := d.Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if p := c.Problems(); p != nil {
			t.Errorf("%s: %v", c.ID, p)
		}
	}
	if list[1].Timeout != 10*time.Second || list[2].Claims["snils"] != "ru_snils" || list[0].DisplayName.EN != "Gosuslugi" {
		t.Fatalf("%+v", list)
	}
	bad := yaml.NewDecoder(bytes.NewReader([]byte("- id: x\n  client_secrett: y\n")))
	bad.KnownFields(true)
	if err := bad.Decode(&list); err == nil {
		t.Fatal("a misspelt key was accepted")
	}
}
