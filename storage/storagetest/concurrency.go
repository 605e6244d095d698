package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// racers is how many writers try the same one-time transition at once.
const racers = 12

// race runs f concurrently and checks that exactly one call succeeded and every
// other one failed with ErrConflict. Errors are collected, not asserted, inside
// the goroutines.
func race(t *testing.T, f func() error) {
	t.Helper()
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f()
		}()
	}
	close(start)
	wg.Wait()
	OneWinner(t, errs)
}

// OneWinner checks the errors of writers that raced for one one-time
// transition: exactly one succeeded, every other one failed with ErrConflict.
func OneWinner(t *testing.T, errs []error) {
	t.Helper()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, storage.ErrConflict):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent writers won, want exactly 1", wins, len(errs))
	}
}

func testConcurrentRedeem(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("ar1")))
	must(t, s.CompleteAuthRequest(ctx, "ar1", storage.Completion{UserID: "u1"}, future()))
	race(t, func() error { _, err := s.RedeemAuthCode(ctx, "ar1", nil); return err })
}

func testConcurrentCodeIssue(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("ar1")))
	must(t, s.CompleteAuthRequest(ctx, "ar1", storage.Completion{UserID: "u1"}, future()))
	r, err := s.AuthRequestByID(ctx, "ar1")
	must(t, err)
	race(t, func() error { return s.IssueAuthCode(ctx, r) })
}

func testConcurrentRefresh(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r1", Grant: newGrant("f", "s"), ExpiresAt: future()}))
	race(t, func() error { return s.UseRefreshToken(ctx, "r1") })
}

func testConcurrentFlowSave(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateFlow(ctx, storage.Flow{ID: "f1", State: "start", ExpiresAt: future()}))
	f, err := s.FlowByID(ctx, "f1")
	must(t, err)
	race(t, func() error {
		g := f
		g.State = "passed"
		_, err := s.SaveFlow(ctx, g)
		return err
	})
	got, err := s.FlowByID(ctx, "f1")
	must(t, err)
	if got.Version != 1 {
		t.Fatalf("version %d after one winning save", got.Version)
	}
}

func testConcurrentCompletion(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("ar1")))
	race(t, func() error {
		return s.CompleteAuthRequest(ctx, "ar1", storage.Completion{UserID: "u1", AuthTime: time.Now()}, future())
	})
}

// testPushedRequests: a pushed request is read back with its parameters once,
// by its own client only;
// of concurrent takers exactly one gets it; an expired one is gone.
func testPushedRequests(t *testing.T, s storage.Store) {
	ctx := t.Context()
	params := map[string][]string{"scope": {"openid"}, "claims": {`{"id_token":{}}`}}
	must(t, s.PushRequest(ctx, storage.PushedRequest{ID: "p1", ClientID: "shop", Params: params, ExpiresAt: future()}))
	wantErr(t, s.PushRequest(ctx, storage.PushedRequest{ID: "p1", ClientID: "shop", ExpiresAt: future()}), storage.ErrAlreadyExists)
	// Another client's attempt leaves the request to its own (RFC 9126 section 4).
	_, err := s.TakePushedRequest(ctx, "p1", "partner")
	wantErr(t, err, storage.ErrNotFound)
	got, err := s.TakePushedRequest(ctx, "p1", "shop")
	must(t, err)
	if got.ClientID != "shop" || got.Params["scope"][0] != "openid" || got.Params["claims"][0] != params["claims"][0] {
		t.Fatalf("pushed request %+v", got)
	}
	_, err = s.TakePushedRequest(ctx, "p1", "shop")
	wantErr(t, err, storage.ErrNotFound)

	must(t, s.PushRequest(ctx, storage.PushedRequest{ID: "p2", ClientID: "shop", ExpiresAt: future()}))
	race(t, func() error {
		_, err := s.TakePushedRequest(ctx, "p2", "shop")
		if errors.Is(err, storage.ErrNotFound) {
			return storage.ErrConflict
		}
		return err
	})
	must(t, s.PushRequest(ctx, storage.PushedRequest{ID: "p3", ClientID: "shop", ExpiresAt: past()}))
	_, err = s.TakePushedRequest(ctx, "p3", "shop")
	wantErr(t, err, storage.ErrNotFound)
}

func testDeviceAuthorizations(t *testing.T, s storage.Store) {
	ctx := t.Context()
	d := storage.DeviceAuthorization{ID: "dev1", UserCode: "BCDFGHJK", ClientID: "tv", Scopes: []string{"openid"},
		State: storage.DevicePending, ExpiresAt: future()}
	must(t, s.CreateDeviceAuthorization(ctx, d))
	wantErr(t, s.CreateDeviceAuthorization(ctx, storage.DeviceAuthorization{ID: "dev2", UserCode: "BCDFGHJK", ExpiresAt: future()}), storage.ErrAlreadyExists)
	got, err := s.DeviceAuthorizationByUserCode(ctx, "BCDFGHJK")
	must(t, err)
	if got.ID != "dev1" || got.ClientID != "tv" || got.State != storage.DevicePending {
		t.Fatalf("by user code: %+v", got)
	}
	d.State, d.Subject, d.AMR, d.AuthTime = storage.DeviceApproved, "u1", []string{"pwd"}, time.Now().UTC().Truncate(time.Millisecond)
	race(t, func() error { return s.DecideDeviceAuthorization(ctx, d) })
	got, err = s.DeviceAuthorizationByID(ctx, "dev1")
	must(t, err)
	if got.State != storage.DeviceApproved || got.Subject != "u1" || got.AMR[0] != "pwd" || !got.AuthTime.Equal(d.AuthTime) {
		t.Fatalf("decided: %+v", got)
	}
	d.State = storage.DeviceDenied
	wantErr(t, s.DecideDeviceAuthorization(ctx, d), storage.ErrConflict)
	must(t, s.CreateDeviceAuthorization(ctx, storage.DeviceAuthorization{ID: "dev3", UserCode: "LMNPQRST", ExpiresAt: past()}))
	_, err = s.DeviceAuthorizationByUserCode(ctx, "LMNPQRST")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.DeviceAuthorizationByID(ctx, "dev3")
	wantErr(t, err, storage.ErrNotFound)
}

// testConcurrentRevoke: revoking one key from several requests at once (a
// refresh token family whose reuse several requests detect together) succeeds
// for every caller; none may see the upsert's duplicate-key race.
func testConcurrentRevoke(t *testing.T, s storage.Store) {
	ctx := t.Context()
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Revoke(ctx, time.Now().Add(time.Hour), "gid:raced")
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("revoker %d: %v", i, err)
		}
	}
}
