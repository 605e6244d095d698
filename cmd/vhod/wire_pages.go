package main

import (
	"github.com/vhod-id/vhod/account"
	"github.com/vhod-id/vhod/admin"
	"github.com/vhod-id/vhod/console"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/provider"
)

// accountPages builds the person's own pages (/account).
func (a *app) accountPages(sh *shared, prov *provider.Provider, st loginStore) (*account.Handler, error) {
	cfg := a.cfg
	reg, err := cfg.Organisations.registry()
	if err != nil {
		return nil, err
	}
	var captchaOrigins []string
	if sh.captcha != nil {
		captchaOrigins = sh.captcha.Widget().Origins
	}
	return account.New(account.Config{
		Issuer: cfg.Issuer, CSRFKey: sh.csrfKey[:], CaptchaOrigins: captchaOrigins,
		ConsentVersion: cfg.Registration.ConsentVersion, PasswordMinLength: cfg.Passwords.MinLength,
		Audit: a.audit, Email: sh.email, SMS: sh.sms, SendLimits: sh.limits, OTPKey: sh.otpKey[:],
		RevokeSession: prov.RevokeSession, Reauths: a.reauths(st), Notices: sh.notices,
		Verifier: sh.certs.Verifier, TLSURL: sh.certs.TLSURL,
		Companies: a.orgs, OrgStore: a.store, Registry: reg, Systems: a.systems, ClientsChanged: prov.ClientsChanged,
		Links: a.dir, ProviderName: providerNames(sh.providers),
		Accountants: a.orgs, Factors: sh.factors, DevicePage: true, ConsoleOn: true, TimeZone: cfg.UI.Location(), Logger: a.log,
	}, st, a.dir, sh.cookies)
}

// consolePages builds the operators' and moderators' pages (/console,
// /moderation) over directory's services, the ones the API calls.
func (a *app) consolePages(sh *shared) (*console.Handler, error) {
	reg, err := a.cfg.Organisations.registry() // moderators compare with the register
	if err != nil {
		return nil, err
	}
	return console.New(console.Config{
		Issuer: a.cfg.Issuer, CSRFKey: sh.csrfKey[:], Clients: a.clients, Catalogues: a.catalogues, Users: a.userAdmin,
		Keys: a.signingKeys(), Anchors: a.anchors, Orgs: a.orgs, Store: a.store, Factors: sh.factors, Audit: a.audit, Cookies: sh.cookies, Logger: a.log,
		TimeZone: a.cfg.UI.Location(), IdentityProviders: a.idps.service, Registry: reg,
	})
}

// adminAPI builds the REST API (/api/v1) over the same services.
func (a *app) adminAPI(prov *provider.Provider, fs *factors.Service) *admin.API {
	return admin.New(admin.Config{
		Verify: prov.VerifyAccessToken, Store: a.store, Orgs: a.orgs, Clients: a.clients, Catalogues: a.catalogues,
		Users: a.userAdmin, Keys: a.signingKeys(), Anchors: a.anchors, Factors: fs, Audit: a.audit, Logger: a.log,
		IdentityProviders: a.idps.service,
	})
}
