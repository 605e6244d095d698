package idp

import (
	"encoding/json"
	"fmt"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// sealAD binds a sealed secret to its provider and its name: copied into
// another provider's document, or from client_secret to key, it does not open.
func sealAD(id, name string) []byte { return []byte("identity provider\x00" + id + "\x00" + name) }

// pack writes cfg into p: its settings as JSON (connector.Config writes no
// secret to JSON) and its secrets sealed.
func (s *Service) pack(p *storage.IdentityProvider, cfg connector.Config) error {
	b, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("identity provider %q: %w", p.ID, err)
	}
	p.Config, p.Secrets = string(b), nil
	for name, v := range map[string]string{SecretClient: cfg.ClientSecret, SecretKey: cfg.Key} {
		if v == "" {
			continue
		}
		sealed, err := notify.Seal(s.cfg.Key, []byte(v), sealAD(p.ID, name))
		if err != nil {
			return fmt.Errorf("identity provider %q: seal %s: %w", p.ID, name, err)
		}
		if p.Secrets == nil {
			p.Secrets = map[string]string{}
		}
		p.Secrets[name] = sealed
	}
	return nil
}

// unpack reads a stored provider back into the connector's config, secrets
// opened. A secret that does not open (another master key, a document
// tampered with) is an error, never an empty secret.
func (s *Service) unpack(p storage.IdentityProvider) (connector.Config, error) {
	var c connector.Config
	if err := json.Unmarshal([]byte(p.Config), &c); err != nil {
		return c, fmt.Errorf("identity provider %q: stored settings: %w", p.ID, err)
	}
	c.ID = p.ID
	for name, sealed := range p.Secrets {
		plain, err := notify.Open(s.cfg.Key, sealed, sealAD(p.ID, name))
		if err != nil {
			return c, fmt.Errorf("identity provider %q: %s: %w", p.ID, name, err)
		}
		switch name {
		case SecretClient:
			c.ClientSecret = string(plain)
		case SecretKey:
			c.Key = string(plain)
		}
	}
	return c, nil
}
