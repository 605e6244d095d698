package login

import (
	"net/http"

	"github.com/vhod-id/vhod/directory"
)

// spendCodeAttempt counts an attempt at the flow's code and saves it before the
// comparison, so that racing requests cannot try more codes than allowed. It
// returns the message key of a refusal, "" when the code is right, or the error
// page when the flow could not be saved.
func (h *Handler) spendCodeAttempt(r *http.Request, f *flow, code string) (string, *userError) {
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
