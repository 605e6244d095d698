package connector

import (
	"errors"
	"fmt"
)

// Kind is what went wrong, in terms a person can be told; the detail goes
// to the log through Error.Err.
type Kind string

// Kinds of failure. Each has a message key (Kind.MessageKey) that login's
// catalogues translate.
const (
	// KindUnavailable: the provider did not answer, answered 5xx, or answered
	// something unreadable. Trying later may help.
	KindUnavailable Kind = "unavailable"
	// KindDenied: the person refused consent or cancelled (error=access_denied).
	KindDenied Kind = "denied"
	// KindInvalid: a signature, token or code did not check out: an ID token
	// with a bad signature, issuer, audience or nonce, a code the provider
	// refused, a provider error other than access_denied.
	KindInvalid Kind = "invalid"
	// KindState: the answer does not belong to this browser's flow (state
	// mismatch) or came too late.
	KindState Kind = "state"
	// KindConfig: Vhod's own setup is wrong (a key that cannot sign); the
	// operator must act.
	KindConfig Kind = "config"
)

// MessageKey is the catalogue key of the sentence shown for this kind.
func (k Kind) MessageKey() string { return "connector." + string(k) }

// Error is every error a connector returns from Start, Callback and Refresh.
type Error struct {
	Kind     Kind
	Provider string
	// Code is the provider's error code when it sent one (access_denied,
	// ESIA-007053…), for the log and audit.
	Code string
	Err  error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("connector %s: %s", e.Provider, e.Kind)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a connector error, KindUnavailable for any
// other error (a failure that is not the person's).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnavailable
}

func fail(provider string, k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Provider: provider, Err: fmt.Errorf(format, args...)}
}
