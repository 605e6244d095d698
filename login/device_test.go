package login

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// deviceRequest stores a pending device authorization of clientID and returns
// its user code.
func (e *testEnv) deviceRequest(clientID string) string {
	e.t.Helper()
	code := fmt.Sprintf("BCDF%04d", next()%10000)
	d := storage.DeviceAuthorization{ID: "dev" + code + e.ip, UserCode: code, ClientID: clientID, Scopes: []string{"openid", "profile"},
		State: storage.DevicePending, ExpiresAt: time.Now().Add(10 * time.Minute)}
	if err := e.store.CreateDeviceAuthorization(context.Background(), d); err != nil {
		e.t.Fatal(err)
	}
	return code
}

// The device page: without a session it sends the person to sign in (and
// back with the code); signed in, a code shows the app to allow or deny; the
// decision is stored and audited; unknown codes count as failures.
func TestDevicePage(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Devices = sharedStore
		c.Limits = Limits{Window: time.Hour, PerIP: 3}
	})
	u := e.user(directory.NewUser{})
	b := e.browser()
	if p := b.get("/device?user_code=bcdf-0001"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/authorize?") ||
		!strings.Contains(p.location, "state=device%3ABCDF0001") {
		t.Fatalf("without a session: %v", p)
	}
	b.signIn(e.authRequest(b, "portal", nil), u.Login)

	code := e.deviceRequest("shop")
	if p := b.get("/device?user_code=" + strings.ToLower(code)); p.status != http.StatusOK || !p.has(code) {
		t.Fatalf("enter: %v", p)
	}
	p := b.post("/device", url.Values{"user_code": {code}})
	if p.status != http.StatusOK || !p.has("Shop") || !p.has(e.text("en", "scope.profile")) {
		t.Fatalf("decide page: %v", p)
	}
	p = b.post("/device", url.Values{"user_code": {code}, "decision": {"allow"}})
	if p.status != http.StatusOK {
		t.Fatalf("allow: %v", p)
	}
	d, err := e.store.DeviceAuthorizationByUserCode(context.Background(), code)
	if err != nil || d.State != storage.DeviceApproved || d.Subject != u.ID || d.ACR != directory.ACRPassword {
		t.Fatalf("decision stored: %+v %v", d, err)
	}
	if !e.hasAudit(u.ID, directory.EventDeviceDecision, directory.OutcomeSuccess, map[string]string{"decision": "allow"}) {
		t.Error("decision not audited")
	}
	// Decided codes are no longer found.
	if p := b.post("/device", url.Values{"user_code": {code}, "decision": {"deny"}}); p.status != http.StatusBadRequest || !p.has(e.text("en", "device.error.code")) {
		t.Errorf("decided code: %v", p)
	}
	denied := e.deviceRequest("shop")
	b.post("/device", url.Values{"user_code": {denied}, "decision": {"deny"}})
	if d, _ := e.store.DeviceAuthorizationByUserCode(context.Background(), denied); d.State != storage.DeviceDenied || d.Subject != "" {
		t.Errorf("denied: %+v", d)
	}
	// A client that needs a certificate is not approved by a password session.
	strict := e.deviceRequest("strict")
	if p := b.post("/device", url.Values{"user_code": {strict}, "decision": {"allow"}}); p.status != http.StatusForbidden {
		t.Errorf("strict client: %v", p)
	}
	if d, _ := e.store.DeviceAuthorizationByUserCode(context.Background(), strict); d.State != storage.DevicePending {
		t.Errorf("strict client decided: %+v", d)
	}
	// Wrong codes: the address reaches its limit (one failure counted above).
	b.post("/device", url.Values{"user_code": {"ZZZZ0000"}})
	b.post("/device", url.Values{"user_code": {"ZZZZ0001"}})
	if p := b.post("/device", url.Values{"user_code": {e.deviceRequest("shop")}}); p.status != http.StatusTooManyRequests {
		t.Errorf("past the limit: %v", p)
	}
}
