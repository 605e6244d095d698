package provider

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/storage"
)

// Client assertions (private_key_jwt: RFC 7523 section 3, OpenID Connect Core
// section 9) are verified here rather than by op: op wants aud to be exactly
// the issuer, keeps no record of jti, and bounds no assertion's life.

// DefaultClientAssertionMaxAge bounds how long an assertion may live (exp less
// iat): a short life keeps the record of used jti values small.
const DefaultClientAssertionMaxAge = 5 * time.Minute

// assertionSkew is the clock drift allowed between client and Vhod.
const assertionSkew = 30 * time.Second

// ClientAssertionAlgorithms are the signatures a client assertion may carry:
// asymmetric only (no "none", no MACs over a shared secret).
var ClientAssertionAlgorithms = RequestObjectAlgorithms

// assertionError says why an assertion was refused; the text goes to the client.
type assertionError struct{ msg string }

func (e *assertionError) Error() string { return e.msg }

func badAssertion(msg string) error { return &assertionError{msg: msg} }

// verifyClientAssertion authenticates a client by its signed assertion: the
// signature by a key of the client's JWKS, iss and sub the client, aud the
// issuer or the URL the assertion was sent to (the token endpoint's, also at
// the mTLS alias), a bounded life, and a jti not seen before (stored until the
// assertion expires, so every instance refuses a replay).
func (p *Provider) verifyClientAssertion(r *http.Request, form url.Values) (*client, error) {
	ctx := r.Context()
	if form.Get("client_assertion_type") != oidc.ClientAssertionTypeJWTAssertion {
		return nil, badAssertion("client_assertion_type must be " + oidc.ClientAssertionTypeJWTAssertion)
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), ClientAssertionAlgorithms)
	if err != nil || len(tok.Headers) != 1 {
		return nil, badAssertion("the client assertion is not a JWT signed with an asymmetric key")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return nil, badAssertion("the client assertion has no iss")
	}
	id := unverified.Issuer
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
	set, err := clientKeys(c)
	if err != nil {
		return nil, badAssertion(err.Error())
	}
	keys := set.Keys
	if kid := tok.Headers[0].KeyID; kid != "" {
		keys = set.Key(kid)
	}
	var claims jwt.Claims
	verified := false
	for _, k := range keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if tok.Claims(k.Key, &claims) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, badAssertion("the client assertion's signature does not verify with the client's keys")
	}
	if err := p.checkAssertionClaims(claims, id, r, time.Now()); err != nil {
		return nil, err
	}
	if err := p.storage.store.ClaimOnce(ctx, "client-assertion:"+id+":"+claims.ID, claims.Expiry.Time().Add(assertionSkew)); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil, badAssertion("the client assertion was used before (jti)")
		}
		return nil, err
	}
	return c, nil
}

// checkAssertionClaims is RFC 7523 section 3's list, with Vhod's bound on the
// assertion's life.
func (p *Provider) checkAssertionClaims(claims jwt.Claims, clientID string, r *http.Request, now time.Time) error {
	switch {
	case claims.Issuer != clientID || claims.Subject != clientID:
		return badAssertion("iss and sub of the client assertion must be the client_id")
	case claims.ID == "":
		return badAssertion("the client assertion has no jti")
	case claims.Expiry == nil:
		return badAssertion("the client assertion has no exp")
	}
	if !slices.ContainsFunc(p.assertionAudiences(r), func(a string) bool { return slices.Contains(claims.Audience, a) }) {
		return badAssertion("aud of the client assertion must be the issuer or the token endpoint URL")
	}
	exp := claims.Expiry.Time()
	if !exp.After(now.Add(-assertionSkew)) {
		return badAssertion("the client assertion has expired")
	}
	start := now
	if claims.IssuedAt != nil {
		start = claims.IssuedAt.Time()
		if start.After(now.Add(assertionSkew)) {
			return badAssertion("iat of the client assertion is in the future")
		}
	}
	if claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(assertionSkew)) {
		return badAssertion("the client assertion is not valid yet (nbf)")
	}
	maxAge := p.cfg.ClientAssertionMaxAge
	if maxAge <= 0 {
		maxAge = DefaultClientAssertionMaxAge
	}
	if exp.Sub(start) > maxAge+assertionSkew {
		return badAssertion("the client assertion lives longer than " + maxAge.String())
	}
	return nil
}

// assertionAudiences are the values an assertion's aud may name: the issuer
// (RFC 7523 as updated for OAuth 2.0), the token endpoint (Core section 9), and
// the URL of the endpoint this request came to (introspection, revocation, PAR,
// device authorization; the mTLS alias too).
func (p *Provider) assertionAudiences(r *http.Request) []string {
	return []string{p.cfg.Issuer, p.cfg.Issuer + "/oauth/token", p.publicURL(r)}
}
