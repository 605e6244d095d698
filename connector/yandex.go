package connector

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// Yandex ID (https://yandex.ru/dev/id/doc/): OAuth 2.0 with PKCE at
// oauth.yandex.ru, the person from login.yandex.ru/info. Yandex issues no ID
// token to web apps; the profile is read with the access token, over TLS,
// straight from Yandex.
const (
	yandexOAuthBase = "https://oauth.yandex.ru"
	yandexInfoURL   = "https://login.yandex.ru/info"
)

type yandexConnector struct{ *base }

func newYandex(b *base) *yandexConnector { return &yandexConnector{b} }

func (c *yandexConnector) Start(_ context.Context, r StartRequest) (string, error) {
	p := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.cfg.ClientID},
		"redirect_uri":          {r.RedirectURI},
		"state":                 {r.State},
		"code_challenge":        {S256(r.Verifier)},
		"code_challenge_method": {"S256"},
	}
	// Without scope Yandex grants what the app is registered for; a scope the
	// app lacks would fail the sign-in, so none is sent unless configured.
	if len(c.cfg.Scopes) > 0 {
		p.Set("scope", strings.Join(c.cfg.Scopes, " "))
	}
	return authURL(c.endpoint(c.cfg.AuthURL, yandexOAuthBase, "/authorize"), p)
}

func (c *yandexConnector) Callback(ctx context.Context, r CallbackRequest) (*Identity, error) {
	code, err := c.checkReturn(r)
	if err != nil {
		return nil, err
	}
	var tok tokenResponse
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {c.cfg.ClientID},
		"client_secret": {c.secret}, "code_verifier": {r.Verifier}}
	if err := postForm(ctx, c.hc, c.cfg.ID, c.endpoint(c.cfg.TokenURL, yandexOAuthBase, "/token"), form, nil, &tok); err != nil {
		return nil, err
	}
	if err := tok.check(c.cfg.ID); err != nil {
		return nil, err
	}
	var raw map[string]any
	info := c.endpoint(c.cfg.UserinfoURL, yandexOAuthBase, yandexInfoURL)
	if err := getJSON(ctx, c.hc, c.cfg.ID, info+"?format=json", "OAuth "+tok.AccessToken, nil, &raw); err != nil {
		return nil, err
	}
	id, err := parseYandex(raw)
	if err != nil {
		return nil, c.fail(KindInvalid, "login.yandex.ru/info: %w", err)
	}
	id.Provider = c.cfg.ID
	id.ACR = c.acr(false)
	id.RefreshToken = tok.RefreshToken
	return id, nil
}

// yandexInfo is login.yandex.ru/info's answer (format=json).
type yandexInfo struct {
	ID           flexString `json:"id"`
	Login        string     `json:"login"`
	FirstName    string     `json:"first_name"`
	LastName     string     `json:"last_name"`
	RealName     string     `json:"real_name"`
	DefaultEmail string     `json:"default_email"`
	DefaultPhone *struct {
		Number string `json:"number"`
	} `json:"default_phone"`
}

// parseYandex reads the profile. Yandex does not say whether an address or
// number was confirmed, so neither is marked verified: they are shown, and
// never used to link an existing account.
func parseYandex(raw map[string]any) (*Identity, error) {
	b, _ := json.Marshal(raw)
	var in yandexInfo
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	if in.ID == "" {
		return nil, errNoSubject
	}
	id := &Identity{Subject: string(in.ID), FirstName: in.FirstName, LastName: in.LastName, Name: in.RealName,
		Email: strings.TrimSpace(in.DefaultEmail), Raw: raw}
	if in.DefaultPhone != nil {
		id.Phone = normalizePhone(in.DefaultPhone.Number)
	}
	return id, nil
}
