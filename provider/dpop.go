package provider

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/provider/respond"
	"github.com/vhod-id/vhod/storage"
)

// dpopProof checks a request's DPoP proof (see dpop.Verifier.Check); a store
// failure is a server_error, remembered for the request like every other.
func (s *Storage) dpopProof(ctx context.Context, r *http.Request, htu, accessToken string, needNonce bool) (string, *dpop.Error) {
	jkt, err := s.dpop.Check(ctx, r, htu, accessToken, needNonce)
	var refused *dpop.Error
	switch {
	case errors.As(err, &refused):
		return "", refused
	case err != nil:
		return "", &dpop.Error{Code: string(oidc.ServerError), Description: s.serverError(ctx, err).Description}
	}
	return jkt, nil
}

// nonceHeader is DPoP-Nonce as net/http spells header keys.
var nonceHeader = http.CanonicalHeaderKey("DPoP-Nonce")

// dpopToken is the token endpoint's DPoP layer. A request with a proof gets
// tokens bound to the proof's key (cnf.jkt) and token_type DPoP; a proof
// without the current server nonce is answered use_dpop_nonce. Every answer
// carries the nonce to use next.
func (p *Provider) dpopToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := p.storage
		w.Header()[nonceHeader] = s.dpop.NonceHeader(time.Now())
		if r.Header.Get("DPoP") == "" {
			next.ServeHTTP(w, r)
			return
		}
		jkt, derr := s.dpopProof(r.Context(), r, p.publicURL(r), "", true)
		if derr != nil {
			w.Header().Set("Cache-Control", "no-store")
			op.RequestError(w, r, oauthError(derr.Code, derr.Description), p.cfg.Logger)
			return
		}
		if h := holder(r.Context()); h != nil {
			h.dpopJKT = jkt
		}
		buf := respond.NewBuffer()
		next.ServeHTTP(buf, r)
		body := buf.Body.Bytes()
		if buf.Status == 0 || buf.Status == http.StatusOK {
			body = respond.WithTokenType(body, "DPoP")
		}
		for k, v := range buf.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(max(buf.Status, http.StatusOK))
		_, _ = w.Write(body)
	})
}

// dpopResource is the DPoP layer of userinfo: "Authorization: DPoP <token>"
// needs a proof of the token's key (with ath); it is handed on to op as a bearer
// token, and SetUserinfoFromToken compares the token's binding with the proof.
// A bound token shown without a proof, or with another key, gets 401 with
// WWW-Authenticate: DPoP.
func (p *Provider) dpopResource(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := holder(r.Context())
		if token, ok := respond.CutScheme(r.Header.Get("Authorization"), "DPoP"); ok && h != nil {
			jkt, derr := p.storage.dpopProof(r.Context(), r, p.publicURL(r), token, false)
			if derr != nil {
				dpop.Challenge(w, derr.Code, derr.Description)
				return
			}
			h.dpopJKT, h.rawToken = jkt, token
			r.Header.Set("Authorization", "Bearer "+token)
		}
		buf := respond.NewBuffer()
		next.ServeHTTP(buf, r)
		if h != nil && h.bindingRefused {
			if h.refusedDPoP {
				dpop.Challenge(w, "invalid_token", "the access token is bound to a key this request does not prove")
			} else {
				respond.BearerChallenge(w, "the access token is bound to a client certificate this connection does not present")
			}
			return
		}
		for k, v := range buf.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(max(buf.Status, http.StatusOK))
		_, _ = w.Write(buf.Body.Bytes())
	})
}

// checkBinding refuses a sender-constrained token used without its key: a
// DPoP-bound token needs a proof of the same key, a DPoP proof needs a token
// bound to it.
func (s *Storage) checkBinding(ctx context.Context, g storage.Grant) bool {
	h := holder(ctx)
	if h == nil {
		return g.JKT == "" && g.X5T == ""
	}
	// RFC 8705 section 3: a certificate-bound token comes over a connection
	// with the same certificate.
	if g.JKT != h.dpopJKT || (g.X5T != "" && g.X5T != h.x5t) {
		h.bindingRefused, h.refusedDPoP = true, g.JKT != "" || h.dpopJKT != ""
		return false
	}
	return true
}
