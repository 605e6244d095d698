package mongo_test

import (
	"context"
	"crypto/rand"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// twoInstances opens two stores on one fresh database, as two Vhod instances
// behind a load balancer; the first one's commands are counted.
func twoInstances(t *testing.T) (a, b *mongo.Store, commands *atomic.Int64) {
	t.Helper()
	commands = new(atomic.Int64)
	mon := &event.CommandMonitor{Started: func(context.Context, *event.CommandStartedEvent) { commands.Add(1) }}
	name := "t_" + rand.Text()[:16]
	open := func(o mongo.Options) *mongo.Store {
		s, err := mongo.Open(t.Context(), mongotest.URI(t), name, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		return s
	}
	a = open(mongo.Options{Monitor: mon})
	b = open(mongo.Options{})
	t.Cleanup(func() { _ = b.DropDatabase(context.Background()) })
	return a, b, commands
}

// issueCode stores a request completed for user and gives out its code on s,
// as /authorize with a session and the callback do.
func issueCode(t *testing.T, s *mongo.Store, id, user string) storage.AuthRequest {
	t.Helper()
	now := time.Now().UTC()
	r := storage.AuthRequest{ID: id, ClientID: "shop", RedirectURI: "http://a/cb", Scopes: []string{"openid"},
		ResponseType: "code", BrowserHash: "b", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
		Completion: &storage.Completion{UserID: user, AuthTime: now.Truncate(time.Millisecond), SessionID: "s"}}
	if err := s.CreateAuthRequest(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	got, err := s.AuthRequestByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.IssueAuthCode(t.Context(), got); err != nil {
		t.Fatal(err)
	}
	return got
}

// The instance that gave a code out answers its exchange without reading the
// request again: the redemption's claim is its one round trip, and it still
// makes the code single-use, on this instance and on another.
func TestCodeExchangeOnTheIssuingInstance(t *testing.T) {
	a, b, commands := twoInstances(t)
	ctx := t.Context()
	issueCode(t, a, "ar1", "u1")
	start := commands.Load()
	r, err := a.RedeemAuthCode(ctx, "ar1", func(storage.AuthRequest) error { return nil })
	if err != nil || r.Completion == nil || r.Completion.UserID != "u1" || r.RedirectURI != "http://a/cb" {
		t.Fatalf("redeem: %+v, %v", r, err)
	}
	if n := commands.Load() - start; n != 1 {
		t.Fatalf("the exchange on the issuing instance took %d round trips, want 1 (the claim)", n)
	}
	for name, s := range map[string]*mongo.Store{"same instance": a, "other instance": b} {
		r, err := s.RedeemAuthCode(ctx, "ar1", nil)
		if !errors.Is(err, storage.ErrConflict) || r.ID != "ar1" || r.Completion == nil {
			t.Fatalf("%s: a replayed code: %+v, %v; want the request with ErrConflict", name, r, err)
		}
	}
}

// A refused check (another client, a wrong verifier) spends neither the code
// nor the rightful client's exchange, which then reads the database.
func TestCodeRefusedCheckOnTheIssuingInstance(t *testing.T) {
	a, _, _ := twoInstances(t)
	ctx := t.Context()
	issueCode(t, a, "ar1", "u1")
	refused := errors.New("another client")
	if _, err := a.RedeemAuthCode(ctx, "ar1", func(storage.AuthRequest) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("a refused check: %v", err)
	}
	if r, err := a.RedeemAuthCode(ctx, "ar1", nil); err != nil || r.ID != "ar1" {
		t.Fatalf("the rightful exchange after a refused one: %+v, %v", r, err)
	}
}

// A request deleted on another instance after its code was given out (its
// user's tokens revoked after a password reset or a lock, or the sign-in
// denied) gives no tokens on the instance that holds it in memory, as it gives
// none where the exchange reads the database; the same user's requests are
// the only ones touched.
func TestCodeWithdrawnOnAnotherInstance(t *testing.T) {
	for _, tc := range []struct {
		name   string
		delete func(ctx context.Context, s *mongo.Store) error
	}{
		{"user revoked", func(ctx context.Context, s *mongo.Store) error { return s.RevokeUserTokens(ctx, "u1") }},
		{"request deleted", func(ctx context.Context, s *mongo.Store) error { return s.DeleteAuthRequest(ctx, "ar1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b, _ := twoInstances(t)
			ctx := t.Context()
			issueCode(t, a, "ar1", "u1")
			issueCode(t, a, "ar2", "u2")
			if err := tc.delete(ctx, b); err != nil {
				t.Fatal(err)
			}
			for name, s := range map[string]*mongo.Store{"issuing instance": a, "other instance": b} {
				if r, err := s.RedeemAuthCode(ctx, "ar1", nil); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("%s: the code of a deleted request: %+v, %v; want ErrNotFound", name, r, err)
				}
			}
			if _, err := a.RedeemAuthCode(ctx, "ar2", nil); err != nil {
				t.Fatalf("another user's code: %v", err)
			}
		})
	}
}

// Deleting the request of a code already redeemed (its marker is the
// exchange's) and deleting it twice fail nothing; the code stays refused.
func TestCodeRedeemedThenDeleted(t *testing.T) {
	a, b, _ := twoInstances(t)
	ctx := t.Context()
	issueCode(t, a, "ar1", "u1")
	if _, err := a.RedeemAuthCode(ctx, "ar1", nil); err != nil {
		t.Fatal(err)
	}
	issueCode(t, a, "ar2", "u1")
	if err := b.DeleteAuthRequest(ctx, "ar1"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteAuthRequest(ctx, "ar1"); err != nil {
		t.Fatalf("a second deletion: %v", err)
	}
	if _, err := a.RedeemAuthCode(ctx, "ar1", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the code of a deleted request: %v", err)
	}
}

// Denying a sign-in deletes its incomplete request in one round trip, as
// before: only a completed request's code needs withdrawing.
func TestDeleteIncompleteRequestIsOneRoundTrip(t *testing.T) {
	a, _, commands := twoInstances(t)
	ctx := t.Context()
	now := time.Now().UTC()
	if err := a.CreateAuthRequest(ctx, storage.AuthRequest{ID: "open", ClientID: "shop", BrowserHash: "b",
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	start := commands.Load()
	if err := a.DeleteAuthRequest(ctx, "open"); err != nil {
		t.Fatal(err)
	}
	if n := commands.Load() - start; n != 1 {
		t.Fatalf("deleting an incomplete request took %d round trips, want 1", n)
	}
	if _, err := a.AuthRequestByID(ctx, "open"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleted request: %v", err)
	}
}

// A request completed on instance A while B's revocation of the person's
// grants runs (between its read of the requests and their deletion) is
// withdrawn too: A, which holds it in memory, must not give out and redeem its
// code after the revocation (found in review: the deletion took it without a
// marker). Many requests cost one insert of markers, not one each.
func TestRevocationTakesRequestsCompletedMeanwhile(t *testing.T) {
	name := "t_" + rand.Text()[:16]
	var hook atomic.Pointer[func()]
	var inserts atomic.Int64
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		switch e.CommandName {
		case "insert":
			inserts.Add(1)
		case "delete":
			if f := hook.Swap(nil); f != nil {
				(*f)()
			}
		}
	}}
	open := func(o mongo.Options) *mongo.Store {
		s, err := mongo.Open(t.Context(), mongotest.URI(t), name, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		return s
	}
	a := open(mongo.Options{})
	b := open(mongo.Options{Monitor: mon})
	t.Cleanup(func() { _ = b.DropDatabase(context.Background()) })
	ctx := t.Context()
	for _, id := range []string{"early-1", "early-2", "early-3"} {
		issueCode(t, a, id, "u1")
	}
	now := time.Now().UTC()
	late := storage.AuthRequest{ID: "late", ClientID: "shop", RedirectURI: "http://a/cb", Scopes: []string{"openid"},
		ResponseType: "code", BrowserHash: "b", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
		Completion: &storage.Completion{UserID: "u1", AuthTime: now.Truncate(time.Millisecond), SessionID: "s"}}
	complete := func() { // single sign-on on A stores a request complete while B revokes
		if err := a.CreateAuthRequest(ctx, late); err != nil {
			t.Error(err)
		}
	}
	hook.Store(&complete)
	inserts.Store(0)
	if err := b.RevokeUserTokens(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if hook.Load() != nil {
		t.Fatal("the revocation deleted nothing")
	}
	if n := inserts.Load(); n > 2 {
		t.Errorf("%d inserts for the markers of 4 requests in two rounds, want one a round", n)
	}
	if _, err := b.AuthRequestByID(ctx, "late"); err == nil {
		t.Fatal("the request completed meanwhile survived the revocation")
	}
	got, err := a.AuthRequestByID(ctx, "late") // the callback, from A's memory
	if err == nil {
		if err := a.IssueAuthCode(ctx, got); err == nil {
			if _, err := a.RedeemAuthCode(ctx, "late", nil); err == nil {
				t.Fatal("the code of a request completed during the revocation was redeemed after it")
			}
		}
	}
	for _, id := range []string{"early-1", "early-2", "early-3"} {
		if _, err := a.RedeemAuthCode(ctx, id, nil); err == nil {
			t.Errorf("%s redeemed after the revocation", id)
		}
	}
}
