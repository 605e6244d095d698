package provider

import (
	"context"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// A request checks its JWT access token once (verifyJWT), and the outcome is
// that of the very token: another token, or a forged copy of the first, in the
// same request is checked itself.
func TestVerifyJWTOncePerToken(t *testing.T) {
	tp := newTestProvider(t, nil)
	ctx := context.WithValue(t.Context(), requestClientKey{}, &requestClient{})
	s := tp.p.storage
	c, err := s.loadClient(ctx, "jwtapp")
	if err != nil {
		t.Fatal(err)
	}
	sign := func(id string) string {
		t.Helper()
		now := time.Now()
		raw, err := s.signAccessToken(ctx, c, storage.AccessToken{ID: id, CreatedAt: now, ExpiresAt: now.Add(time.Minute),
			Grant: storage.Grant{ClientID: "jwtapp", Subject: "u1", Scopes: []string{"openid"}, Family: "f-" + id}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	first, second := sign("t1"), sign("t2")
	for i, tc := range []struct {
		raw    string
		wantID string
		wantOK bool
	}{
		{first, "t1", true},
		{first, "t1", true}, // the same token again: the request's own check
		{second, "t2", true},
		{first[:len(first)-4] + "AAAA", "", false}, // a forged signature after a valid check
		{first, "t1", true},
	} {
		at, ok := s.verifyJWT(ctx, tc.raw)
		if ok != tc.wantOK || (ok && at.ID != tc.wantID) {
			t.Fatalf("check %d: %v %q, want %v %q", i, ok, at.ID, tc.wantOK, tc.wantID)
		}
	}
	if _, ok := s.jwtAccessToken(ctx, "t1"); ok {
		t.Fatal("the holder's raw token is not t1's, yet jwtAccessToken found it")
	}
}
