package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/certificate"
	"github.com/vhod-id/vhod/provider"
	"github.com/vhod-id/vhod/storage"
)

// shared is what more than one audience's pages are built with: keys derived
// from the master key, the browser's cookies, the captcha, the send limits
// around the senders, certificate sign-in and the notices of changed ways in.
type shared struct {
	cookies                 *web.Cookies
	csrfKey, otpKey, devKey [32]byte
	captcha                 captcha.Verifier
	limits                  *notify.Limits
	sms                     notify.SMSSender
	email                   notify.EmailSender
	certs                   *certificate.Config
	notices                 *directory.ChangeNotices
	factors                 *factors.Service
	// providers are the outside identity providers (wire_federated.go).
	providers connector.Registry
}

func (a *app) sharedParts() (*shared, error) {
	cfg := a.cfg
	u, _ := url.Parse(cfg.Issuer)
	sh := &shared{cookies: web.NewCookies(u.Scheme == "https", cfg.Sessions.Lifetime),
		csrfKey: deriveKey(a.master, "csrf"), otpKey: deriveKey(a.master, "otp"), devKey: deriveKey(a.master, "device cookie")}
	var err error
	if sh.certs, err = a.loginCertificates(context.Background()); err != nil {
		return nil, err
	}
	switch cfg.Captcha.Provider {
	case "none":
	case "altcha":
		altchaKey := deriveKey(a.master, "altcha")
		sh.captcha = captcha.NewAltcha(altchaKey[:], cfg.Captcha.Work, func(ctx context.Context, key string, until time.Time) error {
			if err := a.store.ClaimOnce(ctx, key, until); errors.Is(err, storage.ErrConflict) {
				return captcha.ErrSpent
			} else {
				return err
			}
		})
	default:
		if sh.captcha, err = captcha.NewHosted(cfg.Captcha.Provider, cfg.Captcha.SiteKey, cfg.Captcha.Secret, cfg.Captcha.VerifyURL); err != nil {
			return nil, err
		}
	}
	// Every message sent on behalf of a request counts against one rule set.
	sh.limits = notify.NewLimits(a.store,
		notify.Rule{PerRecipientHour: cfg.Limits.SMSPerNumberHour, PerAddressHour: cfg.Limits.SMSPerIPHour,
			GlobalHour: cfg.Limits.SMSGlobalHour, GlobalDay: cfg.Limits.SMSGlobalDay},
		notify.Rule{PerRecipientHour: cfg.Limits.EmailPerAddressHour, PerAddressHour: cfg.Limits.EmailPerIPHour,
			GlobalHour: cfg.Limits.EmailGlobalHour, GlobalDay: cfg.Limits.EmailGlobalDay}, a.log)
	sh.sms, sh.email = sh.limits.SMS(a.sms), sh.limits.Email(a.email)
	texts, err := web.MailTexts()
	if err != nil {
		return nil, err
	}
	// A way in changed, from either audience: its owner is told.
	sh.notices = directory.NewChangeNotices(sh.email, sh.sms, texts, a.audit, a.log)
	if sh.factors, err = a.secondFactors(sh, texts); err != nil {
		return nil, err
	}
	if sh.providers, err = a.identityProviders(); err != nil {
		return nil, err
	}
	return sh, nil
}

// reauths is the rule that a way in changes only after a recent sign-in (the
// account's rule, which login applies too when a certificate is bound at
// sign-in).
func (a *app) reauths(st loginStore) *flows.Reauths {
	return flows.NewReauths(st, a.audit, a.cfg.Sessions.ReauthWithin, a.cfg.Sessions.FlowLifetime, nil)
}

// newProvider builds the OpenID Provider; pages gives the login pages, which
// are built after it (they need its callback), for the pages and the SSO
// decision it delegates to them.
func (a *app) newProvider(sh *shared, pages func() *login.Handler) (*provider.Provider, error) {
	cfg := a.cfg
	pc := provider.Config{
		Issuer:                cfg.Issuer,
		CryptoKey:             deriveKey(a.master, "op crypto"),
		AccessTokenLifetime:   cfg.Tokens.AccessTokenLifetime,
		IDTokenLifetime:       cfg.Tokens.IDTokenLifetime,
		RefreshTokenLifetime:  cfg.Tokens.RefreshTokenLifetime,
		AuthRequestLifetime:   cfg.Tokens.AuthRequestLifetime,
		ClientAssertionMaxAge: cfg.Tokens.ClientAssertionMaxAge,
		RefreshGracePeriod:    cfg.Tokens.refreshGrace(),
		LoginURL:              func(id string) string { return "/login?authRequestID=" + url.QueryEscape(id) },
		LogoutURL:             cfg.Issuer + "/logged-out",
		Locales:               web.Languages,
		Browser:               sh.cookies,
		ErrorPage: func(w http.ResponseWriter, r *http.Request, e provider.PageError) {
			pages().ErrorPage(w, r, e.Status, e.Reason, e.ClientID, e.Detail)
		},
		FormPost: func(w http.ResponseWriter, r *http.Request, action string, params url.Values) {
			pages().FormPost(w, r, action, params)
		},
		SSO: func(ctx context.Context, r storage.AuthRequest) (*storage.Completion, error) {
			return pages().SSO(ctx, r)
		},
		OnTokens:     a.metrics.series.token,
		OrgClaims:    a.orgs.Claims,
		OrgPolicy:    orgPolicy(a.store, sh.factors),
		SystemClaims: a.systems.Claims,
		Audit:        a.audit,
		Logger:       a.log,
	}
	a.clientCertificates(&pc, sh.certs)
	return provider.New(pc, a.store, a.keys)
}
