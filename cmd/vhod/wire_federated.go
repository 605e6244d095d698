package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
)

// The outside identity providers (`identity_providers:`) are wired here and
// nowhere else: login finds them through a connector.Registry, so the
// configuration file's fixed list (connector.Static) can give way to one the
// admin API manages without touching the pages.

// identityProviders is where login finds the providers: the configuration
// file's (built at start: their files are read, none of them contacted, so a
// provider that is down does not keep Vhod from starting) and the ones the
// admin API and the console manage (wire_idp.go).
func (a *app) identityProviders() (connector.Registry, error) {
	if _, err := connector.NewAll(a.cfg.IdentityProviders, connector.Options{}); err != nil {
		return nil, err
	}
	parts, err := a.managedProviders(a.cfg.IdentityProviders)
	if err != nil {
		return nil, err
	}
	return parts.registry, nil
}

// validateIdentityProviders reports every problem of every entry at load, by
// the entry's place and field, before any file is read.
func validateIdentityProviders(ps []connector.Config) []error {
	var errs []error
	seen := map[string]bool{}
	for i, p := range ps {
		key := fmt.Sprintf("identity_providers[%d]", i)
		if p.ID != "" && seen[p.ID] {
			errs = append(errs, fmt.Errorf("%s.id: %q is used twice (linked accounts are stored under it)", key, p.ID))
		}
		seen[p.ID] = true
		bad := p.Problems()
		for _, f := range sortedKeys(bad) {
			errs = append(errs, fmt.Errorf("%s.%s: %s", key, f, bad[f]))
		}
		for field, v := range map[string]string{"acr": p.ACR, "acr_confirmed": p.ACRConfirmed} {
			if v != "" && !slices.Contains(directory.ACRLevels, v) {
				errs = append(errs, fmt.Errorf("%s.%s: %q is not one of %v", key, field, v, directory.ACRLevels))
			}
		}
		if p.ACRConfirmed != "" && p.Type != connector.TypeESIA {
			errs = append(errs, fmt.Errorf("%s.acr_confirmed: only ESIA marks accounts confirmed", key))
		}
	}
	return errs
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// providerNames gives the account pages a provider's label (they import no
// connector): "" for one that is no longer configured.
func providerNames(reg connector.Registry) func(ctx context.Context, id, lang string) string {
	return func(ctx context.Context, id, lang string) string {
		c, err := reg.Connector(ctx, id)
		if err != nil {
			return ""
		}
		return c.DisplayName(lang)
	}
}
