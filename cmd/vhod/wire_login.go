package main

import (
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/certificate"
	"github.com/vhod-id/vhod/login/contract"
	"github.com/vhod-id/vhod/login/device"
	"github.com/vhod-id/vhod/login/federated"
	"github.com/vhod-id/vhod/login/logout"
	"github.com/vhod-id/vhod/login/passkey"
	"github.com/vhod-id/vhod/login/phone"
	"github.com/vhod-id/vhod/login/secondfactor"
	"github.com/vhod-id/vhod/login/selfservice"
	"github.com/vhod-id/vhod/provider"
)

// loginPages builds the sign-in core and, over its Kit, the sign-in methods
// and side flows beside the password form, each a package of its own.
func (a *app) loginPages(sh *shared, prov *provider.Provider, st loginStore) (*login.Handler, []login.Pages, error) {
	cfg := a.cfg
	pages, err := login.New(login.Config{
		Orgs:    a.orgs,
		Notices: sh.notices,
		Issuer:  cfg.Issuer, FlowLifetime: cfg.Sessions.FlowLifetime, SessionLifetime: cfg.Sessions.Lifetime,
		CSRFKey: sh.csrfKey[:], DeviceKey: sh.devKey[:], Callback: prov.Callback, Deny: prov.Deny, Logger: a.log,
		CodeLifetime: provider.CodeLifetime,
		Limits: login.Limits{Window: cfg.Limits.Window, PerIP: cfg.Limits.SigninFailuresPerIP,
			PerIdentifier: cfg.Limits.SigninFailuresPerAccount, CaptchaAfter: cfg.Limits.CaptchaAfterFailures,
			DelayAfter: cfg.Limits.DelayAfterFailures, LockAfter: cfg.Limits.LockAfterFailures, LockFor: cfg.Limits.LockFor},
		Captcha:           sh.captcha,
		OnSignIn:          func(method, outcome string) { a.metrics.signIns.WithLabelValues(method, outcome).Inc() },
		Audit:             a.audit,
		RevokeUser:        prov.RevokeUser,
		OTPKey:            sh.otpKey[:],
		PasswordMinLength: cfg.Passwords.MinLength,
		TimeZone:          cfg.UI.Location(),
	}, st, a.dir, sh.cookies)
	if err != nil {
		return nil, nil, err
	}
	kit := pages.Kit()
	certs := *sh.certs
	certs.Reauths = a.reauths(st)
	certs.SecondFactors = sh.factors
	byCert, err := certificate.New(certs, kit, a.dir)
	if err != nil {
		return nil, nil, err
	}
	byPhone, err := phone.New(phone.Config{SMS: sh.sms, SendLimits: sh.limits}, kit, a.dir)
	if err != nil {
		return nil, nil, err
	}
	ends, err := logout.New(logout.Config{Logouts: logouts{prov}, SignedOut: signedOut(prov)}, kit)
	if err != nil {
		return nil, nil, err
	}
	byContract, err := contract.New(a.orgs, kit)
	if err != nil {
		return nil, nil, err
	}
	sides, err := selfservice.New(selfservice.Config{SMS: sh.sms, Email: sh.email, SendLimits: sh.limits,
		ConsentVersion: cfg.Registration.ConsentVersion, PasswordMinLength: cfg.Passwords.MinLength,
		PrivacyPolicyURL: cfg.Registration.PrivacyPolicyURL, TermsURL: cfg.Registration.TermsURL,
		SamplePolicy: cfg.dev && cfg.Registration.PrivacyPolicyURL == selfservice.SamplePolicyPath}, kit, a.dir, st)
	if err != nil {
		return nil, nil, err
	}
	viaProviders, err := federated.New(sh.providers, kit, a.dir)
	if err != nil {
		return nil, nil, err
	}
	// The second factor is the core's Gate too (login.Gate): it holds sign-ins
	// short of what the person, the app or the company requires.
	second, err := secondfactor.New(kit, sh.factors, st, a.dir)
	if err != nil {
		return nil, nil, err
	}
	// The page for the user codes of devices (RFC 8628).
	devices, err := device.New(kit, a.store)
	if err != nil {
		return nil, nil, err
	}
	return pages, []login.Pages{byCert, byContract, byPhone, sides, ends, viaProviders, second, passkey.New(kit, sh.factors), devices}, nil
}
