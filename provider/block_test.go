package provider

import (
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// TestRefreshRefusedForALockedAccount: a refresh token of a person an operator
// locked out does not refresh (the lock revokes them; this holds for any that
// slipped past), and refreshes again once the lock is lifted.
func TestRefreshRefusedForALockedAccount(t *testing.T) {
	s, token := refreshFixture(t, 0)
	ctx := t.Context()
	if err := s.store.CreateUser(ctx, storage.User{ID: "u1", Login: "ivanov"}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.SetBlock(ctx, "u1", &storage.Block{Until: time.Now().Add(time.Hour), At: time.Now(), By: "op1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := refreshAs(s, "shop", "", token); !isInvalidGrant(err) {
		t.Fatalf("refresh of a locked account: %v", err)
	}
	if err := s.store.SetBlock(ctx, "u1", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := refreshAs(s, "shop", "", token); err != nil {
		t.Fatalf("refresh after the unlock: %v", err)
	}
}
