// Package mongotest gives tests a database: the embedded server, started once per test
// binary, with a fresh database per test, or a real MongoDB when VHOD_TEST_MONGODB_URI is set.
package mongotest

import (
	"context"
	"crypto/rand"
	"os"
	"sync"
	"testing"

	"github.com/vhod-id/vhod/storage/embedded"
	"github.com/vhod-id/vhod/storage/mongo"
)

var (
	once   sync.Once
	shared *embedded.Server
	err    error
)

// Embedded returns the test binary's embedded server, starting it on first use.
// It lives until the process ends; its files are in a temporary folder.
func Embedded(t testing.TB) *embedded.Server {
	t.Helper()
	once.Do(func() {
		dir, derr := os.MkdirTemp("", "vhod-test-db-")
		if derr != nil {
			err = derr
			return
		}
		shared, err = embedded.Start(context.Background(), embedded.Options{Dir: dir})
	})
	if err != nil {
		t.Fatalf("start embedded store: %v", err)
	}
	return shared
}

// URI is where tests should put their databases: VHOD_TEST_MONGODB_URI or the embedded server.
func URI(t testing.TB) string {
	if uri := os.Getenv("VHOD_TEST_MONGODB_URI"); uri != "" {
		return uri
	}
	return Embedded(t).URI()
}

// Fresh opens a new, uniquely named database on uri and drops it when the test ends.
func Fresh(t testing.TB, uri string, o mongo.Options) *mongo.Store {
	t.Helper()
	name := "t_" + rand.Text()[:16]
	s, err := mongo.Open(t.Context(), uri, name, o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = s.DropDatabase(ctx)
		_ = s.Close(ctx)
	})
	return s
}
