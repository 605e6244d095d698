package main

import (
	"context"
	"errors"
	"net"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/storage"
)

// secondFactors builds the second factors and passkeys every audience uses:
// TOTP secrets sealed with a key of their own, SMS codes under the sign-in
// pages' code key and the same send limits, passkeys bound to the issuer's
// host unless the configuration names the relying party.
func (a *app) secondFactors(sh *shared, texts directory.Texts) (*factors.Service, error) {
	cfg := a.cfg
	var pk factors.PasskeyConfig
	if !cfg.Passkeys.Disabled {
		var err error
		if pk, err = factors.PasskeyConfigFromIssuer(cfg.Issuer); err != nil {
			return nil, err
		}
		if cfg.Passkeys.RPID != "" {
			pk.RPID = cfg.Passkeys.RPID
		}
		if len(cfg.Passkeys.Origins) > 0 {
			pk.Origins = cfg.Passkeys.Origins
		}
		// WebAuthn binds credentials to a domain; an issuer on a bare IP
		// address (a test or a first try) has none, so passkeys stay off
		// rather than keeping Vhod from starting.
		if net.ParseIP(pk.RPID) != nil {
			a.log.Warn("passkeys are off: the issuer's host is an IP address; set passkeys.rp_id to a domain name", "host", pk.RPID)
			pk = factors.PasskeyConfig{}
		}
	}
	totpKey := deriveKey(a.master, "totp")
	return factors.New(a.store, factors.Config{
		SecretKey: totpKey[:], OTPKey: sh.otpKey[:], Passkeys: pk,
		SMS: sh.sms, Texts: texts, Audit: a.audit,
		Notifier: directory.NewNotifier(a.store, sh.email, texts, a.log),
		Logger:   a.log,
	})
}

// orgPolicy is the provider's last check of a company's sign-in policy (the
// sign-in pages apply it before the company is chosen): whether a sign-in of
// acr and amr meets what the company requires of userID.
func orgPolicy(st interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
}, f *factors.Service) func(ctx context.Context, userID, orgID, acr string, amr []string) (bool, error) {
	return func(ctx context.Context, userID, orgID, acr string, amr []string) (bool, error) {
		u, err := st.UserByID(ctx, userID)
		if err != nil {
			return false, err
		}
		org, err := st.OrganisationByID(ctx, orgID)
		if errors.Is(err, storage.ErrNotFound) { // gone: nothing to act for
			return false, nil
		}
		if err != nil {
			return false, err
		}
		req, err := f.Required(ctx, u, &org)
		if err != nil {
			return false, err
		}
		return req.Met(acr, amr), nil
	}
}
