package federated

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/vhod-id/vhod/connector"
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
		sharedStore, sharedErr = mongo.Open(context.Background(), uri, "federated"+"_"+rand.Text()[:12], mongo.Options{})
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
	q = logintest.Q
)

// newEnv is the core with the outside providers reg mounted.
func newEnv(t *testing.T, reg connector.Registry) *testEnv {
	t.Helper()
	return coreEnv(t, nil, func(e *testEnv, k *login.Kit) []login.Pages {
		p, err := New(reg, k, e.Dir)
		if err != nil {
			t.Fatal(err)
		}
		return []login.Pages{p}
	})
}
