package certauth

import (
	"errors"
	"fmt"
)

// Reason says why a certificate or signature was refused, so that the person can
// be told which: a replayed, expired, tampered or untrusted signature each needs
// a different sentence.
type Reason string

// Reasons of refusal.
const (
	ReasonMalformed         Reason = "malformed"          // not a certificate or CMS we can read
	ReasonTooLarge          Reason = "too_large"          // over the size, nesting or count limits
	ReasonUnsupported       Reason = "unsupported"        // an algorithm we do not accept
	ReasonBadSignature      Reason = "bad_signature"      // the signature does not match: tampered
	ReasonContentMismatch   Reason = "content_mismatch"   // a valid signature of something else
	ReasonSignerNotFound    Reason = "signer_not_found"   // the CMS does not carry the signer's certificate
	ReasonSigningTime       Reason = "signing_time"       // signed too long ago or in the future
	ReasonUntrusted         Reason = "untrusted"          // no chain to a trust anchor
	ReasonExpired           Reason = "expired"            // outside its validity period
	ReasonKeyUsage          Reason = "key_usage"          // the key may not sign
	ReasonRevoked           Reason = "revoked"            // listed in a CRL or by OCSP
	ReasonRevocationUnknown Reason = "revocation_unknown" // no CRL or OCSP answer, and the policy fails closed
)

// Error is a refusal with its reason; errors.As finds it.
type Error struct {
	Reason Reason
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("certauth: %s: %v", e.Reason, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

func refuse(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Err: fmt.Errorf(format, args...)}
}

// ReasonOf returns the reason of err, or ReasonMalformed when err is not a refusal.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonMalformed
}
