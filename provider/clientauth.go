package provider

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/mtls"
	"github.com/vhod-id/vhod/provider/respond"
	"github.com/vhod-id/vhod/storage"
)

// Client authentication is Vhod's, for every method and every endpoint that
// takes it (token, introspection, revocation, device authorization, PAR), and
// it comes before anything is spent. op authenticates the client only after
// it has looked up — and with Vhod's storage consumed — the code, and knows
// neither the TLS methods nor replay protection of client assertions. So the
// layer here authenticates the client, checks what it may ask for, and hands
// the request on to op as if by HTTP Basic with an empty secret, which
// checkSecret accepts only for the client this very request authenticated.

// clientAuthParams are how a client authenticates; they are not part of the
// request that op or a pushed request keeps.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// authFailure is a refused client authentication: RFC 6749 section 5.2's
// invalid_client, answered 401 (with a Basic challenge when the client tried
// Basic).
type authFailure struct {
	err   *oidc.Error
	basic bool
}

// clientAuth authenticates the client of a POST ahead of op (see above).
func (p *Provider) clientAuth(next http.Handler) http.Handler {
	return p.tlsCertificate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := holder(r.Context())
		respond.NoStore(w)
		if r.Method != http.MethodPost {
			// RFC 6749 section 3.2, RFC 7009 section 2.1, RFC 7662 section 2.1,
			// RFC 8628 section 3.1, RFC 9126 section 2: POST only. op would take a
			// GET with the parameters in the query, past this layer.
			w.Header().Set("Allow", http.MethodPost)
			respond.OAuthError(w, http.StatusMethodNotAllowed, oidc.ErrInvalidRequest().WithDescription("use POST"), false)
			return
		}
		if err := parseForm(r); err != nil {
			respond.OAuthError(w, http.StatusBadRequest, oidc.ErrInvalidRequest().WithDescription("the form cannot be read"), false)
			return
		}
		if e := singleParameters(r); e != nil {
			respond.OAuthError(w, http.StatusBadRequest, e, false)
			return
		}
		// Every layer below, op included, reads the same single copy of each
		// parameter: the body's.
		r.Form = r.PostForm
		if op.IssuerFromContext(r.Context()) != p.cfg.Issuer { // errors set it (withRequestClient)
			r = r.WithContext(op.ContextWithIssuer(r.Context(), p.cfg.Issuer))
		}
		c, fail := p.authenticateClient(r)
		if fail != nil {
			respond.OAuthError(w, respond.Status(fail.err), fail.err, fail.basic)
			return
		}
		h.authenticated = c.c.ID
		for _, k := range clientAuthParams {
			r.PostForm.Del(k)
			r.Form.Del(k)
		}
		if c.c.Public {
			// op takes a public client by its client_id (and refuses one that
			// claims to have authenticated).
			r.Header.Del("Authorization")
			r.PostForm.Set("client_id", c.c.ID)
			r.Form.Set("client_id", c.c.ID)
		} else {
			c.ahead = true
			r.Header["Authorization"] = p.opBasic.of(c.c.ID)
		}
		if r.PostForm.Get("grant_type") == string(oidc.GrantTypeTokenExchange) {
			h.rawToken = r.PostForm.Get("subject_token") // op passes on only the token's ID
		}
		if r.URL.Path == "/oauth/token" {
			h.tokenForm = r.PostForm
			if e := p.checkTokenRequest(c, r.PostForm); e != nil {
				respond.OAuthError(w, respond.Status(e), e, false)
				return
			}
		}
		next.ServeHTTP(w, r)
	}))
}

// repeatable are the parameters a request may carry more than once (RFC 8693
// section 2.1: audience and resource).
var repeatable = []string{"audience", "resource"}

// singleParameters refuses parameters in the query of a POST and parameters
// given twice (RFC 6749 section 3.1): layers that read the first copy and op,
// which reads the last, would otherwise check different values.
func singleParameters(r *http.Request) *oidc.Error {
	if r.URL.RawQuery != "" {
		return oidc.ErrInvalidRequest().WithDescription("parameters go in the body, not the URL")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 && !slices.Contains(repeatable, k) {
			return oidc.ErrInvalidRequest().WithDescription("parameter %s is given more than once", k)
		}
	}
	return nil
}

// authenticateClient finds the client of a request and checks its proof:
// a secret (Basic or form), a signed assertion, a TLS client certificate, or,
// for a public client only, its client_id alone. RFC 6749 section 2.3: one
// method per request.
func (p *Provider) authenticateClient(r *http.Request) (*client, *authFailure) {
	ctx := r.Context()
	form := r.PostForm
	basicID, basicSecret, basic := r.BasicAuth()
	assertion := form.Get("client_assertion")
	formSecret := form.Get("client_secret")
	methods := 0
	for _, used := range []bool{basic, assertion != "", formSecret != ""} {
		if used {
			methods++
		}
	}
	if methods > 1 {
		return nil, &authFailure{err: oidc.ErrInvalidRequest().WithDescription("the client must authenticate with one method only"), basic: basic}
	}
	refuse := func(id, method, reason string) *authFailure {
		p.refuseClient(ctx, id, method, reason)
		return &authFailure{err: oidc.ErrInvalidClient().WithDescription("%s", reason), basic: basic}
	}
	if assertion != "" {
		c, err := p.verifyClientAssertion(r, form)
		if err != nil {
			if ae := (*assertionError)(nil); errors.As(err, &ae) {
				return nil, refuse(form.Get("client_id"), string(oidc.AuthMethodPrivateKeyJWT), ae.msg)
			}
			return nil, &authFailure{err: p.storage.serverError(ctx, err)}
		}
		return c, nil
	}
	id, secret, method := form.Get("client_id"), formSecret, string(oidc.AuthMethodPost)
	if basic {
		// RFC 6749 section 2.3.1: both parts are form-encoded first.
		var err1, err2 error
		id, err1 = url.QueryUnescape(basicID)
		secret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			return nil, refuse(basicID, string(oidc.AuthMethodBasic), "the Basic credentials are not form-encoded")
		}
		if fid := form.Get("client_id"); fid != "" && fid != id {
			return nil, refuse(id, string(oidc.AuthMethodBasic), "client_id differs from the authenticated client")
		}
		method = string(oidc.AuthMethodBasic)
	}
	if id == "" {
		return nil, &authFailure{err: oidc.ErrInvalidClient().WithDescription("the client is not named: send client_id or authenticate")}
	}
	c, err := p.storage.loadClient(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, refuse(id, method, "unknown client or wrong credentials")
	}
	if err != nil {
		return nil, &authFailure{err: p.storage.serverError(ctx, err)}
	}
	switch {
	case mtls.IsMethod(c.c.AuthMethod):
		if secret != "" || basic {
			return nil, refuse(id, c.c.AuthMethod, "this client authenticates with its TLS client certificate")
		}
		h := holder(ctx)
		if err := mtls.CheckClient(ctx, c.c, h.cert, h.certChain, p.cfg.VerifyCertificate, p.cfg.Logger); err != nil {
			return nil, refuse(id, c.c.AuthMethod, err.Error())
		}
	case c.c.Public:
		// A public client has no secret (RFC 6749 section 2.1); its code is bound
		// by PKCE. Libraries that send Basic with an empty secret are let through.
		if secret != "" {
			return nil, refuse(id, "none", "a public client has no secret")
		}
	case c.c.AuthMethod == string(oidc.AuthMethodPrivateKeyJWT):
		return nil, refuse(id, method, "this client authenticates with a signed client assertion (private_key_jwt)")
	default:
		if secret == "" {
			return nil, refuse(id, method, "client authentication is required")
		}
		if _, err := p.storage.checkSecret(ctx, id, secret); err != nil {
			return nil, refuse(id, method, "unknown client or wrong credentials")
		}
	}
	return c, nil
}

// checkTokenRequest checks, before op spends anything, that the grant is one
// of the authenticated client's own (RFC 6749 section 5.2, unauthorized_client).
// A code is checked against its request where it is spent (see codeCheck).
func (p *Provider) checkTokenRequest(c *client, form url.Values) *oidc.Error {
	grant := form.Get("grant_type")
	if slices.Contains(supportedGrants, oidc.GrantType(grant)) && !slices.Contains(c.c.GrantTypes, grant) {
		return oidc.ErrUnauthorizedClient().WithDescription("this client may not use the %s grant", grant)
	}
	return nil
}

// supportedGrants are the grants Vhod offers; a client must list the one it uses.
var supportedGrants = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials,
	oidc.GrantTypeDeviceCode, oidc.GrantTypeTokenExchange}
