package device_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/device"
	"github.com/vhod-id/vhod/login/logintest"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// The package's tests run on login/logintest's harness over one embedded
// store, opened on first use (each test keeps to its own users, address,
// auth requests and user codes).

var (
	sharedOnce  sync.Once
	sharedStore *mongo.Store
	sharedErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedStore != nil {
		ctx := context.Background()
		_ = sharedStore.DropDatabase(ctx)
		_ = sharedStore.Close(ctx)
	}
	os.Exit(code)
}

func testStore(t *testing.T) *mongo.Store {
	t.Helper()
	uri := mongotest.URI(t)
	sharedOnce.Do(func() {
		sharedStore, sharedErr = mongo.Open(context.Background(), uri, "device"+"_"+rand.Text()[:12], mongo.Options{})
		for _, c := range logintest.Clients {
			if sharedErr == nil {
				sharedErr = sharedStore.CreateClient(context.Background(), c)
			}
		}
	})
	if sharedErr != nil {
		t.Fatalf("shared store: %v", sharedErr)
	}
	return sharedStore
}

// newEnv is the core with the device page mounted over the store, with
// edit's configuration of the core.
func newEnv(t *testing.T, edit func(*login.Config)) (*logintest.Env, *mongo.Store) {
	t.Helper()
	st := testStore(t)
	e := logintest.New(t, st, func(p *directory.Passwords) *directory.Directory {
		return directory.New(st, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}, edit, func(_ *logintest.Env, k *login.Kit) []login.Pages {
		p, err := device.New(k, st)
		if err != nil {
			t.Fatal(err)
		}
		return []login.Pages{p}
	})
	return e, st
}

// deviceRequest stores a pending device authorization of clientID and returns
// its user code.
func deviceRequest(e *logintest.Env, st *mongo.Store, clientID string) string {
	e.T.Helper()
	code := fmt.Sprintf("BCDF%04d", logintest.Next()%10000)
	d := storage.DeviceAuthorization{ID: "dev" + code + e.IP, UserCode: code, ClientID: clientID, Scopes: []string{"openid", "profile"},
		State: storage.DevicePending, ExpiresAt: time.Now().Add(10 * time.Minute)}
	if err := st.CreateDeviceAuthorization(context.Background(), d); err != nil {
		e.T.Fatal(err)
	}
	return code
}

// The device page: without a session it sends the person to sign in (and
// back with the code); signed in, a code shows the app to allow or deny; the
// decision is stored and audited; unknown codes count as failures.
func TestDevicePage(t *testing.T) {
	e, st := newEnv(t, func(c *login.Config) { c.Limits = login.Limits{Window: time.Hour, PerIP: 3} })
	u := e.User(directory.NewUser{})
	b := e.Browser()
	if p := b.Get("/device?user_code=bcdf-0001"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/authorize?") ||
		!strings.Contains(p.Location, "state=device%3ABCDF0001") {
		t.Fatalf("without a session: %v", p)
	}
	b.SignIn(e.AuthRequest(b, "portal", nil), u.Login)

	code := deviceRequest(e, st, "shop")
	if p := b.Get("/device?user_code=" + strings.ToLower(code)); p.Status != http.StatusOK || !p.Has(code) {
		t.Fatalf("enter: %v", p)
	}
	p := b.Post("/device", url.Values{"user_code": {code}})
	if p.Status != http.StatusOK || !p.Has("Shop") || !p.Has(e.Text("en", "scope.profile")) {
		t.Fatalf("decide page: %v", p)
	}
	p = b.Post("/device", url.Values{"user_code": {code}, "decision": {"allow"}})
	if p.Status != http.StatusOK {
		t.Fatalf("allow: %v", p)
	}
	d, err := st.DeviceAuthorizationByUserCode(context.Background(), code)
	if err != nil || d.State != storage.DeviceApproved || d.Subject != u.ID || d.ACR != directory.ACRPassword {
		t.Fatalf("decision stored: %+v %v", d, err)
	}
	if !e.HasAudit(u.ID, directory.EventDeviceDecision, directory.OutcomeSuccess, map[string]string{"decision": "allow"}) {
		t.Error("decision not audited")
	}
	// Decided codes are no longer found.
	if p := b.Post("/device", url.Values{"user_code": {code}, "decision": {"deny"}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "device.error.code")) {
		t.Errorf("decided code: %v", p)
	}
	denied := deviceRequest(e, st, "shop")
	b.Post("/device", url.Values{"user_code": {denied}, "decision": {"deny"}})
	if d, _ := st.DeviceAuthorizationByUserCode(context.Background(), denied); d.State != storage.DeviceDenied || d.Subject != "" {
		t.Errorf("denied: %+v", d)
	}
	// A client that needs a certificate is not approved by a password session.
	strict := deviceRequest(e, st, "strict")
	if p := b.Post("/device", url.Values{"user_code": {strict}, "decision": {"allow"}}); p.Status != http.StatusForbidden {
		t.Errorf("strict client: %v", p)
	}
	if d, _ := st.DeviceAuthorizationByUserCode(context.Background(), strict); d.State != storage.DevicePending {
		t.Errorf("strict client decided: %+v", d)
	}
	// Wrong codes: the address reaches its limit (one failure counted above).
	b.Post("/device", url.Values{"user_code": {"ZZZZ0000"}})
	b.Post("/device", url.Values{"user_code": {"ZZZZ0001"}})
	if p := b.Post("/device", url.Values{"user_code": {deviceRequest(e, st, "shop")}}); p.Status != http.StatusTooManyRequests {
		t.Errorf("past the limit: %v", p)
	}
}
