package mongo

import (
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

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
	mu    sync.Mutex
	byID  map[string]handoffEntry
	order []string // IDs by time of arrival, oldest first (may name taken ones)
}

type handoffEntry struct {
	r     storage.AuthRequest
	until time.Time
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
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byID == nil {
		h.byID = map[string]handoffEntry{}
	}
	h.evict(now)
	for len(h.byID) >= handoffMax && len(h.order) > 0 {
		delete(h.byID, h.order[0])
		h.order = h.order[1:]
	}
	if len(h.order) >= 2*handoffMax { // taken ones pile up behind a live one
		live := make([]string, 0, len(h.byID)+1)
		for _, id := range h.order {
			if _, ok := h.byID[id]; ok {
				live = append(live, id)
			}
		}
		h.order = live
	}
	h.byID[r.ID] = handoffEntry{r: stored, until: now.Add(handoffTTL)}
	h.order = append(h.order, r.ID)
}

// evict drops the entries whose time is up from the front of the queue.
func (h *handoff) evict(now time.Time) {
	n := 0
	for _, id := range h.order {
		e, ok := h.byID[id]
		if ok && now.Before(e.until) {
			break
		}
		delete(h.byID, id)
		n++
	}
	h.order = h.order[n:] // append reallocates the live part when it grows
}

// take returns the kept request once, unless its time or the request's is up.
func (h *handoff) take(id string, now time.Time) (storage.AuthRequest, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.byID[id]
	if !ok {
		return storage.AuthRequest{}, false
	}
	delete(h.byID, id)
	if !now.Before(e.until) || !now.Before(e.r.ExpiresAt) {
		return storage.AuthRequest{}, false
	}
	return e.r, true
}

// drop forgets a request.
func (h *handoff) drop(id string) {
	h.mu.Lock()
	delete(h.byID, id)
	h.mu.Unlock()
}

// dropUser forgets every request completed for a user.
func (h *handoff) dropUser(userID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, e := range h.byID {
		if e.r.Completion != nil && e.r.Completion.UserID == userID {
			delete(h.byID, id)
		}
	}
}
