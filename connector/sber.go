package connector

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Сбер ID (https://developers.sber.ru/docs/ru/sberid/): an OpenID Connect
// profile with its own endpoints and requirements: nonce and state are
// mandatory, each back-channel request carries a request id (rquid, 32 hex
// digits), the token and userinfo endpoints take the partner's TLS client
// certificate (tls_cert_file), and userinfo wants x-ibm-client-id.
const (
	sberAuthURL      = "https://online.sberbank.ru/CSAFront/oidc/authorize.do"
	sberAPIBase      = "https://oauth.sber.ru"
	sberTokenPath    = "/ru/prod/tokens/v2/oidc"
	sberUserinfoPath = "/ru/prod/sberbankid/v2.1/userinfo"
)

type sberConnector struct{ *base }

func newSber(b *base) *sberConnector { return &sberConnector{b} }

func (c *sberConnector) Start(_ context.Context, r StartRequest) (string, error) {
	p := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.cfg.ClientID},
		"redirect_uri":          {r.RedirectURI},
		"scope":                 {strings.Join(c.scopes("openid", "name", "email", "mobile"), " ")},
		"state":                 {r.State},
		"nonce":                 {r.Nonce},
		"code_challenge":        {S256(r.Verifier)},
		"code_challenge_method": {"S256"},
	}
	// The authorization page is on another host than the API, so base_url
	// does not move it; auth_url does.
	ep := c.cfg.AuthURL
	if ep == "" {
		ep = sberAuthURL
	}
	return authURL(c.endpoint(ep, sberAPIBase, ""), p)
}

func rquid() string { return strings.ReplaceAll(newUUID(), "-", "") }

func (c *sberConnector) Callback(ctx context.Context, r CallbackRequest) (*Identity, error) {
	code, err := c.checkReturn(r)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {c.cfg.ClientID},
		"client_secret": {c.secret}, "redirect_uri": {r.RedirectURI}, "code_verifier": {r.Verifier}}
	var tok tokenResponse
	if err := postForm(ctx, c.hc, c.cfg.ID, c.endpoint(c.cfg.TokenURL, sberAPIBase, sberTokenPath), form,
		http.Header{"Rquid": {rquid()}}, &tok); err != nil {
		return nil, err
	}
	if err := tok.check(c.cfg.ID); err != nil {
		return nil, err
	}
	// The ID token came straight from Sber's token endpoint over TLS that
	// Vhod checked, authenticated by its client certificate: OIDC Core
	// §3.1.3.7 (6) lets TLS stand for the signature there (Sber signs with
	// keys it does not publish as JWKS). Its claims are checked all the same.
	t, err := parseJWT(tok.IDToken)
	if err != nil {
		return nil, c.fail(KindInvalid, "ID token: %w", err)
	}
	if err := t.checkClaims(c.cfg.Issuer, c.cfg.ClientID, r.Nonce, false, c.now()); err != nil {
		return nil, c.fail(KindInvalid, "ID token: %w", err)
	}
	var info map[string]any
	if err := getJSON(ctx, c.hc, c.cfg.ID, c.endpoint(c.cfg.UserinfoURL, sberAPIBase, sberUserinfoPath),
		"Bearer "+tok.AccessToken, http.Header{"X-Introspect-Rquid": {rquid()}, "X-Ibm-Client-Id": {c.cfg.ClientID}}, &info); err != nil {
		return nil, err
	}
	sub := claimString(t.Claims["sub"])
	if s := claimString(info["sub"]); s != "" && s != sub {
		return nil, c.fail(KindInvalid, "userinfo is about another subject")
	}
	for k, v := range t.Claims {
		if _, ok := info[k]; !ok {
			info[k] = v
		}
	}
	id := identityFromClaims(c.cfg.ID, info, c.cfg.Claims)
	if id.Subject == "" {
		return nil, c.fail(KindInvalid, "ID token: %w", errNoSubject)
	}
	id.ACR = c.acr(false)
	return id, nil
}
