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

// identifierFailure counts a failed attempt against its identifiers as
// accountFailure counts one against an account: the answer slows down past
// DelayAfter, and the failure that reaches LockAfter locks (it reports that,
// and the caller records it). It returns the count reached.
func (h *Handler) identifierFailure(a *Attempt) (locked bool, n int64) {
	a.Failed()
	if l := h.cfg.Limits.LockAfter; l > 0 && a.lock >= int64(l) {
		return true, a.lock
	}
	h.failureDelay(a.r, a.lock)
	return false, a.lock
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
