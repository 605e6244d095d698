package mongo

// HoldInserts keeps the writer of col's insert queue from starting, so that the
// inserts that arrive meanwhile form one batch: pending counts them, release
// writes them. Only for an idle queue.
func HoldInserts(s *Store, col string) (pending func() int, release func()) {
	q := s.groups.queue(s.db, col)
	q.mu.Lock()
	q.writing = true
	q.mu.Unlock()
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
