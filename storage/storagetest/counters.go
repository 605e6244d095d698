package storagetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func testCounters(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	n, err := s.Count(ctx, "ip:1.2.3.4", time.Minute, now)
	must(t, err)
	if n != 0 {
		t.Fatalf("fresh count %d", n)
	}
	for want := int64(1); want <= 3; want++ {
		got, err := s.Hit(ctx, "ip:1.2.3.4", time.Minute, now)
		must(t, err)
		if got != want {
			t.Fatalf("hit %d returned %d", want, got)
		}
	}
	if n, _ := s.Count(ctx, "ip:1.2.3.4", time.Minute, now.Add(20*time.Second)); n != 3 {
		t.Fatalf("count in the same window %d", n)
	}
	// The next window still weighs the earlier one by the share of it left: at
	// 10:01:10 five sixths of it (2.5, rounded up), at 10:01:45 a quarter.
	for _, tc := range []struct {
		at   time.Duration
		want int64
	}{{40 * time.Second, 3}, {75 * time.Second, 1}, {90 * time.Second, 0}} {
		if n, _ := s.Count(ctx, "ip:1.2.3.4", time.Minute, now.Add(tc.at)); n != tc.want {
			t.Fatalf("count %s later: %d, want %d", tc.at, n, tc.want)
		}
	}
	if n, _ := s.Hit(ctx, "ip:1.2.3.4", time.Minute, now.Add(75*time.Second)); n != 2 {
		t.Fatalf("hit in the next window returned %d, want 2", n)
	}
	// Long after, only the new window counts.
	if n, _ := s.Hit(ctx, "ip:1.2.3.4", time.Minute, now.Add(5*time.Minute)); n != 1 {
		t.Fatalf("hit five windows later returned %d, want 1", n)
	}
	// The same key over another window length is another counter.
	if n, _ := s.Count(ctx, "ip:1.2.3.4", time.Hour, now.Add(5*time.Minute)); n != 0 {
		t.Fatalf("an hour's count of a minute's hits: %d", n)
	}
	if n, _ := s.Count(ctx, "ip:5.6.7.8", time.Minute, now); n != 0 {
		t.Fatalf("another key counted %d", n)
	}
	// A hit taken back leaves the window it was made in, even a window later.
	at := now.Add(10 * time.Minute)
	for range 3 {
		_, err := s.Hit(ctx, "try:1", time.Minute, at)
		must(t, err)
	}
	must(t, s.Unhit(ctx, "try:1", time.Minute, at))
	if n, _ := s.Count(ctx, "try:1", time.Minute, at); n != 2 {
		t.Fatalf("three hits and one taken back count %d", n)
	}
	// At the start of the next window the one before weighs whole: 2 left
	// there, and 1 once a hit of it is taken back from the next window.
	next := at.Add(time.Minute).Truncate(time.Minute)
	_, err = s.Hit(ctx, "try:1", time.Minute, next)
	must(t, err)
	must(t, s.Unhit(ctx, "try:1", time.Minute, at))
	if n, _ := s.Count(ctx, "try:1", time.Minute, next); n != 2 {
		t.Fatalf("a hit of the window before taken back: %d, want 1 of this window and 1 of the one before", n)
	}
	must(t, s.Unhit(ctx, "never-hit", time.Minute, at))
}

func testLeases(t *testing.T, s storage.Store) {
	ctx := t.Context()
	slot := time.Now().Truncate(time.Minute)
	var mu sync.Mutex
	wins := 0
	var wg sync.WaitGroup
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimSlot(ctx, "sweep", slot)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("claim: %v", err)
			}
			if ok {
				wins++
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d claims of one slot won", wins)
	}
	ok, err := s.ClaimSlot(ctx, "sweep", slot.Add(time.Minute))
	must(t, err)
	if !ok {
		t.Fatal("the next slot could not be claimed")
	}
	ok, _ = s.ClaimSlot(ctx, "rotate", slot)
	if !ok {
		t.Fatal("another job's slot was taken")
	}
}

func testRevocations(t *testing.T, s storage.Store) {
	ctx := t.Context()
	start := time.Now().Add(-time.Second)
	must(t, s.Revoke(ctx, time.Now().Add(time.Hour), "jti:a", "gid:b"))
	must(t, s.Revoke(ctx, time.Now().Add(-time.Minute), "jti:expired"))
	got, err := s.RevocationsSince(ctx, start)
	must(t, err)
	var keys []string
	for _, r := range got {
		keys = append(keys, r.Key)
	}
	if len(keys) != 2 || !contains(keys, "jti:a") || !contains(keys, "gid:b") {
		t.Fatalf("revocations %v", keys)
	}
	later, err := s.RevocationsSince(ctx, time.Now().Add(time.Minute))
	must(t, err)
	if len(later) != 0 {
		t.Fatalf("entries from the future: %v", later)
	}
}

func testClientsVersion(t *testing.T, s storage.Store) {
	ctx := t.Context()
	v0, err := s.ClientsVersion(ctx)
	must(t, err)
	must(t, s.CreateClient(ctx, storage.Client{ID: "a"}))
	v1, _ := s.ClientsVersion(ctx)
	_, err = s.UpdateClient(ctx, storage.Client{ID: "a", Name: "A"})
	must(t, err)
	v1u, _ := s.ClientsVersion(ctx)
	must(t, s.DeleteClient(ctx, "a"))
	v2, _ := s.ClientsVersion(ctx)
	if v0 == v1 || v1 == v1u || v1u == v2 {
		t.Fatalf("version did not change: %d %d %d %d", v0, v1, v1u, v2)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func testAudit(t *testing.T, s storage.Store) {
	ctx := t.Context()
	base := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i, e := range []storage.AuditEvent{
		{ID: "e1", Type: "signin", Outcome: "success", UserID: "u1", ClientID: "shop"},
		{ID: "e2", Type: "signin", Outcome: "failure", UserID: "u2"},
		{ID: "e3", Type: "logout", Outcome: "success", UserID: "u1", Details: map[string]string{"sid": "s1"}},
	} {
		e.Time = base.Add(time.Duration(i) * time.Minute)
		must(t, s.AppendAudit(ctx, e))
	}
	wantErr(t, s.AppendAudit(ctx, storage.AuditEvent{ID: "e1", Type: "x"}), storage.ErrAlreadyExists)
	ids := func(q storage.AuditQuery) []string {
		got, err := s.QueryAudit(ctx, q)
		must(t, err)
		var out []string
		for _, e := range got {
			out = append(out, e.ID)
		}
		return out
	}
	for name, tc := range map[string]struct {
		q    storage.AuditQuery
		want string
	}{
		"all, newest first": {storage.AuditQuery{}, "e3 e2 e1"},
		"by user":           {storage.AuditQuery{UserID: "u1"}, "e3 e1"},
		"by type":           {storage.AuditQuery{Type: "signin"}, "e2 e1"},
		"time range":        {storage.AuditQuery{From: base.Add(time.Minute), To: base.Add(2 * time.Minute)}, "e2"},
		"limit":             {storage.AuditQuery{Limit: 1}, "e3"},
		"after a page":      {storage.AuditQuery{Before: base.Add(2 * time.Minute), BeforeID: "e3"}, "e2 e1"},
	} {
		if got := strings.Join(ids(tc.q), " "); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	// Retention deletes what is older, nothing else.
	n, err := s.PruneAudit(ctx, base.Add(90*time.Second))
	must(t, err)
	if got := strings.Join(ids(storage.AuditQuery{}), " "); n != 2 || got != "e3" {
		t.Fatalf("after pruning %d: %q", n, got)
	}
}

func testClaimOnce(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.ClaimOnce(ctx, "captcha:abc", time.Now().Add(time.Minute)))
	wantErr(t, s.ClaimOnce(ctx, "captcha:abc", time.Now().Add(time.Minute)), storage.ErrConflict)
	must(t, s.ClaimOnce(ctx, "captcha:other", time.Now().Add(time.Minute)))
}
