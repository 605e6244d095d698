package connector

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// jwt is a compact JWS split into its parts. go-jose knows no GOST
// algorithms, so ESIA's and Сбер's tokens are read here: parse, then check
// the signature (ESIA) and the claims.
type jwt struct {
	Header       map[string]any
	Claims       map[string]any
	SigningInput []byte
	Signature    []byte
}

// maxJWT bounds a token before any decoding.
const maxJWT = 64 << 10

func parseJWT(raw string) (*jwt, error) {
	if len(raw) > maxJWT {
		return nil, errors.New("the token is too long")
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("the token is not a compact JWS")
	}
	var t jwt
	for i, dst := range []*map[string]any{&t.Header, &t.Claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", i+1, err)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(dst); err != nil || *dst == nil {
			return nil, fmt.Errorf("part %d is not a JSON object", i+1)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	t.Signature = sig
	t.SigningInput = []byte(parts[0] + "." + parts[1])
	return &t, nil
}

// clockSkew is what Vhod forgives a provider's clock.
const clockSkew = 2 * time.Minute

// checkClaims checks iss (when want is set), aud, exp (required), nbf and
// the nonce (when the flow has one and, with nonceOptional, only when the
// token carries one).
func (t *jwt) checkClaims(iss, aud, nonce string, nonceOptional bool, now time.Time) error {
	if iss != "" && claimString(t.Claims["iss"]) != iss {
		return fmt.Errorf("iss %q is not %q", claimString(t.Claims["iss"]), iss)
	}
	if !audienceHas(t.Claims["aud"], aud) {
		return fmt.Errorf("aud does not name %q", aud)
	}
	exp, ok := numericDate(t.Claims["exp"])
	if !ok {
		return errors.New("the token has no exp")
	}
	if now.After(exp.Add(clockSkew)) {
		return fmt.Errorf("the token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if nbf, ok := numericDate(t.Claims["nbf"]); ok && now.Add(clockSkew).Before(nbf) {
		return fmt.Errorf("the token is not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	got := claimString(t.Claims["nonce"])
	switch {
	case nonce == "":
	case got == "" && nonceOptional:
	case got != nonce:
		return errors.New("the nonce is not the flow's")
	}
	return nil
}

func audienceHas(v any, want string) bool {
	switch a := v.(type) {
	case string:
		return a == want
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f <= 0 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}
