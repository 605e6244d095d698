package storagetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// testRefreshRotation: the successor of a refresh token is recorded with its
// use, in one write, and read back whole; a second rotation is a conflict that
// keeps the first successor; an unused token, or one used without a record,
// has none (RFC 9700 section 4.14.2, the grace period's query shapes).
func testRefreshRotation(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r1", Grant: newGrant("f", "s"), ExpiresAt: future()}))
	_, err := s.RefreshRotationOf(ctx, "r1")
	wantErr(t, err, storage.ErrNotFound)
	used := time.Now().UTC().Truncate(time.Millisecond)
	next := storage.RefreshRotation{UsedAt: used, ClientID: "shop", JKT: "jkt", X5T: "x5t", Scopes: []string{"openid", "org"},
		AccessTokenID: "a2", AccessExpiresAt: used.Add(15 * time.Minute), SealedToken: "sealed"}
	must(t, s.RotateRefreshToken(ctx, "r1", next))
	other := next
	other.AccessTokenID, other.SealedToken = "a3", "other"
	wantErr(t, s.RotateRefreshToken(ctx, "r1", other), storage.ErrConflict)
	wantErr(t, s.UseRefreshToken(ctx, "r1"), storage.ErrConflict)
	got, err := s.RefreshRotationOf(ctx, "r1")
	must(t, err)
	if !got.UsedAt.Equal(used) || got.ClientID != "shop" || got.JKT != "jkt" || got.X5T != "x5t" || !slices.Equal(got.Scopes, next.Scopes) ||
		got.AccessTokenID != "a2" || !got.AccessExpiresAt.Equal(next.AccessExpiresAt) || got.SealedToken != "sealed" {
		t.Fatalf("rotation %+v, want %+v", got, next)
	}
	rt, err := s.RefreshTokenByID(ctx, "r1")
	must(t, err)
	if !rt.Used || !rt.UsedAt.Equal(used) {
		t.Fatalf("used %v at %v, want at %v", rt.Used, rt.UsedAt, used)
	}
	wantErr(t, s.RotateRefreshToken(ctx, "nope", next), storage.ErrNotFound)

	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r2", Grant: newGrant("f", "s"), ExpiresAt: future()}))
	must(t, s.UseRefreshToken(ctx, "r2"))
	_, err = s.RefreshRotationOf(ctx, "r2")
	wantErr(t, err, storage.ErrNotFound)

	must(t, s.DeleteRefreshToken(ctx, "r2"))
	_, err = s.RefreshTokenByID(ctx, "r2")
	wantErr(t, err, storage.ErrNotFound)
}

// testConcurrentRefreshRotation: of many presentations of one refresh token at
// once, exactly one records its successor, and every loser reads that one.
func testConcurrentRefreshRotation(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r1", Grant: newGrant("f", "s"), ExpiresAt: future()}))
	var mu sync.Mutex
	winner := ""
	n := 0
	race(t, func() error {
		mu.Lock()
		n++
		id := fmt.Sprintf("a%d", n)
		mu.Unlock()
		err := s.RotateRefreshToken(ctx, "r1", storage.RefreshRotation{UsedAt: time.Now(), ClientID: "shop", AccessTokenID: id, SealedToken: id})
		if err == nil {
			mu.Lock()
			winner = id
			mu.Unlock()
		}
		return err
	})
	got, err := s.RefreshRotationOf(ctx, "r1")
	must(t, err)
	if got.AccessTokenID != winner || got.SealedToken != winner {
		t.Fatalf("recorded %+v, the winner was %s", got, winner)
	}
}
