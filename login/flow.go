package login

import (
	"errors"
	"net/http"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
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
)

// move takes the flow to s and saves it. A transition the table forbids is a bad
// request; losing the race to another tab is the person's to retry.
func (h *Handler) move(r *http.Request, f *flow, s State) *web.UserError {
	if err := f.To(s, h.now()); err != nil {
		return &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err}
	}
	saved, err := h.store.SaveFlow(r.Context(), f.Flow)
	if errors.Is(err, storage.ErrConflict) {
		return &web.UserError{Status: http.StatusConflict, Key: "error.bad_request", Err: err}
	}
	if err != nil {
		return unavailable(err)
	}
	f.Flow = saved
	return nil
}
