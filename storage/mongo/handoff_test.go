package mongo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func completedRequest(id, user string, expires time.Time) storage.AuthRequest {
	return storage.AuthRequest{ID: id, ClientID: "shop", ExpiresAt: expires,
		Completion: &storage.Completion{UserID: user, AuthTime: expires.Add(-time.Minute)}}
}

// The handoff gives a completed request once, never an incomplete or an
// expired one, forgets what is deleted or revoked, and stays bounded.
func TestHandoff(t *testing.T) {
	now := time.Now().UTC()
	h := newHandoff(handoffTTL)
	h.keep(storage.AuthRequest{ID: "open", ExpiresAt: now.Add(time.Hour)}, now)
	if _, ok := h.take("open", now); ok {
		t.Fatal("an incomplete request was kept")
	}
	h.keep(completedRequest("a", "u1", now.Add(time.Minute)), now)
	r, ok := h.take("a", now)
	if !ok || r.Completion == nil || r.Completion.UserID != "u1" {
		t.Fatalf("take: %v %+v", ok, r)
	}
	if _, ok := h.take("a", now); ok {
		t.Fatal("taken twice")
	}
	h.keep(completedRequest("b", "u1", now.Add(time.Second)), now)
	if _, ok := h.take("b", now.Add(2*time.Second)); ok {
		t.Fatal("an expired request was given")
	}
	h.keep(completedRequest("c", "u1", now.Add(time.Hour)), now)
	if _, ok := h.take("c", now.Add(handoffTTL)); ok {
		t.Fatal("kept past its time")
	}
	h.keep(completedRequest("d", "u1", now.Add(time.Hour)), now)
	h.keep(completedRequest("e", "u2", now.Add(time.Hour)), now)
	h.dropUser("u1")
	h.drop("e")
	if _, ok := h.take("d", now); ok {
		t.Fatal("a revoked user's request was given")
	}
	if _, ok := h.take("e", now); ok {
		t.Fatal("a deleted request was given")
	}
	for i := range 3 * handoffMax {
		h.keep(completedRequest(fmt.Sprint(i), "u", now.Add(time.Hour)), now)
		if i%2 == 0 {
			h.take(fmt.Sprint(i), now)
		}
	}
	if n := h.once.Len(); n > handoffMax {
		t.Fatalf("unbounded: %d entries", n)
	}
	if _, ok := h.take(fmt.Sprint(3*handoffMax-1), now); !ok {
		t.Fatal("the newest entry was evicted")
	}
	h.keep(completedRequest("late", "u", now.Add(time.Hour)), now.Add(2*handoffTTL))
	if n := h.once.Len(); n != 1 {
		t.Fatalf("%d entries after their time, want only the new one", n)
	}
}

// A completed request over handoffMaxBytes is not kept in memory (the
// callback reads it from the database): the handoff's memory stays bounded by
// entries × size, whatever a request holds.
func TestHandoffSkipsOversizedRequests(t *testing.T) {
	now := time.Now().UTC()
	h := newHandoff(handoffTTL)
	small := completedRequest("small", "u1", now.Add(time.Minute))
	small.State = strings.Repeat("s", 4096) // the largest state /authorize takes
	h.keep(small, now)
	if _, ok := h.take("small", now); !ok {
		t.Fatal("a request with a 4096-byte state was not kept")
	}
	big := completedRequest("big", "u1", now.Add(time.Minute))
	h.keep(big, now)
	big.State = strings.Repeat("s", handoffMaxBytes+1)
	h.keep(big, now) // a bigger version of the same request replaces none
	if _, ok := h.take("big", now); ok {
		t.Fatal("a request over handoffMaxBytes was kept")
	}
	if n := h.once.Len(); n != 0 {
		t.Fatalf("%d entries left", n)
	}
}
