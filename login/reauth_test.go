package login

import (
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// A change of a way in needs a sign-in within the window (5 minutes unless
// configured); a session without a sign-in time is never fresh.
func TestChangeWayInNeedsFreshSignIn(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		within time.Duration
		age    time.Duration
		fresh  bool
	}{
		{0, 0, true}, {0, 5 * time.Minute, true}, {0, 5*time.Minute + time.Second, false}, {0, 12 * time.Hour, false},
		{2 * time.Second, time.Second, true}, {2 * time.Second, 3 * time.Second, false},
	} {
		h := &Handler{cfg: Config{ReauthWithin: tc.within}, now: func() time.Time { return now }}
		if got := h.fresh(&storage.Session{AuthTime: now.Add(-tc.age)}); got != tc.fresh {
			t.Errorf("within %s, signed in %s ago: fresh %v, want %v", tc.within, tc.age, got, tc.fresh)
		}
	}
	h := &Handler{now: func() time.Time { return now }}
	if h.fresh(nil) || h.fresh(&storage.Session{}) {
		t.Error("a session without a sign-in time counts as fresh")
	}
}

// A re-authentication is used once: it moves from started to done only.
func TestReauthTransitions(t *testing.T) {
	for _, tc := range []struct {
		from, to State
		ok       bool
	}{
		{StateStarted, StateDone, true}, {StateDone, StateDone, false}, {StateDone, StateStarted, false}, {StateStarted, StateStarted, false},
	} {
		f := flow{storage.Flow{Kind: string(KindReauth), State: string(tc.from)}}
		if err := f.to(tc.to, time.Now()); (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v", tc.from, tc.to, err)
		}
	}
}

func TestIsReauth(t *testing.T) {
	for _, tc := range []struct {
		ar   storage.AuthRequest
		want bool
	}{
		{storage.AuthRequest{ClientID: AccountClientID, State: reauthStatePrefix + "x"}, true},
		{storage.AuthRequest{ClientID: AccountClientID, State: "account"}, false},
		{storage.AuthRequest{ClientID: "shop", State: reauthStatePrefix + "x"}, false},
	} {
		if got := isReauth(tc.ar); got != tc.want {
			t.Errorf("%+v: %v", tc.ar, got)
		}
	}
}
