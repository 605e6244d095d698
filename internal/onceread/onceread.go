// Package onceread keeps what one request has just written for the one read
// that the browser's next request makes of it, so that read costs no database
// round trip. An entry is taken by its first read, lives a few seconds at
// most, and there are at most a fixed number of them (oldest out first): a
// read that finds nothing goes to the database, as it would without this.
package onceread

import (
	"sync"
	"time"
)

// Map holds values by key for one read each. The zero value is not usable; see New.
type Map[V any] struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	byKey map[string]entry[V]
	order []string // keys by time of arrival, oldest first (may name taken ones)
}

type entry[V any] struct {
	v     V
	until time.Time
}

// New keeps up to max entries for ttl each.
func New[V any](ttl time.Duration, max int) *Map[V] {
	return &Map[V]{ttl: ttl, max: max, byKey: map[string]entry[V]{}}
}

// Put keeps v under key until now+ttl or its first Take.
func (m *Map[V]) Put(key string, v V, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.order) > 0 && (len(m.byKey) >= m.max || m.expired(m.order[0], now)) {
		delete(m.byKey, m.order[0])
		m.order = m.order[1:]
	}
	if len(m.order) >= 2*m.max { // taken keys pile up behind a live one
		live := make([]string, 0, len(m.byKey)+1)
		for _, k := range m.order {
			if _, ok := m.byKey[k]; ok {
				live = append(live, k)
			}
		}
		m.order = live
	}
	m.byKey[key] = entry[V]{v: v, until: now.Add(m.ttl)}
	m.order = append(m.order, key)
}

// expired: the oldest key is gone or past its time (m.mu held).
func (m *Map[V]) expired(key string, now time.Time) bool {
	e, ok := m.byKey[key]
	return !ok || !now.Before(e.until)
}

// Take returns the value kept under key and forgets it; false when there is
// none (never kept, taken already, expired or pushed out).
func (m *Map[V]) Take(key string, now time.Time) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.byKey[key]
	delete(m.byKey, key)
	if !ok || !now.Before(e.until) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// DropIf forgets every value for which drop says so.
func (m *Map[V]) DropIf(drop func(V) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.byKey {
		if drop(e.v) {
			delete(m.byKey, k)
		}
	}
}

// Len is how many values are kept (some may be past their time until the next Put).
func (m *Map[V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byKey)
}
