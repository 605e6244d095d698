package web

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

type temporary struct{}

func (temporary) Error() string   { return "store down" }
func (temporary) Temporary() bool { return true }

// TestUnavailable: an error that says it is temporary (storage.ErrUnavailable,
// wrapped or not) asks the person to try again shortly; anything else is ours.
func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		key    string
	}{
		{temporary{}, http.StatusServiceUnavailable, "error.unavailable"},
		{fmt.Errorf("find users: %w", temporary{}), http.StatusServiceUnavailable, "error.unavailable"},
		{errors.New("template broken"), http.StatusInternalServerError, "error.internal"},
	} {
		if got := Unavailable(c.err); got.Status != c.status || got.Key != c.key || !errors.Is(got.Err, c.err) {
			t.Errorf("%v: %+v", c.err, got)
		}
	}
}
