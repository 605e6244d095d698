package connector

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcConnector signs in through any OpenID provider: discovery from the
// issuer, authorization code with PKCE (S256), the ID token checked with
// the provider's JWKS (signature, iss, aud, exp) and the flow's nonce,
// userinfo when the token carries no profile claims. coreos/go-oidc does the
// discovery and JWT checks and x/oauth2 the exchange: both are kept by the
// Go and Kubernetes communities and were already Vhod's dependencies.
type oidcConnector struct {
	*base
	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDC(b *base) *oidcConnector { return &oidcConnector{base: b} }

// discover fetches the provider's metadata once; a failure is retried at the
// next sign-in rather than remembered.
func (c *oidcConnector) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.hc), c.cfg.Issuer)
	if err != nil {
		return nil, c.fail(KindUnavailable, "discovery at %s: %w", c.cfg.Issuer, err)
	}
	c.provider = p
	return p, nil
}

func (c *oidcConnector) oauth2(p *oidc.Provider, redirectURI string) *oauth2.Config {
	ep := p.Endpoint()
	if c.cfg.AuthURL != "" {
		ep.AuthURL = c.endpoint(c.cfg.AuthURL, c.cfg.Issuer, "")
	}
	if c.cfg.TokenURL != "" {
		ep.TokenURL = c.endpoint(c.cfg.TokenURL, c.cfg.Issuer, "")
	}
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.secret, Endpoint: ep,
		RedirectURL: redirectURI, Scopes: c.scopes(oidc.ScopeOpenID, "profile", "email")}
}

func (c *oidcConnector) Start(ctx context.Context, r StartRequest) (string, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(r.Nonce), oauth2.S256ChallengeOption(r.Verifier)}
	if r.Lang != "" {
		opts = append(opts, oauth2.SetAuthURLParam("ui_locales", r.Lang))
	}
	return c.oauth2(p, r.RedirectURI).AuthCodeURL(r.State, opts...), nil
}

func (c *oidcConnector) Callback(ctx context.Context, r CallbackRequest) (*Identity, error) {
	code, err := c.checkReturn(r)
	if err != nil {
		return nil, err
	}
	p, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = oidc.ClientContext(ctx, c.hc)
	tok, err := c.oauth2(p, r.RedirectURI).Exchange(ctx, code, oauth2.VerifierOption(r.Verifier))
	if err != nil {
		return nil, c.exchangeError(err)
	}
	return c.identity(ctx, p, tok, r.Nonce)
}

// Refresh uses a refresh token (scope offline_access, where the provider
// grants one) to read the person again.
func (c *oidcConnector) Refresh(ctx context.Context, refreshToken string) (*Identity, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = oidc.ClientContext(ctx, c.hc)
	tok, err := c.oauth2(p, "").TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, c.exchangeError(err)
	}
	return c.identity(ctx, p, tok, "")
}

func (c *oidcConnector) exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
		return &Error{Kind: KindInvalid, Provider: c.cfg.ID, Code: re.ErrorCode, Err: err}
	}
	return c.fail(KindUnavailable, "token request: %w", err)
}

// identity checks the ID token (nonce only at sign-in: a refreshed ID token
// need not carry one) and reads the person from it and from userinfo.
func (c *oidcConnector) identity(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, nonce string) (*Identity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, c.fail(KindInvalid, "the token answer has no id_token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.now}).Verify(ctx, raw)
	if err != nil {
		return nil, c.fail(KindInvalid, "ID token: %w", err)
	}
	if nonce != "" && idt.Nonce != nonce {
		return nil, c.fail(KindInvalid, "ID token: the nonce is not the flow's")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, c.fail(KindInvalid, "ID token: %w", err)
		}
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, c.fail(KindInvalid, "ID token claims: %w", err)
	}
	if lacksProfile(claims, c.cfg.Claims) && p.UserInfoEndpoint() != "" {
		ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, c.fail(KindUnavailable, "userinfo: %w", err)
		}
		// OIDC Core §5.3.2: a userinfo answer for another subject is refused.
		if ui.Subject != idt.Subject {
			return nil, c.fail(KindInvalid, "userinfo is about another subject")
		}
		extra := map[string]any{}
		if err := ui.Claims(&extra); err != nil {
			return nil, c.fail(KindInvalid, "userinfo claims: %w", err)
		}
		// The signed ID token wins where both speak.
		maps.Copy(extra, claims)
		claims = extra
	}
	id := identityFromClaims(c.cfg.ID, claims, c.cfg.Claims)
	if id.Subject == "" {
		id.Subject = idt.Subject
	}
	id.AMR = stringList(claims["amr"])
	id.ACR = c.acr(false)
	id.RefreshToken = tok.RefreshToken
	return id, nil
}

// lacksProfile tells whether the ID token names neither the person nor
// their email, so userinfo must be asked.
func lacksProfile(claims map[string]any, mapping map[string]string) bool {
	for _, f := range []string{"email", "last_name", "first_name", "name"} {
		n := mapping[f]
		if n == "" {
			n = standardClaims[f]
		}
		if claimString(claims[n]) != "" {
			return false
		}
	}
	return true
}

func stringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
