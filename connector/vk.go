package connector

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// VK ID (https://id.vk.com/about/business/go/docs/ru/vkid/latest/vk-id/connection/api-integration/api-description):
// OAuth 2.1 with mandatory PKCE at id.vk.com. Its quirks: the callback
// carries a device_id that the code exchange must send back, the token
// request carries a state of its own, and the profile comes from a POST to
// oauth2/user_info.
const vkBase = "https://id.vk.com"

type vkConnector struct{ *base }

func newVK(b *base) *vkConnector { return &vkConnector{b} }

func (c *vkConnector) Start(_ context.Context, r StartRequest) (string, error) {
	p := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.cfg.ClientID},
		"redirect_uri":          {r.RedirectURI},
		"state":                 {r.State},
		"code_challenge":        {S256(r.Verifier)},
		"code_challenge_method": {"S256"},
		"scope":                 {strings.Join(c.scopes("vkid.personal_info", "email", "phone"), " ")},
	}
	if r.Lang == "en" {
		p.Set("lang_id", "3") // VK's language ids: 0 Russian, 3 English
	}
	return authURL(c.endpoint(c.cfg.AuthURL, vkBase, "/authorize"), p)
}

func (c *vkConnector) Callback(ctx context.Context, r CallbackRequest) (*Identity, error) {
	code, err := c.checkReturn(r)
	if err != nil {
		return nil, err
	}
	deviceID := r.Query.Get("device_id")
	if deviceID == "" {
		return nil, c.fail(KindInvalid, "the callback has no device_id")
	}
	state := newUUID()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {r.Verifier},
		"client_id": {c.cfg.ClientID}, "device_id": {deviceID}, "redirect_uri": {r.RedirectURI}, "state": {state}}
	if c.secret != "" {
		form.Set("client_secret", c.secret)
	}
	var tok tokenResponse
	if err := postForm(ctx, c.hc, c.cfg.ID, c.endpoint(c.cfg.TokenURL, vkBase, "/oauth2/auth"), form, nil, &tok); err != nil {
		return nil, err
	}
	if err := tok.check(c.cfg.ID); err != nil {
		return nil, err
	}
	if tok.State != "" && tok.State != state {
		return nil, c.fail(KindInvalid, "the token answer's state is not the request's")
	}
	var raw map[string]any
	form = url.Values{"client_id": {c.cfg.ClientID}, "access_token": {tok.AccessToken}}
	if err := postForm(ctx, c.hc, c.cfg.ID, c.endpoint(c.cfg.UserinfoURL, vkBase, "/oauth2/user_info"), form, nil, &raw); err != nil {
		return nil, err
	}
	id, err := parseVK(raw)
	if err != nil {
		return nil, c.fail(KindInvalid, "oauth2/user_info: %w", err)
	}
	if want := claimString(tok.UserID); want != "" && want != id.Subject {
		return nil, c.fail(KindInvalid, "user_info is about user %s, the token about %s", id.Subject, want)
	}
	id.Provider = c.cfg.ID
	id.ACR = c.acr(false)
	return id, nil
}

// vkUserInfo is oauth2/user_info's answer.
type vkUserInfo struct {
	User *struct {
		UserID    flexString `json:"user_id"`
		FirstName string     `json:"first_name"`
		LastName  string     `json:"last_name"`
		Phone     string     `json:"phone"`
		Email     string     `json:"email"`
	} `json:"user"`
	Error string `json:"error"`
}

// parseVK reads the profile. VK ID's phone is the account's login, confirmed
// by a code and re-checked ("номер телефона регулярно верифицируется"), so it
// is marked verified; the email is not.
func parseVK(raw map[string]any) (*Identity, error) {
	b, _ := json.Marshal(raw)
	var in vkUserInfo
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	if in.User == nil || in.User.UserID == "" {
		return nil, errNoSubject
	}
	u := in.User
	id := &Identity{Subject: string(u.UserID), FirstName: u.FirstName, LastName: u.LastName,
		Email: strings.TrimSpace(u.Email), Phone: normalizePhone(u.Phone), Raw: raw}
	id.PhoneVerified = id.Phone != ""
	return id, nil
}
