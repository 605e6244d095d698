package main

import (
	"net"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
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
