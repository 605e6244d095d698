package login

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestMinACRFailsClosedWhenClientLookupFails (issue 16 item 11): a client
// demands a certificate (min_acr) and the browser has a password session. When
// reading the client fails once (a database hiccup) and then works, the
// session must not answer the request as if the client had no minimum: SSO
// gives no completion but the error.
func TestMinACRFailsClosedWhenClientLookupFails(t *testing.T) {
	st := &fakeStore{client: storage.Client{ID: "gov", FirstParty: true, MinACR: directory.ACRCertificate},
		clientErrs: []error{errDatabase}}
	h := newTestHandler(t, st, Config{})
	ar := storage.AuthRequest{ID: "ar1", ClientID: "gov", Scopes: []string{"openid"}}
	var done *storage.Completion
	var err error
	signedIn(h, httptest.NewRequest(http.MethodGet, "/authorize", nil), func(_ http.ResponseWriter, r *http.Request) {
		done, err = h.SSO(r.Context(), ar)
	})
	if done != nil || err == nil {
		t.Fatalf("SSO answered a min_acr client with a password session after a failed lookup: %+v, %v", done, err)
	}
	// With the client read, the session is simply not strong enough: no error, no completion.
	done, err = nil, nil
	signedIn(h, httptest.NewRequest(http.MethodGet, "/authorize", nil), func(_ http.ResponseWriter, r *http.Request) {
		done, err = h.SSO(r.Context(), ar)
	})
	if done != nil || err != nil {
		t.Fatalf("SSO with the client read: %+v, %v", done, err)
	}
}
