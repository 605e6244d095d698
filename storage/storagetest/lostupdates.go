package storagetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// testCountersConcurrentHits: failures counted at the same moment all count,
// for a single counter and a counter of a set, including the first hits that
// create their document. An attacker who guesses passwords in parallel must
// meet the lockout as one who guesses in turn (found in review: the embedded
// store counted 4 of 40 parallel hits, with errors for the others).
func testCountersConcurrentHits(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	const hits = 40
	fail := storage.Counter{Name: "fail", Window: time.Hour}
	var wg sync.WaitGroup
	errs := make(chan error, 2*hits)
	for range hits {
		wg.Go(func() {
			if _, err := s.Hit(ctx, "race:single", time.Hour, now); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			if _, err := s.HitIn(ctx, "race:set", now, fail); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a hit failed: %v", err)
	}
	n, err := s.Count(ctx, "race:single", time.Hour, now)
	must(t, err)
	set, err := s.CountIn(ctx, "race:set", now, fail)
	must(t, err)
	if n != hits || set[0] != hits {
		t.Fatalf("%d hits at once counted %d (single counter) and %d (set)", hits, n, set[0])
	}
}

// testConcurrentUserWrites: writes of different fields of one account at the
// same moment all stay. An operator's block must not be undone by the person's
// own sign-in writing to the account at that moment, nor a new password by a
// profile edit.
func testConcurrentUserWrites(t *testing.T, s storage.Store) {
	ctx := t.Context()
	block := &storage.Block{Until: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), By: "operator", Reason: "fraud"}
	lock := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := range 10 {
		id := fmt.Sprintf("writes%d", round)
		must(t, s.CreateUser(ctx, storage.User{ID: id, Login: id}))
		writes := []func() error{
			func() error { return s.SetBlock(ctx, id, block) },
			func() error { return s.SetPasswordHash(ctx, id, "new-hash", false) },
			func() error { return s.UpdateProfile(ctx, id, storage.Profile{FamilyName: "Ivanova"}) },
			func() error { return s.SetLockedUntil(ctx, id, lock) },
			func() error { return s.SetAuthorities(ctx, id, []string{storage.AuthorityOperator}) },
			func() error { return s.SetAlwaysAsk(ctx, id, true) },
		}
		var wg sync.WaitGroup
		errs := make([]error, len(writes))
		for i, w := range writes {
			wg.Go(func() { errs[i] = w() })
		}
		wg.Wait()
		for _, err := range errs {
			must(t, err)
		}
		u, err := s.UserByID(ctx, id)
		must(t, err)
		if u.Blocked == nil || u.PasswordHash != "new-hash" || u.FamilyName != "Ivanova" || !u.LockedUntil.Equal(lock) ||
			len(u.Authorities) != 1 || !u.Factors.AlwaysAsk {
			t.Fatalf("round %d: a write at the same moment as others was lost: block %v, password %q, family name %q, locked until %s, authorities %v, always ask %v",
				round, u.Blocked, u.PasswordHash, u.FamilyName, u.LockedUntil, u.Authorities, u.Factors.AlwaysAsk)
		}
	}
}

// testConcurrentSessionClients: every app that got tokens in a session at the
// same moment is recorded, so that signing out reaches each of them.
func testConcurrentSessionClients(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateSession(ctx, storage.Session{ID: "hc", SID: "sidc", UserID: "u1", ExpiresAt: future()}))
	const apps = 20
	var wg sync.WaitGroup
	errs := make(chan error, apps+1)
	for i := range apps {
		wg.Go(func() {
			if err := s.AddSessionClient(ctx, "sidc", fmt.Sprintf("app%d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Go(func() {
		if err := s.SetSessionOrg(ctx, "hc", "romashka"); err != nil {
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a write failed: %v", err)
	}
	sess, err := s.SessionBySID(ctx, "sidc")
	must(t, err)
	if len(sess.ClientIDs) != apps || sess.OrgID != "romashka" {
		t.Fatalf("%d apps and an organisation written at once: the session has %d apps %v and organisation %q",
			apps, len(sess.ClientIDs), sess.ClientIDs, sess.OrgID)
	}
}
