package onceread

import (
	"fmt"
	"testing"
	"time"
)

func TestTakenOnce(t *testing.T) {
	m, now := New[int](5*time.Second, 4), time.Unix(1000, 0)
	m.Put("a", 1, now)
	if v, ok := m.Take("a", now); !ok || v != 1 {
		t.Fatalf("first take: %v %v", v, ok)
	}
	if _, ok := m.Take("a", now); ok {
		t.Fatal("a value was read twice")
	}
	if _, ok := m.Take("never", now); ok {
		t.Fatal("a key never kept was found")
	}
}

func TestExpires(t *testing.T) {
	m, now := New[int](5*time.Second, 4), time.Unix(1000, 0)
	m.Put("a", 1, now)
	if _, ok := m.Take("a", now.Add(5*time.Second)); ok {
		t.Fatal("an expired value was read")
	}
}

// At most max entries: the oldest go first, and keys taken long ago do not
// make the bookkeeping grow.
func TestBounded(t *testing.T) {
	m, now := New[int](time.Hour, 4), time.Unix(1000, 0)
	for i := range 6 {
		m.Put(fmt.Sprint(i), i, now)
	}
	for i := range 6 {
		if _, ok := m.Take(fmt.Sprint(i), now); ok != (i >= 2) {
			t.Fatalf("key %d kept %v", i, ok)
		}
	}
	for i := range 1000 {
		m.Put(fmt.Sprint(i), i, now)
		m.Take(fmt.Sprint(i), now)
	}
	if len(m.byKey) > 4 || len(m.order) > 2*4+1 {
		t.Fatalf("%d entries, %d keys in order", len(m.byKey), len(m.order))
	}
}
