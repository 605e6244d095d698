package provider

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/provider/clientjwt"
	"github.com/vhod-id/vhod/storage"
)

// assertionError says why an assertion was refused; the text goes to the client.
type assertionError struct{ msg string }

func (e *assertionError) Error() string { return e.msg }

func badAssertion(msg string) error { return &assertionError{msg: msg} }

// verifyClientAssertion authenticates a client by its signed assertion (see
// clientjwt): the signature by a key of the client's JWKS, iss and sub the
// client, aud the issuer or the URL the assertion was sent to (the token
// endpoint's, also at the mTLS alias), a bounded life, and a jti not seen
// before (stored until the assertion expires, so every instance refuses a
// replay).
func (p *Provider) verifyClientAssertion(r *http.Request, form url.Values) (*client, error) {
	ctx := r.Context()
	a, err := clientjwt.ParseAssertion(form)
	if err != nil {
		return nil, badAssertion(err.Error())
	}
	id := a.Issuer
	if fid := form.Get("client_id"); fid != "" && fid != id {
		return nil, badAssertion("client_id differs from the assertion's issuer")
	}
	c, err := p.storage.loadClient(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, badAssertion("unknown client")
	}
	if err != nil {
		return nil, err
	}
	if c.c.AuthMethod != string(oidc.AuthMethodPrivateKeyJWT) {
		return nil, badAssertion("the client does not authenticate with private_key_jwt")
	}
	jti, until, err := a.Verify(c.c.JWKS, id, p.assertionAudiences(r), p.cfg.ClientAssertionMaxAge, time.Now())
	if err != nil {
		return nil, badAssertion(err.Error())
	}
	if err := p.storage.store.ClaimOnce(ctx, "client-assertion:"+id+":"+jti, until); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil, badAssertion("the client assertion was used before (jti)")
		}
		return nil, err
	}
	return c, nil
}

// assertionAudiences are the values an assertion's aud may name: the issuer
// (RFC 7523 as updated for OAuth 2.0), the token endpoint (Core section 9), and
// the URL of the endpoint this request came to (introspection, revocation, PAR,
// device authorization; the mTLS alias too).
func (p *Provider) assertionAudiences(r *http.Request) []string {
	return []string{p.cfg.Issuer, p.cfg.Issuer + "/oauth/token", p.publicURL(r)}
}
