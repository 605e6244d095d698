package login

import (
	"net/http"
	"time"
)

// Locks of identifiers that name no account. A real account is slowed down and
// locked by accountFailure; an unknown login, email or phone must get the same
// answers at the same counts, or the difference tells a stranger which accounts
// exist. The password form counts and reads these counters for every login,
// real or not, so that both cost the same database work and answer in the same
// time; it obeys them only where no account answers (a real account's lock is
// the one on the account, which recovery and operators can lift). The
// accountant sign-in's contracts are locked the same way (a company's contract
// is no account of its own).

// lockWindow is how long failures count towards a delay or a lock.
func (h *Handler) lockWindow() time.Duration {
	return max(h.cfg.Limits.Window, h.cfg.Limits.LockFor)
}

// identifierLocked tells whether any of keys has failed LockAfter times within
// the lock window.
func (h *Handler) identifierLocked(r *http.Request, keys ...string) (bool, error) {
	l := h.cfg.Limits
	if l.LockAfter <= 0 {
		return false, nil
	}
	for _, k := range keys {
		n, err := h.store.CountIn(r.Context(), identSet(k), h.now(), h.identCounters()[1])
		if err != nil {
			return false, err
		}
		if n[0] >= int64(l.LockAfter) {
			return true, nil
		}
	}
	return false, nil
}

// identifierHit counts a failure against keys and returns the most any of them
// has reached.
func (h *Handler) identifierHit(r *http.Request, keys ...string) (int64, error) {
	var n int64
	if h.cfg.Limits.DelayAfter <= 0 && h.cfg.Limits.LockAfter <= 0 {
		return 0, nil
	}
	for _, k := range keys {
		c, err := h.store.HitIn(r.Context(), identSet(k), h.identCounters()[1], h.now())
		if err != nil {
			return n, err
		}
		n = max(n, c)
	}
	return n, nil
}

// identifierFailure counts a failure against keys as accountFailure counts one
// against an account: the answer slows down past DelayAfter, and the failure that
// reaches LockAfter locks (it reports that, and the caller records it). It
// returns the count reached.
func (h *Handler) identifierFailure(r *http.Request, keys ...string) (locked bool, n int64, err error) {
	if n, err = h.identifierHit(r, keys...); err != nil {
		return false, n, err
	}
	if l := h.cfg.Limits.LockAfter; l > 0 && n >= int64(l) {
		return true, n, nil
	}
	h.failureDelay(r, n)
	return false, n, nil
}

// failureDelay slows the answer to the nth failure: 1 s at DelayAfter, doubling
// up to 8 s.
func (h *Handler) failureDelay(r *http.Request, n int64) {
	l := h.cfg.Limits
	if l.DelayAfter <= 0 || n < int64(l.DelayAfter) {
		return
	}
	d := time.Second << min(n-int64(l.DelayAfter), 3)
	select {
	case <-time.After(d):
	case <-r.Context().Done():
	}
}
