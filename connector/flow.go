package connector

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"
)

// FlowSecrets are the values one sign-in flow binds: state against CSRF and
// mixed-up callbacks, nonce against replayed ID tokens, the PKCE verifier
// against stolen codes.
type FlowSecrets struct {
	State, Nonce, Verifier string
}

// NewFlowSecrets makes fresh secrets. State is a random UUID (version 4)
// because ESIA requires state in that form; the others are 32 random bytes,
// base64url (43 characters, what RFC 7636 asks of a verifier).
func NewFlowSecrets() FlowSecrets {
	return FlowSecrets{State: newUUID(), Nonce: random32(), Verifier: random32()}
}

func random32() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// S256 is the PKCE code_challenge of a verifier (RFC 7636 §4.2).
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkReturn does what every connector does first with a callback: the
// provider's error (access_denied is the person's refusal), the state bound
// to this browser's flow, the flow's age. It returns the code.
func checkReturn(provider string, r CallbackRequest, now time.Time) (string, error) {
	q := r.Query
	if r.State == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(r.State)) != 1 {
		// Checked before the error: an answer for another flow says nothing
		// about this one, not even a refusal.
		return "", fail(provider, KindState, "the callback's state does not match the flow's")
	}
	if !r.StartedAt.IsZero() && now.Sub(r.StartedAt) > MaxFlowAge {
		return "", fail(provider, KindState, "the flow started %s ago", now.Sub(r.StartedAt).Round(time.Second))
	}
	if code := q.Get("error"); code != "" {
		k := KindInvalid
		if code == "access_denied" || code == "consent_required" || code == "login_required" || code == "interaction_required" {
			k = KindDenied
		}
		if code == "temporarily_unavailable" || code == "server_error" {
			k = KindUnavailable
		}
		return "", &Error{Kind: k, Provider: provider, Code: code,
			Err: fmt.Errorf("the provider answered %s: %.200s", code, q.Get("error_description"))}
	}
	code := q.Get("code")
	if code == "" {
		return "", fail(provider, KindInvalid, "the callback has no code")
	}
	return code, nil
}
