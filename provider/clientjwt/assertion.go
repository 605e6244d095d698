package clientjwt

import (
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Client assertions (private_key_jwt: RFC 7523 section 3, OpenID Connect Core
// section 9) are verified here rather than by op: op wants aud to be exactly
// the issuer, keeps no record of jti, and bounds no assertion's life. The
// record of jti values is the caller's (it has the store).

// DefaultAssertionMaxAge bounds how long an assertion may live (exp less
// iat): a short life keeps the record of used jti values small.
const DefaultAssertionMaxAge = 5 * time.Minute

// assertionSkew is the clock drift allowed between client and Vhod.
const assertionSkew = 30 * time.Second

// Assertion is a client assertion read but not verified yet: its issuer
// names the client whose keys must verify it.
type Assertion struct {
	// Issuer is the unverified iss: the client the assertion claims to be.
	Issuer string
	tok    *jwt.JSONWebToken
}

// ParseAssertion reads the client assertion of a token request's form.
func ParseAssertion(form url.Values) (*Assertion, error) {
	if form.Get("client_assertion_type") != oidc.ClientAssertionTypeJWTAssertion {
		return nil, errors.New("client_assertion_type must be " + oidc.ClientAssertionTypeJWTAssertion)
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), Algorithms)
	if err != nil || len(tok.Headers) != 1 {
		return nil, errors.New("the client assertion is not a JWT signed with an asymmetric key")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return nil, errors.New("the client assertion has no iss")
	}
	return &Assertion{Issuer: unverified.Issuer, tok: tok}, nil
}

// Verify checks the assertion of the client clientID: the signature by a key
// of its jwks, iss and sub the client, aud one of audiences, a bounded life
// (maxAge, 0 for DefaultAssertionMaxAge). It returns the jti and how long
// the caller must remember it to refuse a replay.
func (a *Assertion) Verify(jwks, clientID string, audiences []string, maxAge time.Duration, now time.Time) (jti string, until time.Time, err error) {
	set, err := Keys(jwks)
	if err != nil {
		return "", time.Time{}, err
	}
	keys := set.Keys
	if kid := a.tok.Headers[0].KeyID; kid != "" {
		keys = set.Key(kid)
	}
	var claims jwt.Claims
	verified := false
	for _, k := range keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if a.tok.Claims(k.Key, &claims) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return "", time.Time{}, errors.New("the client assertion's signature does not verify with the client's keys")
	}
	if err := checkAssertionClaims(claims, clientID, audiences, maxAge, now); err != nil {
		return "", time.Time{}, err
	}
	return claims.ID, claims.Expiry.Time().Add(assertionSkew), nil
}

// checkAssertionClaims is RFC 7523 section 3's list, with Vhod's bound on the
// assertion's life.
func checkAssertionClaims(claims jwt.Claims, clientID string, audiences []string, maxAge time.Duration, now time.Time) error {
	switch {
	case claims.Issuer != clientID || claims.Subject != clientID:
		return errors.New("iss and sub of the client assertion must be the client_id")
	case claims.ID == "":
		return errors.New("the client assertion has no jti")
	case claims.Expiry == nil:
		return errors.New("the client assertion has no exp")
	}
	if !slices.ContainsFunc(audiences, func(a string) bool { return slices.Contains(claims.Audience, a) }) {
		return errors.New("aud of the client assertion must be the issuer or the token endpoint URL")
	}
	exp := claims.Expiry.Time()
	if !exp.After(now.Add(-assertionSkew)) {
		return errors.New("the client assertion has expired")
	}
	start := now
	if claims.IssuedAt != nil {
		start = claims.IssuedAt.Time()
		if start.After(now.Add(assertionSkew)) {
			return errors.New("iat of the client assertion is in the future")
		}
	}
	if claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(assertionSkew)) {
		return errors.New("the client assertion is not valid yet (nbf)")
	}
	if maxAge <= 0 {
		maxAge = DefaultAssertionMaxAge
	}
	if exp.Sub(start) > maxAge+assertionSkew {
		return errors.New("the client assertion lives longer than " + maxAge.String())
	}
	return nil
}
