package login

import (
	"net/http"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
)

// spendCodeAttempt counts an attempt at the flow's code and saves it before the
// comparison, so that racing requests cannot try more codes than allowed. It
// returns the message key of a refusal, "" when the code is right, or the error
// page when the flow could not be saved.
func (h *Handler) spendCodeAttempt(r *http.Request, f *flow, code string) (string, *web.UserError) {
	f.Attempts++
	if uerr := h.move(r, f, StateCodeSent); uerr != nil {
		return "", uerr
	}
	switch {
	case f.Attempts > directory.OTPMaxAttempts:
		return "phone.too_many_attempts", nil
	case h.now().After(f.ChallengeExpiresAt) || !directory.OTPMatches(h.cfg.OTPKey, f.ID, f.Recipient, code, f.Challenge):
		return "phone.wrong_code", nil
	}
	return "", nil
}

// issueCode makes a one-time code for the flow's recipient, keeps only its HMAC in
// the flow and saves the flow as waiting for it. The caller sends the code.
func (h *Handler) issueCode(r *http.Request, f *flow, to string, lifetime time.Duration) (string, *web.UserError) {
	code, err := directory.NewOTP()
	if err != nil {
		return "", unavailable(err)
	}
	f.Recipient, f.Attempts = to, 0
	f.Challenge = directory.OTPHash(h.cfg.OTPKey, f.ID, to, code)
	f.ChallengeExpiresAt = h.now().Add(lifetime)
	if uerr := h.move(r, f, StateCodeSent); uerr != nil {
		return "", uerr
	}
	return code, nil
}
