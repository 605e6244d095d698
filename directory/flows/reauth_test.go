package flows

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// A change of a way in needs a sign-in within the window (5 minutes unless
// configured); a session without a sign-in time is never fresh.
func TestChangeWayInNeedsFreshSignIn(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, tc := range []struct {
		within time.Duration
		age    time.Duration
		fresh  bool
	}{
		{0, 0, true}, {0, 5 * time.Minute, true}, {0, 5*time.Minute + time.Second, false}, {0, 12 * time.Hour, false},
		{2 * time.Second, time.Second, true}, {2 * time.Second, 3 * time.Second, false},
	} {
		a := NewReauths(nil, nil, tc.within, 0, clock)
		if got := a.Fresh(&storage.Session{AuthTime: now.Add(-tc.age)}); got != tc.fresh {
			t.Errorf("within %s, signed in %s ago: fresh %v, want %v", tc.within, tc.age, got, tc.fresh)
		}
	}
	a := NewReauths(nil, nil, 0, 0, clock)
	if a.Fresh(nil) || a.Fresh(&storage.Session{}) {
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
		f := Flow{storage.Flow{Kind: string(KindReauth), State: string(tc.from)}}
		if err := f.To(tc.to, time.Now()); (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v", tc.from, tc.to, err)
		}
	}
}

func TestIsReauth(t *testing.T) {
	for _, tc := range []struct {
		ar   storage.AuthRequest
		want bool
	}{
		{storage.AuthRequest{ClientID: directory.AccountClientID, State: directory.ReauthStatePrefix + "x"}, true},
		{storage.AuthRequest{ClientID: directory.AccountClientID, State: "account"}, false},
		{storage.AuthRequest{ClientID: "shop", State: directory.ReauthStatePrefix + "x"}, false},
	} {
		if got := directory.IsReauth(tc.ar); got != tc.want {
			t.Errorf("%+v: %v", tc.ar, got)
		}
	}
}

type flowsKept struct{ flows []storage.Flow }

func (k *flowsKept) CreateFlow(_ context.Context, f storage.Flow) error {
	k.flows = append(k.flows, f)
	return nil
}

type auditsKept struct{ events []storage.AuditEvent }

func (a *auditsKept) AppendAudit(_ context.Context, e storage.AuditEvent) error {
	a.events = append(a.events, e)
	return nil
}

// Wait keeps the action for this browser and person, for the flow lifetime,
// and audits that a new sign-in was asked for, with the session's age.
func TestReauthWaitKeepsTheAction(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	st, rec := &flowsKept{}, &auditsKept{}
	a := NewReauths(st, directory.NewAuditor(rec, slog.New(slog.DiscardHandler)), 0, 0, func() time.Time { return now })
	sess := &storage.Session{AuthTime: now.Add(-time.Hour)}
	id, err := a.Wait(t.Context(), directory.Actor{IP: "192.0.2.7"}, sess, "u1", "browser", ReauthCertificateRemove, "ab12", "")
	if err != nil || len(st.flows) != 1 {
		t.Fatalf("wait: %v, flows %+v", err, st.flows)
	}
	f := st.flows[0]
	if f.ID != id || f.Kind != string(KindReauth) || f.State != string(StateStarted) || f.UserID != "u1" || f.BrowserHash != "browser" ||
		f.Method != ReauthCertificateRemove || f.Recipient != "ab12" || !f.ExpiresAt.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("flow %+v", f)
	}
	if len(rec.events) != 1 || rec.events[0].Type != directory.EventReauthRequired || rec.events[0].Details["age_seconds"] != "3600" ||
		rec.events[0].IP != "192.0.2.7" {
		t.Fatalf("audit %+v", rec.events)
	}
}
