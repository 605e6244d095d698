package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// LimitBody is the one bound on what a page's form may post: the CSRF check
// parses the form before any handler runs, so a bound set inside a handler
// would come too late. A form just under the bound parses; one over it does not.
func TestLimitBodyBoundsPageForms(t *testing.T) {
	for _, tt := range []struct {
		name string
		size int
		fits bool
	}{
		{"under the bound", MaxPageBody - 100, true},
		{"over the bound", MaxPageBody + 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			h := LimitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { err = r.ParseForm() }))
			body := "signature=" + strings.Repeat("a", tt.size-len("signature="))
			r := httptest.NewRequest(http.MethodPost, "/login/f/certificate", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			h.ServeHTTP(httptest.NewRecorder(), r)
			var tooLarge *http.MaxBytesError
			if fits := !errors.As(err, &tooLarge); fits != tt.fits || (tt.fits && err != nil) {
				t.Errorf("ParseForm of %d bytes: %v", tt.size, err)
			}
		})
	}
}
