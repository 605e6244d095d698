package provider

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// TestPublishedDocumentsFromPreparedBytes: the answers from the prepared
// documents are the first answer's (built under the errors layer), headers
// included, with their length; the key set is op's.
func TestPublishedDocumentsFromPreparedBytes(t *testing.T) {
	tp := newTestProvider(t, nil)
	for _, path := range []string{"/.well-known/openid-configuration", "/keys"} {
		first := tp.do(t, call{method: http.MethodGet, path: path})
		again := tp.do(t, call{method: http.MethodGet, path: path})
		if first.Code != http.StatusOK || again.Code != http.StatusOK || first.Body.String() != again.Body.String() {
			t.Fatalf("%s: %d %q, then %d %q", path, first.Code, first.Body, again.Code, again.Body)
		}
		if !reflect.DeepEqual(first.Header(), again.Header()) {
			t.Errorf("%s: headers %v, then %v", path, first.Header(), again.Header())
		}
		h := again.Header()
		if h.Get("Content-Length") != strconv.Itoa(again.Body.Len()) || h.Get("Content-Type") != "application/json" ||
			h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Cache-Control") == "" {
			t.Errorf("%s: headers %v for %d bytes", path, h, again.Body.Len())
		}
	}
	// The key set is the one op answers from the same storage.
	w := httptest.NewRecorder()
	op.Keys(w, httptest.NewRequest(http.MethodGet, testIssuer+"/keys", nil), tp.p.storage)
	var ours, ops any
	if err := json.Unmarshal(tp.do(t, call{method: http.MethodGet, path: "/keys"}).Body.Bytes(), &ours); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ops); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ours, ops) {
		t.Errorf("key set %v, op's %v", ours, ops)
	}
}
