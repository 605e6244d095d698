package provider

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/respond"
)

// The client_credentials grant is answered here instead of by op: op's way to
// it (its router, its issuer interceptor, a span and a request copy per step,
// the reflective form decoder, a JSON encoder) cost more than the token
// itself but for its signature. The steps are op's own, in its order and with
// its calls into Vhod's storage (op.ClientCredentialsExchange and
// CreateClientCredentialsTokenResponse), so every check stays where it is:
// clientAuth authenticated the client and checkTokenRequest allowed the grant
// before this; ClientCredentials and ClientCredentialsTokenRequest check the
// client and its grant again and settle the scopes and the organisation;
// CreateAccessToken signs or stores the token and counts it (OnTokens). The
// answer is op's JSON, byte for byte, and its errors are op's RequestError.
// DPoP (dpopToken) wraps this as it wraps op.

// clientCredentials answers grant_type=client_credentials of a client that
// clientAuth authenticated; every other request goes on to next (op).
func (p *Provider) clientCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := holder(r.Context())
		// clientAuth made the body's parameters the only ones (r.Form is r.PostForm).
		if h == nil || h.authenticated == "" || r.PostForm.Get("grant_type") != string(oidc.GrantTypeClientCredentials) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, s := r.Context(), p.storage
		// op.AuthorizeClientCredentialsClient: the client this request
		// authenticated (ClientCredentials accepts the empty secret for it alone).
		c, err := s.ClientCredentials(ctx, h.authenticated, "")
		if err != nil {
			op.RequestError(w, r, oidc.ErrInvalidClient().WithParent(err), nil)
			return
		}
		if c.AccessTokenType() != op.AccessTokenTypeBearer {
			// op would sign its own JWT (Vhod's clients hand theirs out as
			// bearer values, see tokenCrypto): that path stays op's.
			next.ServeHTTP(w, r)
			return
		}
		if !allowsGrant(c, oidc.GrantTypeClientCredentials) {
			op.RequestError(w, r, oidc.ErrUnauthorizedClient(), nil)
			return
		}
		tr, err := s.ClientCredentialsTokenRequest(ctx, h.authenticated, requestedScopes(r))
		if err != nil {
			op.RequestError(w, r, err, nil)
			return
		}
		// op.CreateAccessToken for a bearer client: the storage's ID, handed
		// out as op's crypto would (the JWT signed for it, else the encrypted
		// ID); the JWT comes back in the holder (handsOut).
		h.handsOut = true
		id, exp, err := s.CreateAccessToken(ctx, tr)
		if err != nil {
			op.RequestError(w, r, err, nil)
			return
		}
		validity := exp.Add(c.ClockSkew()).Sub(time.Now().UTC())
		token := h.signed
		if token == "" {
			if token, err = op.CreateBearerToken(id, tr.GetSubject(), s.crypto); err != nil {
				op.RequestError(w, r, err, nil)
				return
			}
		}
		body := tokenAnswer(token, uint64(validity.Seconds()), tr.GetScopes())
		respond.JSONType(w.Header())
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
}

// allowsGrant is op.ValidateGrantType for Vhod's clients (whose DevMode is
// false) without the conversion of the grant list that op's GrantTypes makes.
func allowsGrant(c op.Client, g oidc.GrantType) bool {
	if cl, ok := c.(*client); ok {
		return slices.Contains(cl.c.GrantTypes, string(g))
	}
	return op.ValidateGrantType(c, g)
}

// requestedScopes reads scope as op's form decoder does: absent is nil, else
// the (single) value split at every space.
func requestedScopes(r *http.Request) []string {
	v, ok := r.PostForm["scope"]
	if !ok || len(v) == 0 {
		return nil
	}
	return strings.Split(v[len(v)-1], " ")
}

// tokenAnswer is the JSON op writes for oidc.AccessTokenResponse of the
// client_credentials grant (json.Encoder: fields in their order, empty ones
// left out, HTML characters escaped, a newline at the end).
func tokenAnswer(token string, expiresIn uint64, scopes []string) []byte {
	scope := strings.Join(scopes, " ")
	out := make([]byte, 0, len(token)+len(scope)+96)
	if token != "" {
		out = append(out, `{"access_token":`...)
		out = respond.AppendJSONString(out, token)
		out = append(out, `,"token_type":"`+oidc.BearerToken+`"`...)
	} else {
		out = append(out, `{"token_type":"`+oidc.BearerToken+`"`...)
	}
	if expiresIn != 0 {
		out = append(out, `,"expires_in":`...)
		out = strconv.AppendUint(out, expiresIn, 10)
	}
	if len(scopes) > 0 {
		out = append(out, `,"scope":`...)
		out = respond.AppendJSONString(out, scope)
	}
	return append(out, "}\n"...)
}
