package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/directory/registry"
)

// OrganisationsConfig: who approves join requests, and where company details
// come from.
type OrganisationsConfig struct {
	// JoinApproval: either (a moderator or the org admin), both, or org_admin.
	JoinApproval string         `yaml:"join_approval"`
	Registry     RegistryConfig `yaml:"registry"`
}

// RegistryConfig chooses the company, bank and postcode look-up.
type RegistryConfig struct {
	// Provider: none (typing only), dadata (a DaData-style API) or file (JSON).
	Provider string        `yaml:"provider"`
	URL      string        `yaml:"url"`                 // dadata: the API base, default DaData's
	Token    string        `yaml:"token" secret:"true"` // dadata: the API key
	File     string        `yaml:"file"`                // file: the JSON file
	Timeout  time.Duration `yaml:"timeout"`             // dadata: per look-up (default 5s)
}

func (c *OrganisationsConfig) setDefaults() {
	if c.JoinApproval == "" {
		c.JoinApproval = orgs.JoinEither
	}
	if c.Registry.Provider == "" {
		c.Registry.Provider = "none"
	}
	if c.Registry.Timeout == 0 {
		c.Registry.Timeout = 5 * time.Second
	}
}

func (c *OrganisationsConfig) validate() []error {
	var errs []error
	if !slices.Contains([]string{orgs.JoinEither, orgs.JoinBoth, orgs.JoinOrgAdmin}, c.JoinApproval) {
		errs = append(errs, fmt.Errorf("organisations.join_approval: %q is not either, both or org_admin", c.JoinApproval))
	}
	switch c.Registry.Provider {
	case "none":
	case "dadata":
		if c.Registry.URL != "" {
			if u, err := url.Parse(c.Registry.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
				errs = append(errs, fmt.Errorf("organisations.registry.url: %q is not an http(s) URL", c.Registry.URL))
			}
		}
	case "file":
		if _, err := registry.LoadOffline(c.Registry.File); err != nil {
			errs = append(errs, fmt.Errorf("organisations.registry.file: %v", err))
		}
	default:
		errs = append(errs, fmt.Errorf("organisations.registry.provider: %q is not none, dadata or file", c.Registry.Provider))
	}
	return errs
}

// registry builds the configured look-up (nil for none).
func (c *OrganisationsConfig) registry() (registry.Registry, error) {
	switch c.Registry.Provider {
	case "dadata":
		return &registry.DaData{BaseURL: c.Registry.URL, Token: c.Registry.Token, Client: &http.Client{Timeout: c.Registry.Timeout}}, nil
	case "file":
		return registry.LoadOffline(c.Registry.File)
	}
	return nil, nil
}
