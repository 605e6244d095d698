package provider

import (
	"net/http"
	"net/url"
	"testing"
)

// TestBasicHeaderAsSetBasicAuth: the prepared header is what SetBasicAuth
// writes for the form-encoded ID and an empty secret, and op reads the ID back.
func TestBasicHeaderAsSetBasicAuth(t *testing.T) {
	var b basicHeaders
	for _, id := range []string{"shop", "a b:c/д%", ""} {
		for range 2 { // made, then taken from the map
			r, _ := http.NewRequest(http.MethodPost, "/", nil)
			r.SetBasicAuth(url.QueryEscape(id), "")
			got := b.of(id)
			if len(got) != 1 || got[0] != r.Header.Get("Authorization") {
				t.Fatalf("%q: %q, SetBasicAuth wrote %q", id, got, r.Header.Get("Authorization"))
			}
			r.Header["Authorization"] = got
			if user, pass, ok := r.BasicAuth(); !ok || user != url.QueryEscape(id) || pass != "" {
				t.Fatalf("%q: read back %q %q %v", id, user, pass, ok)
			}
		}
	}
}
