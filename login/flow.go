package login

import (
	"net/http"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
)

// Kind, State and flow are the flow rules of directory/flows (the one
// transition table, shared with the account's flows).
type (
	Kind  = flows.Kind
	State = flows.State
	flow  = flows.Flow
)

// Method is how the person proved who they are.
type Method string

// Sign-in methods.
const (
	MethodPassword Method = "password"
	MethodPhone    Method = "sms"
	// MethodCertificate is an X.509 certificate (signed challenge or TLS).
	MethodCertificate Method = "certificate"
	// MethodContract is the accountant sign-in: a company's INN, a contract
	// number and the PIN its org admin set.
	MethodContract Method = "contract"
)

// move takes the flow to s and saves it (flows.Move).
func (h *Handler) move(r *http.Request, f *flow, s State) *web.UserError {
	return flowFailure(flows.Move(r.Context(), h.store, f, s, h.now()))
}

// flowFailure is the page for a flow that could not move (a refused step is
// a bad request, losing the race to another tab a conflict: web.Unavailable
// reads both from the error), nil when it moved.
func flowFailure(err error) *web.UserError {
	if err == nil {
		return nil
	}
	return unavailable(err)
}
