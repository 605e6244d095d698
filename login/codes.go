package login

import (
	"net/http"
	"time"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
)

// spendCodeAttempt counts an attempt at the flow's code, saved before the
// comparison (flows.SpendAttempt). It returns the message key of a refusal, ""
// when the code is right, or the error page when the flow could not be saved.
func (h *Handler) spendCodeAttempt(r *http.Request, f *flow, code string) (string, *web.UserError) {
	refusal, err := flows.SpendAttempt(r.Context(), h.store, f, h.cfg.OTPKey, code, h.now())
	return refusal, flowFailure(err)
}

// issueCode makes a one-time code for the flow's recipient and saves the flow
// as waiting for it (flows.Issue). The caller sends the code.
func (h *Handler) issueCode(r *http.Request, f *flow, to string, lifetime time.Duration) (string, *web.UserError) {
	code, err := flows.Issue(r.Context(), h.store, f, h.cfg.OTPKey, to, lifetime, h.now())
	return code, flowFailure(err)
}
