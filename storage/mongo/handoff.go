package mongo

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/internal/onceread"
	"github.com/vhod-id/vhod/storage"
)

// A completed auth request is read once more right after it was written: the
// browser is sent on to the callback, which reads it to give out its code.
// handoff keeps the request this instance has just completed (single sign-on
// stores it complete, a sign-in completes it) for that one read, so that the
// callback costs no database round trip when it lands on the same instance.
//
// Only completed requests are kept, and completion is their last change: what
// can still happen to one is its expiry (checked here too), its deletion (by
// this store's DeleteAuthRequest and RevokeUserTokens, which drop it here as
// well; on another instance it only leaves a code that the exchange, which
// always reads the database, refuses) and the redemption of its code, which is
// a marker of its own. An entry is taken by its first read, lives handoffTTL
// at most, and there are at most handoffMax of them: oldest out first.
//
// A request bigger than handoffMaxBytes is not kept (it is read from the
// database as before): the entries then bound the memory at handoffMax ×
// handoffMaxBytes, whatever a request holds. A sign-in request is about a
// kilobyte; /authorize bounds each of its parameters.
const (
	handoffTTL      = 10 * time.Second
	handoffMax      = 4096
	handoffMaxBytes = 16 << 10
)

type handoff struct {
	once *onceread.Map[storage.AuthRequest]
}

func newHandoff() *handoff {
	return &handoff{once: onceread.New[storage.AuthRequest](handoffTTL, handoffMax)}
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
