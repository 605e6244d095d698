package provider

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/clientjwt"
	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/storage"
)

// requestURIPrefix starts every request_uri the PAR endpoint hands out (RFC 9126 §2.2).
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// PushedRequestLifetime is how long a request_uri may be used (once).
const PushedRequestLifetime = 60 * time.Second

// servePAR is the pushed authorization request endpoint (RFC 9126): the client
// authenticates as at the token endpoint, the request (or its request object) is
// checked as /authorize would, and kept for 60 s under a request_uri.
func (p *Provider) servePAR(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx := r.Context()
	c, err := p.storage.loadClient(ctx, holder(ctx).authenticated) // clientAuth authenticated it
	if err != nil {
		op.RequestError(w, r, p.storage.notFoundAs(ctx, err, oidc.ErrInvalidClient()), p.cfg.Logger)
		return
	}
	params := url.Values{}
	for k, v := range r.PostForm {
		if !slices.Contains(clientAuthParams, k) {
			params[k] = v
		}
	}
	if params.Has("request_uri") {
		op.RequestError(w, r, oidc.ErrInvalidRequest().WithDescription("request_uri is not allowed in a pushed request"), p.cfg.Logger)
		return
	}
	if raw := params.Get("request"); raw != "" {
		if params, err = clientjwt.OpenRequestObject(c.c.JWKS, c.c.ID, p.cfg.Issuer, raw, time.Now()); err != nil {
			op.RequestError(w, r, oauthError(errInvalidRequestObject, err.Error()), p.cfg.Logger)
			return
		}
	}
	params.Set("client_id", c.c.ID)
	if e := checkPushed(c, params); e != nil {
		op.RequestError(w, r, e, p.cfg.Logger)
		return
	}
	id, err := randomToken()
	if err != nil {
		op.RequestError(w, r, p.storage.serverError(ctx, err), p.cfg.Logger)
		return
	}
	pr := storage.PushedRequest{ID: id, ClientID: c.c.ID, Params: params, ExpiresAt: time.Now().Add(PushedRequestLifetime).UTC()}
	if err := p.storage.store.PushRequest(ctx, pr); err != nil {
		op.RequestError(w, r, p.storage.serverError(ctx, err), p.cfg.Logger)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"request_uri": requestURIPrefix + id, "expires_in": int(PushedRequestLifetime.Seconds())})
}

// checkPushed refuses at once what /authorize would refuse without a page: an
// unregistered redirect URI or a response type other than code; and an
// oversized parameter, so that it is not kept for the request_uri's minute
// (/authorize checks the pushed parameters again).
func checkPushed(c *client, params url.Values) *oidc.Error {
	if e := checkParamSizes(params); e != nil {
		return e
	}
	if params.Get("response_type") != string(oidc.ResponseTypeCode) {
		return oidc.ErrInvalidRequest().WithDescription("response_type must be code")
	}
	if !slices.Contains(c.c.RedirectURIs, params.Get("redirect_uri")) {
		return oidc.ErrInvalidRequest().WithDescription("redirect_uri is not registered for the client")
	}
	return nil
}

// oauthError is an error answer with a code op has no constructor for
// (invalid_request_object of RFC 9101, invalid_dpop_proof and use_dpop_nonce
// of RFC 9449); op answers it with 400.
func oauthError(code, description string) *oidc.Error {
	if code == string(oidc.ServerError) {
		return oidc.ErrServerError().WithDescription("%s", description)
	}
	e := oidc.ErrInvalidRequest().WithDescription("%s", description)
	switch code { // op's error type is unexported: only constants convert
	case errInvalidRequestObject:
		e.ErrorType = errInvalidRequestObject
	case dpop.CodeInvalidProof:
		e.ErrorType = dpop.CodeInvalidProof
	case dpop.CodeUseNonce:
		e.ErrorType = dpop.CodeUseNonce
	case errInvalidTarget:
		e.ErrorType = errInvalidTarget
	case errUnsupportedResponseType:
		e.ErrorType = errUnsupportedResponseType
	case errInvalidRequestURI:
		e.ErrorType = errInvalidRequestURI
	case errRequestURINotSupported:
		e.ErrorType = errRequestURINotSupported
	case errAccountSelectionRequired:
		e.ErrorType = errAccountSelectionRequired
	}
	return e
}

// errInvalidRequestObject is RFC 9101's error for a refused request object.
const errInvalidRequestObject = "invalid_request_object"

// maxBody bounds a request body before anything parses it.
func maxBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

func storageStatus(err error) int {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusBadRequest
	case errors.Is(err, storage.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
