package phone

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/logintest"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// The package's tests run on login/logintest's harness over one embedded
// store, opened on first use (each test keeps to its own users, address and
// auth requests).

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
		sharedStore, sharedErr = mongo.Open(context.Background(), uri, "phone"+"_"+rand.Text()[:12], mongo.Options{})
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

// coreEnv is the core with edit's configuration and the parts parts builds.
func coreEnv(t *testing.T, edit func(*login.Config), parts func(e *testEnv, k *login.Kit) []login.Pages) *testEnv {
	t.Helper()
	st := testStore(t)
	return logintest.New(t, st, func(p *directory.Passwords) *directory.Directory {
		return directory.New(st, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}, edit, parts)
}

type (
	testEnv     = logintest.Env
	testBrowser = logintest.Browser
	page        = logintest.Page
)

var (
	q          = logintest.Q
	flowPathOf = logintest.FlowPathOf
	codeIn     = logintest.CodeIn
	next       = logintest.Next
)

const testPassword = logintest.TestPassword

// newEnv is the core with sign-in by phone mounted: texts go to e.Sent; own
// edits the pages' configuration.
func newEnv(t *testing.T, core func(*login.Config), own func(*Config)) *testEnv {
	t.Helper()
	return coreEnv(t, core, func(e *testEnv, k *login.Kit) []login.Pages {
		cfg := Config{SMS: e.Sent}
		if own != nil {
			own(&cfg)
		}
		p, err := New(cfg, k, e.Dir)
		if err != nil {
			t.Fatal(err)
		}
		return []login.Pages{p}
	})
}
