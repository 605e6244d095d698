package connector

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Госуслуги (ESIA), per "Методические рекомендации по использованию ЕСИА"
// (digital.gov.ru): the authorization code at /aas/oauth2/v2/ac, the tokens
// at /aas/oauth2/v3/te, both requests signed with the system's GOST key
// (client_secret) and naming its certificate (client_certificate_hash); the
// ID token signed by ESIA's key; the person from the REST API.
const (
	esiaBase = "https://esia.gosuslugi.ru"
	// DefaultESIAIssuer is the iss of production ESIA's ID tokens; the test
	// environment's is http://esia-portal1.test.gosuslugi.ru/ (set issuer).
	DefaultESIAIssuer = "http://esia.gosuslugi.ru/"
	esiaAuthPath      = "/aas/oauth2/v2/ac"
	esiaTokenPath     = "/aas/oauth2/v3/te"
	// esiaTimestamp is the methodology's timestamp form: "2026.12.05 21:04:05 +0000".
	esiaTimestamp = "2006.01.02 15:04:05 -0700"
)

// esiaDefaultScopes: the person's names, SNILS, contacts, and the
// organisations where they work (usr_org), which the system must be granted.
var esiaDefaultScopes = []string{"openid", "fullname", "snils", "email", "mobile"}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

type esiaConnector struct {
	*base
	signer *esiaSigner
	key    *esiaTokenKey
}

func newESIA(b *base) (*esiaConnector, error) {
	s, err := loadESIASigner(b.cfg)
	if err != nil {
		return nil, err
	}
	k, err := loadESIACert(b.cfg.ProviderCertFile)
	if err != nil {
		return nil, err
	}
	return &esiaConnector{base: b, signer: s, key: k}, nil
}

func (c *esiaConnector) scope() string {
	return strings.Join(c.scopes(esiaDefaultScopes...), " ")
}

func (c *esiaConnector) issuer() string {
	if c.cfg.Issuer != "" {
		return c.cfg.Issuer
	}
	return DefaultESIAIssuer
}

func (c *esiaConnector) accessType() string {
	if c.cfg.AccessType != "" {
		return c.cfg.AccessType
	}
	return "online"
}

func (c *esiaConnector) Start(_ context.Context, r StartRequest) (string, error) {
	// ESIA refuses a state that is not a UUID; NewFlowSecrets makes one.
	if !uuidPattern.MatchString(r.State) {
		return "", c.fail(KindConfig, "ESIA needs a UUID state, not %q", r.State)
	}
	scope, ts := c.scope(), c.now().Format(esiaTimestamp)
	secret, err := c.signer.secret(c.cfg.ClientID, scope, ts, r.State, r.RedirectURI)
	if err != nil {
		return "", c.fail(KindConfig, "client_secret: %w", err)
	}
	p := url.Values{
		"client_id":               {c.cfg.ClientID},
		"client_secret":           {secret},
		"redirect_uri":            {r.RedirectURI},
		"scope":                   {scope},
		"response_type":           {"code"},
		"state":                   {r.State},
		"timestamp":               {ts},
		"access_type":             {c.accessType()},
		"client_certificate_hash": {c.signer.hash},
	}
	// The nonce is OpenID Connect's; it is not in the signed string, and a
	// token that carries one must carry the flow's.
	if r.Nonce != "" {
		p.Set("nonce", r.Nonce)
	}
	return authURL(c.endpoint(c.cfg.AuthURL, esiaBase, esiaAuthPath), p)
}

// esiaConfigErrors: ESIA answers access_denied both when the person refuses
// (ESIA-007004) and when it refuses Vhod's signature or registration
// (client secret wrong, parameter missing, client not allowed); the latter
// are the operator's to fix, not the person's choice.
var esiaConfigErrors = []string{"ESIA-007005", "ESIA-007011", "ESIA-007014", "ESIA-007053"}

func (c *esiaConnector) Callback(ctx context.Context, r CallbackRequest) (*Identity, error) {
	code, err := c.checkReturn(r)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code != "" {
			desc := r.Query.Get("error_description")
			for _, ec := range esiaConfigErrors {
				if strings.HasPrefix(desc, ec) {
					e.Kind, e.Code = KindConfig, ec
				}
			}
		}
		return nil, err
	}
	tok, err := c.exchange(ctx, code, r.RedirectURI)
	if err != nil {
		return nil, err
	}
	t, err := parseJWT(tok.IDToken)
	if err != nil {
		return nil, c.fail(KindInvalid, "ID token: %w", err)
	}
	if err := c.key.verify(t); err != nil {
		return nil, c.fail(KindInvalid, "ID token signature: %w", err)
	}
	// ESIA may not echo the nonce (it is not in the methodology's parameter
	// list); when it does, it must be the flow's.
	if err := t.checkClaims(c.issuer(), c.cfg.ClientID, r.Nonce, true, c.now()); err != nil {
		return nil, c.fail(KindInvalid, "ID token: %w", err)
	}
	oid := esiaOID(t.Claims)
	if oid == "" || strings.ContainsAny(oid, "/?#.") {
		return nil, c.fail(KindInvalid, "ID token: no usable urn:esia:sbj_id")
	}
	id, err := c.person(ctx, tok.AccessToken, oid)
	if err != nil {
		return nil, err
	}
	id.Raw["id_token"] = t.Claims
	if sbj, ok := t.Claims["urn:esia:sbj"].(map[string]any); ok && claimBool(sbj["urn:esia:sbj:is_tru"]) {
		id.Confirmed = true
	}
	id.ACR = c.acr(id.Confirmed)
	if amr := claimString(t.Claims["amr"]); amr != "" {
		id.AMR = []string{strings.ToLower(amr)}
	}
	if c.accessType() == "offline" {
		id.RefreshToken = tok.RefreshToken
	}
	return id, nil
}

// exchange trades the code at v3/te: a fresh state and timestamp, signed
// with the code appended.
func (c *esiaConnector) exchange(ctx context.Context, code, redirectURI string) (*tokenResponse, error) {
	scope, ts, state := c.scope(), c.now().Format(esiaTimestamp), newUUID()
	secret, err := c.signer.secret(c.cfg.ClientID, scope, ts, state, redirectURI, code)
	if err != nil {
		return nil, c.fail(KindConfig, "client_secret: %w", err)
	}
	form := url.Values{
		"client_id":               {c.cfg.ClientID},
		"code":                    {code},
		"grant_type":              {"authorization_code"},
		"client_secret":           {secret},
		"state":                   {state},
		"redirect_uri":            {redirectURI},
		"scope":                   {scope},
		"timestamp":               {ts},
		"token_type":              {"Bearer"},
		"client_certificate_hash": {c.signer.hash},
	}
	var tok tokenResponse
	if err := postForm(ctx, c.hc, c.cfg.ID, c.endpoint(c.cfg.TokenURL, esiaBase, esiaTokenPath), form, nil, &tok); err != nil {
		return nil, err
	}
	if err := tok.check(c.cfg.ID); err != nil {
		return nil, err
	}
	if tok.State != state {
		return nil, c.fail(KindInvalid, "the token answer's state is not the request's")
	}
	if tok.IDToken == "" {
		return nil, c.fail(KindInvalid, "the token answer has no id_token")
	}
	return &tok, nil
}

// esiaOID is the person's oid: urn:esia:sbj_id (a number), else the
// urn:esia:sbj object's oid, else sub.
func esiaOID(claims map[string]any) string {
	if s := claimString(claims["urn:esia:sbj_id"]); s != "" {
		return s
	}
	if sbj, ok := claims["urn:esia:sbj"].(map[string]any); ok {
		if s := claimString(sbj["urn:esia:sbj:oid"]); s != "" {
			return s
		}
	}
	return claimString(claims["sub"])
}

// person reads the REST API: the person always, contacts when an email or
// mobile scope was asked, organisations when usr_org was.
func (c *esiaConnector) person(ctx context.Context, accessToken, oid string) (*Identity, error) {
	api := c.endpoint("", esiaBase, "/rs/prns/"+oid)
	bearer := "Bearer " + accessToken
	body, err := get(ctx, c.hc, c.cfg.ID, api, bearer, nil)
	if err != nil {
		return nil, err
	}
	p, raw, err := parseESIAPerson(body)
	if err != nil {
		return nil, c.fail(KindUnavailable, "%w", err)
	}
	id := &Identity{Provider: c.cfg.ID, Subject: oid, LastName: p.LastName, FirstName: p.FirstName,
		MiddleName: p.MiddleName, SNILS: digits(p.SNILS), INN: digits(p.INN), Confirmed: p.Trusted,
		Raw: map[string]any{"person": raw}}
	scopes := c.scopes(esiaDefaultScopes...)
	if slices.Contains(scopes, "email") || slices.Contains(scopes, "mobile") || slices.Contains(scopes, "contacts") {
		body, err := get(ctx, c.hc, c.cfg.ID, api+"/ctts?embed=(elements)", bearer, nil)
		if err != nil {
			return nil, err
		}
		if err := applyESIAContacts(id, body); err != nil {
			return nil, c.fail(KindUnavailable, "%w", err)
		}
	}
	if slices.Contains(scopes, "usr_org") {
		body, err := get(ctx, c.hc, c.cfg.ID, api+"/orgs?embed=(elements)", bearer, nil)
		if err != nil {
			return nil, err
		}
		if id.Organisations, err = parseESIAOrgs(body); err != nil {
			return nil, c.fail(KindUnavailable, "%w", err)
		}
	}
	return id, nil
}
