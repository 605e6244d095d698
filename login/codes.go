package login

import (
	"net/http"
	"time"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
)

// spendCodeAttempt counts an attempt at the flow's code and saves it before the
// comparison, so that racing requests cannot try more codes than allowed. It
// returns the message key of a refusal, "" when the code is right, or the error
// page when the flow could not be saved.
func (h *Handler) spendCodeAttempt(r *http.Request, f *flow, code string) (string, *web.UserError) {
	f.Attempts++
	if uerr := h.move(r, f, flows.StateCodeSent); uerr != nil {
		return "", uerr
	}
	if err := f.CheckCode(h.cfg.OTPKey, code, h.now()); err != nil {
		return flows.RefusalKey(err), nil
	}
	return "", nil
}

// issueCode makes a one-time code for the flow's recipient, keeps only its HMAC in
// the flow and saves the flow as waiting for it. The caller sends the code.
func (h *Handler) issueCode(r *http.Request, f *flow, to string, lifetime time.Duration) (string, *web.UserError) {
	code, err := f.NewCode(h.cfg.OTPKey, to, lifetime, h.now())
	if err != nil {
		return "", unavailable(err)
	}
	if uerr := h.move(r, f, flows.StateCodeSent); uerr != nil {
		return "", uerr
	}
	return code, nil
}
