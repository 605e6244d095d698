package directory

import (
	"time"

	"github.com/vhod-id/vhod/storage"
)

// Outcomes of a code checked against a flow (CheckFlowCode).
const (
	CodeAccepted = iota
	CodeWrong    // wrong or expired
	CodeSpent    // more than OTPMaxAttempts tries: no code opens the flow any more
)

// IssueFlowCode makes a one-time code for recipient `to`, keeps only its HMAC
// (bound to the flow and the recipient, see OTPHash) in f with its expiry, and
// resets the attempts. The caller saves f before sending the code, so that a
// code is never out before the flow that checks it. This is the one rule of
// codes kept in flows: the sign-in pages' SMS and email codes and the SMS
// second factor.
func IssueFlowCode(f *storage.Flow, key []byte, to string, lifetime time.Duration, now time.Time) (string, error) {
	code, err := NewOTP()
	if err != nil {
		return "", err
	}
	f.Recipient, f.Attempts = to, 0
	f.Challenge = OTPHash(key, f.ID, to, code)
	f.ChallengeExpiresAt = now.Add(lifetime)
	return code, nil
}

// SpendFlowCodeAttempt counts one attempt in f. The caller saves f (a
// conditional write) before calling CheckFlowCode, so that racing requests
// cannot try more codes than allowed.
func SpendFlowCodeAttempt(f *storage.Flow) { f.Attempts++ }

// CheckFlowCode compares code with the flow's, in constant time, after its
// attempt was counted and saved.
func CheckFlowCode(f storage.Flow, key []byte, code string, now time.Time) int {
	switch {
	case f.Attempts > OTPMaxAttempts:
		return CodeSpent
	case f.Challenge == "" || now.After(f.ChallengeExpiresAt) || !OTPMatches(key, f.ID, f.Recipient, code, f.Challenge):
		return CodeWrong
	}
	return CodeAccepted
}
