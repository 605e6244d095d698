package mongo

import "time"

// HoldInserts keeps the writer of col's insert queue from starting, so that the
// inserts that arrive meanwhile form one batch: pending counts them, release
// writes them. It waits until the queue is idle.
func HoldInserts(s *Store, col string) (pending func() int, release func()) {
	q := s.groups.queue(s.db, col)
	// A caller returns when its batch is written; the writer notices that
	// nothing is left a moment later. Wait for that, then hold.
	for {
		q.mu.Lock()
		if !q.writing {
			q.writing = true
			q.mu.Unlock()
			break
		}
		q.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	pending = func() int {
		q.mu.Lock()
		defer q.mu.Unlock()
		return len(q.pending)
	}
	return pending, func() { go q.drain() }
}

// ColMarkers is where claims go.
const ColMarkers = colMarkers
const ColAuthRequests = colAuthRequests

// MaxPending is how many inserts a queue holds before one goes on its own.
const MaxPending = maxPending
