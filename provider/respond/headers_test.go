package respond

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestPreparedHeadersStayPut: the shared header values of one answer do not
// change when another answer adds to or replaces its own.
func TestPreparedHeadersStayPut(t *testing.T) {
	serve := func(change func(h http.Header)) http.Header {
		w := httptest.NewRecorder()
		APIHeaders(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			JSONType(w.Header())
			change(w.Header())
		})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		return w.Header()
	}
	first := serve(func(http.Header) {})
	serve(func(h http.Header) {
		h.Add("Cache-Control", "private")
		h.Add("Content-Type", "x")
		h.Add("X-Content-Type-Options", "y")
		h.Set("Pragma", "z")
	})
	want := http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}, "Content-Type": {"application/json"},
		"X-Content-Type-Options": {"nosniff"}, "Content-Security-Policy": {"default-src 'none'; frame-ancestors 'none'"}}
	if !reflect.DeepEqual(first, want) || !reflect.DeepEqual(serve(func(http.Header) {}), want) {
		t.Fatalf("headers changed: %v", first)
	}
}
