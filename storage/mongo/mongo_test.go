package mongo_test

import (
	"os"
	"testing"

	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
	"github.com/vhod-id/vhod/storage/storagetest"
)

func TestConformanceEmbedded(t *testing.T) {
	srv := mongotest.Embedded(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return mongotest.Fresh(t, srv.URI(), mongo.Options{}) })
}

func TestConformanceMongoDB(t *testing.T) {
	uri := os.Getenv("VHOD_TEST_MONGODB_URI")
	if uri == "" {
		t.Skip("VHOD_TEST_MONGODB_URI not set: the suite ran on the embedded server only")
	}
	storagetest.Run(t, func(t *testing.T) storage.Store { return mongotest.Fresh(t, uri, mongo.Options{}) })
}
