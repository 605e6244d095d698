package clientjwt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// requestObjectSkew is how far iat and nbf may lie in the future (clock drift).
const requestObjectSkew = time.Minute

// requestObjectMaxAge bounds the life of a request object: without exp one could
// be replayed for ever, so an exp is required and may be an hour away at most.
const requestObjectMaxAge = time.Hour

// badObject says why a request object was refused; its text goes to the
// client as the invalid_request_object description.
func badObject(format string, a ...any) error {
	return fmt.Errorf(format, a...)
}

// OpenRequestObject verifies a request object signed by the client clientID
// with a key of its jwks and returns its parameters (RFC 9101 section 6): the
// signature, iss and client_id the client, aud issuer, exp within the hour, nbf
// and iat not in the future. Only the object's parameters count; the caller
// drops the rest. An error's text is the invalid_request_object description.
func OpenRequestObject(jwks, clientID, issuer, raw string, now time.Time) (url.Values, error) {
	jws, err := jose.ParseSignedCompact(raw, Algorithms)
	if err != nil {
		return nil, badObject("the request object is not a JWS signed with one of %v", Algorithms)
	}
	if len(jws.Signatures) != 1 {
		return nil, badObject("the request object must have one signature")
	}
	set, err := Keys(jwks)
	if err != nil {
		return nil, badObject("%v", err)
	}
	keys := set.Keys
	if kid := jws.Signatures[0].Header.KeyID; kid != "" {
		keys = set.Key(kid)
	}
	var payload []byte
	for _, k := range keys {
		if payload, err = jws.Verify(k); err == nil {
			break
		}
	}
	if payload == nil {
		return nil, badObject("the request object's signature does not verify with the client's keys")
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return nil, badObject("the request object's payload is not a JSON object")
	}
	if err := checkObjectClaims(clientID, issuer, claims, now); err != nil {
		return nil, err
	}
	return objectParams(claims)
}

func checkObjectClaims(clientID, issuer string, claims map[string]any, now time.Time) error {
	if iss, ok := claims["iss"]; ok && iss != clientID {
		return badObject("iss must be the client_id")
	}
	if id, ok := claims["client_id"]; ok && id != clientID {
		return badObject("client_id inside the request object differs")
	}
	if !audienceHas(claims["aud"], issuer) {
		return badObject("aud must name %s", issuer)
	}
	exp, ok := numericDate(claims["exp"])
	if !ok || !exp.After(now) || exp.After(now.Add(requestObjectMaxAge+requestObjectSkew)) {
		return badObject("exp must be in the next hour")
	}
	for _, name := range []string{"nbf", "iat"} {
		if t, ok := numericDate(claims[name]); ok && t.After(now.Add(requestObjectSkew)) {
			return badObject("%s is in the future", name)
		}
	}
	return nil
}

// objectParams turns the claims into authorization request parameters: strings
// as they are, numbers as written, objects (claims) as JSON.
func objectParams(claims map[string]any) (url.Values, error) {
	out := url.Values{}
	for k, v := range claims {
		if slices.Contains([]string{"iss", "aud", "exp", "nbf", "iat", "jti"}, k) {
			continue
		}
		switch v := v.(type) {
		case string:
			out.Set(k, v)
		case json.Number:
			out.Set(k, v.String())
		case bool:
			out.Set(k, strconv.FormatBool(v))
		case nil:
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, badObject("parameter %s unreadable", k)
			}
			out.Set(k, string(b))
		}
	}
	return out, nil
}

func audienceHas(aud any, issuer string) bool {
	switch a := aud.(type) {
	case string:
		return a == issuer
	case []any:
		return slices.Contains(a, any(issuer))
	}
	return false
}

func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}
