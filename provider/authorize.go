package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/clientjwt"
	"github.com/vhod-id/vhod/storage"
)

// Error codes op has no constructor for.
const (
	// errUnsupportedResponseType: RFC 6749 §4.1.2.1.
	errUnsupportedResponseType = "unsupported_response_type"
	// errInvalidRequestURI and errRequestURINotSupported: RFC 9101 §7
	// (OIDC Core §3.1.2.6 names them too).
	errInvalidRequestURI      = "invalid_request_uri"
	errRequestURINotSupported = "request_uri_not_supported"
	// errAccountSelectionRequired: OIDC Core §3.1.2.6.
	errAccountSelectionRequired = "account_selection_required"
)

// authorizeFront stands in front of op's /authorize and decides who hears of
// a refusal (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6). Until the client and its
// redirect URI are known good (a missing or unknown client_id, a missing or
// unregistered redirect_uri) the person reads Vhod's page and the browser goes
// nowhere: a redirect then could lead anywhere. From then on every refusal goes
// back to the client's redirect URI, with its state, in the response mode it
// asked for. It also replaces a request that arrives by reference (a
// request_uri of the PAR endpoint) or as a signed request object by the
// parameters it stands for, so that op sees a plain request, and checks
// everything op would refuse, so that op's own error answers (always by query,
// never by form post) are not needed.
func (p *Provider) authorizeFront(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			// An over-long body (maxAuthorizeBody) lands here too.
			p.cfg.ErrorPage(w, r, PageError{Status: http.StatusBadRequest, Detail: "authorize: unreadable form: " + err.Error()})
			return
		}
		// RFC 6749 §3.1: a parameter may be sent once. Layers that read the
		// first copy and op, which reads the last, would otherwise check one
		// value and act on another. Without one client and one redirect URI
		// there is nobody to send the error back to.
		dup := repeatedParam(r.Form)
		if dup == "client_id" || dup == "redirect_uri" {
			p.cfg.ErrorPage(w, r, PageError{Status: http.StatusBadRequest, Detail: "authorize: " + dup + " given more than once"})
			return
		}
		ctx := r.Context()
		c, perr := p.authorizeClient(ctx, r.Form.Get("client_id"))
		if perr != nil {
			p.cfg.ErrorPage(w, r, *perr)
			return
		}
		back, ok := p.answerTo(c, r.Form)
		params, e, err := p.requestParams(ctx, c, r.Form)
		if err != nil {
			p.cfg.ErrorPage(w, r, PageError{Status: storageStatus(err), Detail: "authorize: " + err.Error()})
			return
		}
		if dup != "" && e == nil {
			e = oidc.ErrInvalidRequest().WithDescription("parameter %s is given more than once", dup)
		}
		replaced := params != nil
		if replaced {
			back, ok = p.answerTo(c, params)
		} else {
			params = r.Form
		}
		if !ok {
			detail := "authorize: redirect_uri missing or not registered for client " + c.c.ID
			if e != nil {
				detail += "; and " + e.Error()
			}
			// The page may lead back to the client: it is registered, and
			// the link goes to one of its registered URIs, never to this one.
			p.cfg.ErrorPage(w, r, PageError{Status: http.StatusBadRequest, Reason: ReasonBadRedirectURI, ClientID: c.c.ID, Detail: detail})
			return
		}
		if e == nil {
			e = p.checkAuthorize(ctx, c, params)
		}
		if e != nil {
			p.authError(w, r, back, e)
			return
		}
		if !replaced {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(ctx)
		r2.Method, r2.Body, r2.ContentLength = http.MethodGet, http.NoBody, 0
		r2.Header.Del("Content-Type")
		r2.URL.RawQuery, r2.Form, r2.PostForm = params.Encode(), nil, nil
		next.ServeHTTP(w, r2)
	})
}

// repeatedParam names a parameter given more than once (the first in
// alphabetical order, so that the answer does not vary), or "".
func repeatedParam(q url.Values) string {
	dup := ""
	for k, v := range q {
		if len(v) > 1 && (dup == "" || k < dup) {
			dup = k
		}
	}
	return dup
}

// authorizeClient loads the client of an authorization request, or says which
// page to show instead.
func (p *Provider) authorizeClient(ctx context.Context, id string) (*client, *PageError) {
	if id == "" {
		return nil, &PageError{Status: http.StatusBadRequest, Detail: "authorize: no client_id"}
	}
	c, err := p.storage.loadClient(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &PageError{Status: http.StatusBadRequest, Reason: ReasonUnknownClient, Detail: "authorize: unknown client " + id}
	}
	if err != nil {
		return nil, &PageError{Status: storageStatus(err), Detail: "authorize: client: " + err.Error()}
	}
	return c, nil
}

// answerTo is where an answer to these parameters may go: their redirect_uri
// when it is registered for the client (as op checks it for a code response,
// the only one Vhod gives), by form post when they ask for it and it is
// usable, else by query. ok is false when there is no such redirect URI.
func (p *Provider) answerTo(c *client, q url.Values) (answer, bool) {
	uri := q.Get("redirect_uri")
	if uri == "" || op.ValidateAuthReqRedirectURI(c, uri, oidc.ResponseTypeCode) != nil {
		return answer{}, false
	}
	a := answer{redirectURI: uri, state: answerState(q), clientID: c.c.ID}
	a.formPost = q.Get("response_mode") == string(oidc.ResponseModeFormPost) && p.formPostUsable(uri)
	return a, true
}

// formPostUsable: the form post response mode needs a page that renders it and
// a web address to post to (a form cannot post to an app's private scheme).
func (p *Provider) formPostUsable(uri string) bool {
	return p.cfg.FormPost != nil && (strings.HasPrefix(uri, "https://") || strings.HasPrefix(uri, "http://"))
}

// requestParams is the request's real parameters (nil: the request as it came),
// or the refusal to send the client, or an error of the database.
func (p *Provider) requestParams(ctx context.Context, c *client, q url.Values) (url.Values, *oidc.Error, error) {
	uri, raw := q.Get("request_uri"), q.Get("request")
	if uri != "" && raw != "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("request and request_uri must not both be present"), nil
	}
	if uri != "" {
		// RFC 9126 §4: request_uri comes from the PAR endpoint; Vhod fetches none
		// from elsewhere (RFC 9101 §6.2: request_uri_not_supported).
		id, ok := strings.CutPrefix(uri, requestURIPrefix)
		if !ok {
			return nil, oauthError(errRequestURINotSupported, "only request_uri values of the PAR endpoint are accepted"), nil
		}
		// Taken only by the client that pushed it: a request naming another
		// client leaves the request_uri to its own.
		pr, err := p.storage.store.TakePushedRequest(ctx, id, c.c.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, oauthError(errInvalidRequestURI, "the request_uri is unknown, used, expired or another client's"), nil
		}
		if err != nil {
			return nil, nil, err
		}
		return url.Values(pr.Params), nil, nil
	}
	if c.c.RequirePAR {
		return nil, oidc.ErrInvalidRequest().WithDescription("this client must push its authorization requests to the PAR endpoint"), nil
	}
	if raw == "" {
		return nil, nil, nil
	}
	params, err := clientjwt.OpenRequestObject(c.c.JWKS, c.c.ID, p.cfg.Issuer, raw, time.Now())
	if err != nil {
		return nil, oauthError(errInvalidRequestObject, err.Error()), nil
	}
	params.Set("client_id", c.c.ID)
	return params, nil, nil
}

// checkAuthorize refuses what Vhod does not do, and what op would refuse, so
// that every refusal goes back by the requested response mode.
func (p *Provider) checkAuthorize(ctx context.Context, c *client, q url.Values) *oidc.Error {
	// Sizes first: nothing oversized is parsed, verified or stored.
	if e := checkParamSizes(q); e != nil {
		return e
	}
	switch mode := q.Get("response_mode"); mode {
	case "", string(oidc.ResponseModeQuery):
	case string(oidc.ResponseModeFormPost):
		if !p.formPostUsable(q.Get("redirect_uri")) {
			return oidc.ErrInvalidRequest().WithDescription("response_mode form_post needs an http(s) redirect_uri")
		}
	default:
		return oidc.ErrInvalidRequest().WithDescription("response_mode %q is not supported; use query or form_post", mode)
	}
	req := new(oidc.AuthRequest)
	if err := p.op.Decoder().Decode(req, q); err != nil {
		return oidc.ErrInvalidRequest().WithDescription("the request's parameters cannot be read").WithParent(err)
	}
	switch {
	case req.RequestParam != "":
		return oidc.ErrRequestNotSupported().WithDescription("a request object may not hold another")
	case req.ResponseType == "":
		return oidc.ErrInvalidRequest().WithDescription("response_type is missing")
	case req.ResponseType != oidc.ResponseTypeCode:
		return oauthError(errUnsupportedResponseType, "only response_type=code is supported")
	case len(req.Scopes) == 0:
		// RFC 6749 §3.3: without a default scope the request fails as invalid_scope.
		return oidc.ErrInvalidScope().WithDescription("scope is missing")
	case !slices.Contains(req.Scopes, oidc.ScopeOpenID):
		// OIDC Core §3.1.2.1: an OpenID request must hold openid; Vhod serves no other.
		return oidc.ErrInvalidScope().WithDescription("scope must contain openid")
	case req.CodeChallenge == "" && c.c.Public:
		return oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	case req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if _, err := op.ValidateAuthReqPrompt(req.Prompt, req.MaxAge); err != nil {
		return oidc.DefaultToServerError(err, "prompt")
	}
	ctx = op.ContextWithIssuer(ctx, p.cfg.Issuer)
	if _, err := op.ValidateAuthReqIDTokenHint(ctx, req.IDTokenHint, p.op.IDTokenHintVerifier(ctx)); err != nil {
		return oidc.DefaultToServerError(err, "id_token_hint")
	}
	return nil
}

// answer is where an authorization answer goes: a registered redirect URI, by
// query or form post, with the request's state.
type answer struct {
	redirectURI, state, clientID string
	formPost                     bool
}

// answerOf is where the answer to a stored auth request goes.
func (p *Provider) answerOf(r storage.AuthRequest) answer {
	return answer{redirectURI: r.RedirectURI, state: r.State, clientID: r.ClientID,
		formPost: r.ResponseMode == string(oidc.ResponseModeFormPost) && p.formPostUsable(r.RedirectURI)}
}

// authError sends a refusal back to the client (RFC 6749 §4.1.2.1): error,
// error_description and state. No iss: op sends none with a code either, and
// discovery does not announce RFC 9207.
func (p *Provider) authError(w http.ResponseWriter, r *http.Request, a answer, e *oidc.Error) {
	p.cfg.Logger.InfoContext(r.Context(), "authorization refused", "client_id", a.clientID, "error", string(e.ErrorType),
		"description", e.Description, "err", e.Parent)
	v := url.Values{"error": {string(e.ErrorType)}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	if a.state != "" {
		v.Set("state", a.state)
	}
	p.answer(w, r, a, v)
}

// answer delivers an authorization response (success or error) by the answer's
// mode: by form post (a page of Vhod's that posts it to the client) or in the
// redirect URI's query.
func (p *Provider) answer(w http.ResponseWriter, r *http.Request, a answer, v url.Values) {
	if a.formPost {
		p.cfg.FormPost(w, r, a.redirectURI, v)
		return
	}
	u, err := url.Parse(a.redirectURI)
	if err != nil { // registered URIs parse; this is a safeguard
		p.cfg.ErrorPage(w, r, PageError{Status: http.StatusInternalServerError, Detail: "authorize: redirect_uri unparsable: " + err.Error()})
		return
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// serveCallback is op's /authorize/callback with the answer delivered as the
// request asked: op's own form post page has inline script, which Vhod's CSP
// forbids, and op sends errors by query whatever the mode. It gives a request's
// code once (see SaveAuthCode); a second visit sends the client an error.
func (p *Provider) serveCallback(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), p.cfg.Issuer)
	r = r.WithContext(ctx)
	id := r.URL.Query().Get("id")
	if id == "" {
		http.Error(w, "auth request callback is missing id", http.StatusBadRequest)
		return
	}
	req, err := p.storage.AuthRequestByID(ctx, id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ar := req.(*authRequest)
	a := p.answerOf(ar.r)
	if !ar.Done() {
		p.authError(w, r, a, oidc.ErrInteractionRequired().WithDescription("the sign-in was not completed"))
		return
	}
	ctx = context.WithValue(ctx, answeringKey{}, ar.r)
	resp, err := op.BuildAuthResponseCodeResponsePayload(ctx, req, p.op)
	if err != nil {
		// A fault of ours (the database) shows our page, and the person may try
		// the callback again; a refusal goes to the client.
		var e *oidc.Error
		if !errors.As(err, &e) || e.ErrorType == oidc.ServerError {
			http.Error(w, "authorize callback: "+err.Error(), http.StatusInternalServerError)
			return
		}
		p.authError(w, r, a, e)
		return
	}
	v := url.Values{"code": {resp.Code}}
	if resp.State != "" {
		v.Set("state", resp.State)
	}
	p.answer(w, r, a, v)
}
