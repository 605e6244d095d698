package main

import (
	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory/idp"
)

// managedProviders builds, once, the rules of the outside identity
// providers (the admin API and the console manage them) and the registry
// login asks for them: file are the configuration file's providers
// (`identity_providers:`), offered first and read-only; the stored ones are
// added in their order. Their secrets are sealed with a key derived from the
// master key for this purpose alone.
//
// The registry is where login finds providers: pass a.idps.registry where a
// connector.Static of the file's providers would go. A change made on this
// instance is offered at once; other instances see it within idp.DefaultTTL.
func (a *app) managedProviders(file []connector.Config) (*idpParts, error) {
	if a.idps != nil {
		return a.idps, nil
	}
	key := deriveKey(a.master, "identity providers")
	svc, err := idp.New(a.store, idp.Config{Key: key[:], Configured: file, Audit: a.audit, Logger: a.log})
	if err != nil {
		return nil, err
	}
	reg, err := idp.NewRegistry(svc, idp.DefaultTTL)
	if err != nil {
		return nil, err
	}
	svc.OnChange(reg.Invalidate)
	a.idps = &idpParts{service: svc, registry: reg}
	return a.idps, nil
}

// idpParts are the identity providers' rules and registry.
type idpParts struct {
	service  *idp.Service
	registry *idp.Registry
}
