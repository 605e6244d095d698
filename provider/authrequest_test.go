package provider

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// TestSaveAuthCodeOncePerRequest (issue 16 item 7): op asks the storage to save every
// code it makes for the callback; the first is given out, a second one for the
// same auth request is refused with invalid_request, so that a second visit of
// the callback (by whoever reaches it) yields no code.
func TestSaveAuthCodeOncePerRequest(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	s := &Storage{store: store, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := t.Context()
	now := time.Now().UTC()
	ar := storage.AuthRequest{ID: "ar1", ClientID: "shop", RedirectURI: "http://a/cb", Scopes: []string{"openid"},
		ResponseType: "code", BrowserHash: "b", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := store.CreateAuthRequest(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAuthCode(ctx, "ar1", "code-1"); err == nil {
		t.Fatal("a code was given out for an incomplete request")
	}
	if err := store.CompleteAuthRequest(ctx, "ar1", storage.Completion{UserID: "u1", AuthTime: now}, now.Add(CodeLifetime)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAuthCode(ctx, "ar1", "code-1"); err != nil {
		t.Fatalf("first code: %v", err)
	}
	err := s.SaveAuthCode(ctx, "ar1", "code-2")
	var oe *oidc.Error
	if !errors.As(err, &oe) || oe.ErrorType != oidc.InvalidRequest {
		t.Fatalf("second code of one request: %v, want invalid_request", err)
	}
}
