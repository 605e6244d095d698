package connector

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// browse plays the browser at the provider: it opens the authorization URL
// and returns the query of the redirect back to Vhod.
func browse(t *testing.T, authorize string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// wantKind fails unless err is a connector error of kind k.
func wantKind(t *testing.T, err error, k Kind) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *connector.Error", err)
	}
	if e.Kind != k {
		t.Fatalf("kind %s, want %s (%v)", e.Kind, k, err)
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// flow is one sign-in: secrets, redirect URI, start time.
type flow struct {
	FlowSecrets
	redirect string
	started  time.Time
}

func newFlow() flow {
	return flow{FlowSecrets: NewFlowSecrets(), redirect: "https://vhod.example/login/idp/callback", started: time.Now()}
}

func (f flow) start() StartRequest {
	return StartRequest{RedirectURI: f.redirect, State: f.State, Nonce: f.Nonce, Verifier: f.Verifier}
}

func (f flow) callback(q url.Values) CallbackRequest {
	return CallbackRequest{Query: q, RedirectURI: f.redirect, State: f.State, Nonce: f.Nonce,
		Verifier: f.Verifier, StartedAt: f.started}
}
