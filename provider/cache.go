package provider

import (
	"context"
	"sync"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// staleAfter is how old an instance's view of clients and revocations may get: a
// client changed or a token revoked through another instance takes effect here
// within this time (this instance's own changes take effect at once).
const staleAfter = time.Second

// clientCache keeps clients in memory. Every write to a client changes a version
// number in the database; an instance rereads that number at most once a second
// and drops its cache when it moved, so several instances agree within a second.
//
// Lookups read the database outside the lock, so a drop (a version change or
// forget) may happen while one is under way: each drop starts a new generation,
// and a lookup stores what it read only if the generation it started in is still
// the current one. Otherwise it would write into a dropped map (once nil: the
// "assignment to entry in nil map" panic) or bring back a client as it was
// before the change that dropped it.
type clientCache struct {
	mu      sync.Mutex
	clients map[string]storage.Client // never nil after the first lookup
	gen     uint64
	version int64
	checked time.Time
}

type clientStore interface {
	ClientByID(ctx context.Context, id string) (storage.Client, error)
	ClientsVersion(ctx context.Context) (int64, error)
}

func (c *clientCache) get(ctx context.Context, st clientStore, id string) (storage.Client, error) {
	c.mu.Lock()
	stale := time.Since(c.checked) > staleAfter
	c.mu.Unlock()
	if stale {
		v, err := st.ClientsVersion(ctx)
		if err != nil {
			return storage.Client{}, err
		}
		c.mu.Lock()
		if v != c.version {
			c.drop()
			c.version = v
		}
		c.checked = time.Now()
		c.mu.Unlock()
	}
	c.mu.Lock()
	cl, ok := c.clients[id]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return cl, nil
	}
	cl, err := st.ClientByID(ctx, id)
	if err != nil {
		return cl, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.clients == nil {
			c.clients = map[string]storage.Client{}
		}
		c.clients[id] = cl
	}
	c.mu.Unlock()
	return cl, nil
}

// drop empties the cache and starts a new generation; c.mu is held.
func (c *clientCache) drop() {
	c.clients = map[string]storage.Client{}
	c.gen++
}

// forget drops the cache, so that a change made here (admin API, console) takes
// effect at once on this instance.
func (c *clientCache) forget() {
	c.mu.Lock()
	c.drop()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// denylist mirrors the revocations collection in memory, synced at most once a
// second, so that checking a JWT access token costs no database round trip.
type denylist struct {
	mu      sync.Mutex
	entries map[string]time.Time
	synced  time.Time
	since   time.Time
}

type revocationStore interface {
	Revoke(ctx context.Context, until time.Time, keys ...string) error
	RevocationsSince(ctx context.Context, since time.Time) ([]storage.Revocation, error)
}

// revoked tells whether any key is denied now.
func (d *denylist) revoked(ctx context.Context, st revocationStore, keys ...string) (bool, error) {
	if err := d.sync(ctx, st); err != nil {
		return false, err
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range keys {
		if until, ok := d.entries[k]; ok && now.Before(until) {
			return true, nil
		}
	}
	return false, nil
}

// add denies keys here at once and, through the database, everywhere within a second.
func (d *denylist) add(ctx context.Context, st revocationStore, until time.Time, keys ...string) error {
	d.mu.Lock()
	if d.entries == nil {
		d.entries = map[string]time.Time{}
	}
	for _, k := range keys {
		d.entries[k] = until
	}
	d.mu.Unlock()
	return st.Revoke(ctx, until, keys...)
}

func (d *denylist) sync(ctx context.Context, st revocationStore) error {
	d.mu.Lock()
	if time.Since(d.synced) < staleAfter {
		d.mu.Unlock()
		return nil
	}
	// Entries written in the last seconds may carry another instance's slightly
	// earlier clock: read back with a margin.
	since := d.since.Add(-5 * time.Second)
	d.mu.Unlock()
	list, err := st.RevocationsSince(ctx, since)
	if err != nil {
		return err
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.entries == nil {
		d.entries = map[string]time.Time{}
	}
	for _, r := range list {
		d.entries[r.Key] = r.ExpiresAt
		if r.CreatedAt.After(d.since) {
			d.since = r.CreatedAt
		}
	}
	for k, until := range d.entries {
		if now.After(until) {
			delete(d.entries, k)
		}
	}
	d.synced = now
	return nil
}
