// Package clientjwt verifies the JWTs a client signs with a key of its
// registered key set (JWKS): request objects (RFC 9101), which carry an
// authorization request, and client assertions (private_key_jwt, RFC 7523),
// which authenticate the client. Both are checked here rather than by op (see
// each file for why), and both need only the client's keys and the issuer, so
// they are separate from the provider's storage and request plumbing. Every
// error these functions return is a refusal whose text may go to the client.
package clientjwt

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// Algorithms are the signatures a request object or a client assertion may
// carry: asymmetric only ("none" and MACs over a shared secret are not among
// them), since the object must be signed with a key of the client's JWKS.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.ES384, jose.EdDSA}

// Keys is a client's registered public key set, from its JWKS document.
func Keys(jwks string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if jwks == "" {
		return set, errors.New("client has no registered keys")
	}
	if err := json.Unmarshal([]byte(jwks), &set); err != nil {
		return set, fmt.Errorf("client keys unusable: %w", err)
	}
	return set, nil
}

// HasKey tells whether a JSON key set holds the public key (by thumbprint).
func HasKey(jwks string, pub crypto.PublicKey) bool {
	want, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil || jwks == "" {
		return false
	}
	var set jose.JSONWebKeySet
	if json.Unmarshal([]byte(jwks), &set) != nil {
		return false
	}
	for _, k := range set.Keys {
		pk := k.Public()
		if got, err := pk.Thumbprint(crypto.SHA256); err == nil && string(got) == string(want) {
			return true
		}
	}
	return false
}
