// Package cache keeps in memory what the provider asks the database on every
// request: clients, the denylist of revoked JWT access tokens, and the web
// origins of registered redirect URIs. Each view is reread at most once a
// second (a version number or a since-query), so several instances agree
// within a second while a request costs no round trip. It is separate because
// it is the provider's only shared mutable state and needs its own race tests.
package cache

import (
	"context"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/vhod-id/vhod/storage"
)

// staleAfter is how old an instance's view of clients and revocations may get: a
// client changed or a token revoked through another instance takes effect here
// within this time (this instance's own changes take effect at once).
const staleAfter = time.Second

// Clients keeps clients in memory. Every write to a client changes a version
// number in the database; an instance rereads that number at most once a second
// and drops its cache when it moved, so several instances agree within a second.
//
// Lookups read the database outside the lock, so a drop (a version change or
// forget) may happen while one is under way: each drop starts a new generation,
// and a lookup stores what it read only if the generation it started in is still
// the current one. Otherwise it would write into a dropped map (once nil: the
// "assignment to entry in nil map" panic) or bring back a client as it was
// before the change that dropped it.
type Clients struct {
	mu      sync.Mutex
	clients map[string]storage.Client // never nil after the first lookup
	gen     uint64
	version int64
	checked time.Time
	// versionCheck lets one lookup reread the version once the view is stale;
	// the lookups arriving meanwhile wait for its answer. Each asked the
	// database itself before: under load (64 requests at once) dozens of
	// reads a second instead of one, a few per cent of the server's CPU.
	versionCheck singleflight.Group
}

// ClientStore is what Clients reads.
type ClientStore interface {
	ClientByID(ctx context.Context, id string) (storage.Client, error)
	ClientsVersion(ctx context.Context) (int64, error)
}

func (c *Clients) Get(ctx context.Context, st ClientStore, id string) (storage.Client, error) {
	c.mu.Lock()
	stale := time.Since(c.checked) > staleAfter
	c.mu.Unlock()
	if stale {
		if err := c.checkVersion(ctx, st); err != nil {
			return storage.Client{}, err
		}
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

// checkVersion rereads the clients' version, once for all the lookups that
// find the view stale at the same time (see versionCheck), and drops the cache
// when it moved.
func (c *Clients) checkVersion(ctx context.Context, st ClientStore) error {
	return shared(ctx, &c.versionCheck, func(ctx context.Context) error {
		// A lookup that found the view stale just before another's read
		// ended comes here after it: the view is fresh again.
		c.mu.Lock()
		fresh := time.Since(c.checked) <= staleAfter
		c.mu.Unlock()
		if fresh {
			return nil
		}
		v, err := st.ClientsVersion(ctx)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if v != c.version {
			c.drop()
			c.version = v
		}
		c.checked = time.Now()
		c.mu.Unlock()
		return nil
	})
}

// shared runs read once for every caller that asks while it runs, and each
// caller waits for it as long as its own context lets it. read gets a context
// that the first caller's end does not cancel, since others wait on it (the
// store bounds each operation with its own timeout).
func shared(ctx context.Context, g *singleflight.Group, read func(context.Context) error) error {
	ch := g.DoChan("", func() (any, error) { return nil, read(context.WithoutCancel(ctx)) })
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drop empties the cache and starts a new generation; c.mu is held.
func (c *Clients) drop() {
	c.clients = map[string]storage.Client{}
	c.gen++
}

// Forget drops the cache, so that a change made here (admin API, console) takes
// effect at once on this instance.
func (c *Clients) Forget() {
	c.mu.Lock()
	c.drop()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// Denylist mirrors the revocations collection in memory, synced at most once a
// second, so that checking a JWT access token costs no database round trip.
type Denylist struct {
	mu      sync.Mutex
	entries map[string]time.Time
	synced  time.Time
	since   time.Time
	// reread makes the checks that find the mirror stale at the same time share
	// one read of the revocations (see shared), as Clients does for its version.
	reread singleflight.Group
}

// RevocationStore is what Denylist reads and writes.
type RevocationStore interface {
	Revoke(ctx context.Context, until time.Time, keys ...string) error
	RevocationsSince(ctx context.Context, since time.Time) ([]storage.Revocation, error)
}

// Revoked tells whether any key is denied now.
func (d *Denylist) Revoked(ctx context.Context, st RevocationStore, keys ...string) (bool, error) {
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

// Add denies keys here at once and, through the database, everywhere within a second.
func (d *Denylist) Add(ctx context.Context, st RevocationStore, until time.Time, keys ...string) error {
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

// sync reads the revocations made since the last read when the mirror is
// stale, once for all the checks that find it so at the same time.
func (d *Denylist) sync(ctx context.Context, st RevocationStore) error {
	if d.fresh() {
		return nil
	}
	return shared(ctx, &d.reread, func(ctx context.Context) error { return d.read(ctx, st) })
}

func (d *Denylist) fresh() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return time.Since(d.synced) < staleAfter
}

func (d *Denylist) read(ctx context.Context, st RevocationStore) error {
	d.mu.Lock()
	if time.Since(d.synced) < staleAfter {
		// A check that found the mirror stale just before another's read ended.
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

// OriginStore is what Origins reads.
type OriginStore interface {
	ClientsVersion(ctx context.Context) (int64, error)
	ListClients(ctx context.Context) ([]storage.Client, error)
}

// Origins is the set of origins of the registered redirect URIs, read
// again when the clients change (at most once per staleAfter).
type Origins struct {
	mu      sync.Mutex
	set     map[string]bool
	version int64
	checked time.Time
}

// Forget makes the next check reread the origins.
func (o *Origins) Forget() {
	o.mu.Lock()
	o.set = nil
	o.mu.Unlock()
}

// Allowed tells whether origin is the web origin of a registered redirect URI.
func (o *Origins) Allowed(ctx context.Context, st OriginStore, origin string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.set == nil || time.Since(o.checked) > staleAfter {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		v, err := st.ClientsVersion(ctx)
		if err != nil {
			return false
		}
		if o.set == nil || v != o.version {
			clients, err := st.ListClients(ctx)
			if err != nil {
				return false
			}
			set := map[string]bool{}
			for _, c := range clients {
				for _, uri := range c.RedirectURIs {
					if u, err := url.Parse(uri); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
						set[u.Scheme+"://"+u.Host] = true
					}
				}
			}
			o.set, o.version = set, v
		}
		o.checked = time.Now()
	}
	return o.set[origin]
}
