package provider

import (
	"net/url"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// maxAuthorizeBody bounds the body of a POST to /authorize, as of the
// client endpoints: a sign-in request needs far less.
const maxAuthorizeBody = 64 << 10

// maxState: RFC 6749 sets no limit; 4 KiB holds any opaque value or signed
// blob a client keeps there, and the state goes back in a Location header.
const maxState = 4096

// Byte limits of the authorization request's free-form parameters. Most are
// stored with the auth request (kept an hour after it expires, see
// storage.AuthRequestKept) or echoed back to the client, so that an anonymous
// request could otherwise park megabytes per request. Each is generous for
// what a client puts there: a state of random bytes or a signed blob, a nonce,
// a login name, a company ID or INN, a few language tags and ACR URNs, a claims
// request, one ID token.
var paramLimits = []struct {
	name string
	max  int
}{
	{"state", maxState},
	{"nonce", 1024},
	{"login_hint", 512},
	{"org_hint", 256},
	{"ui_locales", 256},
	{"acr_values", 1024},
	{"claims", 8192},
	{"id_token_hint", 8192},
	{"prompt", 256},
}

// code_challenge is the base64url of a SHA-256 (43 characters) for S256; RFC
// 7636 §4.2 allows 43 to 128 unreserved characters.
const (
	minCodeChallenge = 43
	maxCodeChallenge = 128
	// maxAgeDigits: ten digits are over three hundred years of seconds, and
	// fit the integer the request is stored with.
	maxAgeDigits = 10
)

// checkParamSizes refuses an authorization request with a parameter longer
// than Vhod keeps, a code_challenge that RFC 7636 §4.2 does not allow, or a
// max_age that is not a number of seconds. Every value of a repeated
// parameter is checked: which one a parser takes is not this check's concern.
func checkParamSizes(q url.Values) *oidc.Error {
	for _, l := range paramLimits {
		for _, v := range q[l.name] {
			if len(v) > l.max {
				return oidc.ErrInvalidRequest().WithDescription("%s is longer than %d bytes", l.name, l.max)
			}
		}
	}
	// Empty values count as absent, as op reads them.
	for _, v := range q["code_challenge"] {
		if v != "" && (len(v) < minCodeChallenge || len(v) > maxCodeChallenge || !unreserved(v)) {
			return oidc.ErrInvalidRequest().WithDescription("code_challenge must be %d to %d characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2)",
				minCodeChallenge, maxCodeChallenge)
		}
	}
	for _, v := range q["max_age"] {
		if v != "" && (len(v) > maxAgeDigits || strings.Trim(v, "0123456789") != "") {
			return oidc.ErrInvalidRequest().WithDescription("max_age must be a whole number of seconds, at most %d digits", maxAgeDigits)
		}
	}
	return nil
}

// unreserved: only the characters RFC 3986 §2.3 leaves unreserved, the
// alphabet of a PKCE code challenge.
func unreserved(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// answerState is the state to send back with an answer: none when it is over
// the limit, which the refusal then names. Echoing it would put the oversized
// value into the Location header or the form post.
func answerState(q url.Values) string {
	s := q.Get("state")
	if len(s) > maxState {
		return ""
	}
	return s
}
