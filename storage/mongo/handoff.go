package mongo

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/internal/onceread"
	"github.com/vhod-id/vhod/storage"
)

// A completed auth request is read twice more right after it was written: the
// browser is sent on to the callback, which reads it to give out its code, and
// the client exchanges that code at once. A handoff keeps the request this
// instance has just completed (single sign-on stores it complete, a sign-in
// completes it) for the callback, and another keeps the request whose code it
// has just given out for the exchange, so that neither read costs a database
// round trip when it lands on the same instance; one on another instance reads
// the database as before.
//
// Only completed requests are kept, and completion is their last change (a
// second completion is refused by its claim; a request that single sign-on
// stored complete has no login flow that could complete it). What can still
// happen to one is its expiry (checked here too), its deletion (Deny's
// DeleteAuthRequest, and RevokeUserTokens after a password reset or a lock)
// and the redemption of its code. A deletion drops the request here and, for
// every other instance, claims the redemption of its code with a withdrawal
// marker (see withdraw): an exchange that took the request from
// memory still claims the redemption in the database, so it is refused on any
// instance, as an exchange that read the deleted request would be. The
// single use of the code stays the claim's.
//
// An entry is taken by its first read, lives its TTL at most, and there are at
// most handoffMax of them per handoff: oldest out first. A request bigger than
// handoffMaxBytes is not kept (it is read from the database as before): the
// entries then bound the memory at 2 × handoffMax × handoffMaxBytes, whatever a
// request holds. A sign-in request is about a kilobyte; /authorize bounds each
// of its parameters.
const (
	handoffTTL      = 10 * time.Second
	handoffMax      = 4096
	handoffMaxBytes = 16 << 10
	// issuedTTL is how long a code given out here waits in memory for its
	// exchange: a client exchanges it as soon as the browser brings it back;
	// a later exchange reads the database. Holding more for longer would let
	// a signed-in browser that visits callbacks and never has its codes
	// exchanged hold more memory, not save more round trips.
	issuedTTL = handoffTTL
)

type handoff struct {
	once *onceread.Map[storage.AuthRequest]
}

func newHandoff(ttl time.Duration) *handoff {
	return &handoff{once: onceread.New[storage.AuthRequest](ttl, handoffMax)}
}

// keep remembers a completed request as the database now holds it: a copy
// made through BSON, so that times have the database's precision and nothing
// is shared with the caller.
func (h *handoff) keep(r storage.AuthRequest, now time.Time) {
	if r.Completion == nil {
		return
	}
	raw, err := bson.Marshal(r)
	if err != nil || len(raw) > handoffMaxBytes {
		h.drop(r.ID) // no older copy may stand in for it
		return
	}
	var stored storage.AuthRequest
	if bson.Unmarshal(raw, &stored) != nil {
		return
	}
	h.once.Put(r.ID, stored, now)
}

// take returns the kept request once, unless its time or the request's is up.
func (h *handoff) take(id string, now time.Time) (storage.AuthRequest, bool) {
	r, ok := h.once.Take(id, now)
	if !ok || !now.Before(r.ExpiresAt) {
		return storage.AuthRequest{}, false
	}
	return r, true
}

// drop forgets a request.
func (h *handoff) drop(id string) { h.once.Take(id, time.Time{}) }

// dropUser forgets every request completed for a user.
func (h *handoff) dropUser(userID string) {
	h.once.DropIf(func(r storage.AuthRequest) bool {
		return r.Completion != nil && r.Completion.UserID == userID
	})
}
