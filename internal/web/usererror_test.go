package web

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

type temporary struct{}
type conflict struct{}
type refused struct{}

func (conflict) Error() string  { return "someone else was first" }
func (conflict) Conflict() bool { return true }
func (refused) Error() string   { return "step not allowed" }
func (refused) Refused() bool   { return true }

func (temporary) Error() string   { return "store down" }
func (temporary) Temporary() bool { return true }

// TestUnavailable: the page of a failure is read from what the error says of
// itself, wrapped or not: temporary (storage.ErrUnavailable) asks the person to
// try again shortly, a conflict (storage.ErrConflict) or a refused step
// (flows.ErrRefused) is a bad request; anything else is ours.
func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		key    string
	}{
		{temporary{}, http.StatusServiceUnavailable, "error.unavailable"},
		{fmt.Errorf("find users: %w", temporary{}), http.StatusServiceUnavailable, "error.unavailable"},
		{fmt.Errorf("save flow: %w", conflict{}), http.StatusConflict, "error.bad_request"},
		{refused{}, http.StatusBadRequest, "error.bad_request"},
		{errors.New("template broken"), http.StatusInternalServerError, "error.internal"},
	} {
		if got := Unavailable(c.err); got.Status != c.status || got.Key != c.key || !errors.Is(got.Err, c.err) {
			t.Errorf("%v: %+v", c.err, got)
		}
	}
}
