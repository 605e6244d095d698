package idp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/storage"
)

// DefaultTTL bounds how long an instance may offer a provider another
// instance changed: each instance reads the stored version at most this often.
const DefaultTTL = 5 * time.Second

// Registry is the connector.Registry login asks: the configuration file's
// providers (built once at start) and the enabled stored ones, built once and
// kept until their stored version changes.
//
// Changes made on this instance reach it at once (Service.Config.Changed is
// Invalidate). Other instances of Vhod read one small document (the stored
// version) at most every TTL and rebuild only the providers whose version
// changed, so a change is seen everywhere within the TTL: a deleted or
// disabled provider may still be offered that long on another instance, and
// its callback refused there only after it. A stored provider that does not
// build (a file gone, a key that no longer opens) is logged and left out: one
// broken provider does not take the others' buttons away.
type Registry struct {
	svc    *Service
	static []connector.Connector
	ttl    time.Duration

	mu      sync.Mutex
	loaded  bool
	dirty   bool
	checked time.Time
	version int64
	built   map[string]built
	list    []connector.Connector
}

type built struct {
	version int
	created time.Time
	conn    connector.Connector // nil: it did not build
}

var _ connector.Registry = (*Registry)(nil)

// NewRegistry builds the configuration file's providers (an error names the
// entry: Vhod does not start with a broken file) and serves them with the
// stored ones. ttl 0 is DefaultTTL.
func NewRegistry(svc *Service, ttl time.Duration) (*Registry, error) {
	static, err := connector.NewAll(svc.cfg.Configured, svc.cfg.Options)
	if err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Registry{svc: svc, static: static, ttl: ttl, built: map[string]built{}}, nil
}

// Invalidate makes the next call read the store again (a change on this instance).
func (r *Registry) Invalidate() {
	r.mu.Lock()
	r.dirty = true
	r.mu.Unlock()
}

// Connectors are the file's providers, in its order, then the enabled stored
// ones by order and ID.
func (r *Registry) Connectors(ctx context.Context) ([]connector.Connector, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	return r.list, nil
}

// Connector is the enabled provider with that ID, or connector.ErrUnknownProvider.
func (r *Registry) Connector(ctx context.Context, id string) (connector.Connector, error) {
	list, err := r.Connectors(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.ID() == id {
			return c, nil
		}
	}
	return nil, connector.ErrUnknownProvider
}

// refresh rereads the store when this instance changed a provider, or the
// TTL passed and the stored version moved. With the store down it keeps
// serving what it had (the file's providers at least); only a first read
// that fails is an error.
func (r *Registry) refresh(ctx context.Context) error {
	now := r.svc.cfg.Now()
	if r.loaded && !r.dirty && now.Sub(r.checked) < r.ttl {
		return nil
	}
	v, err := r.svc.store.IdentityProvidersVersion(ctx)
	if err != nil {
		return r.stale(ctx, err)
	}
	r.checked = now
	if r.loaded && !r.dirty && v == r.version {
		return nil
	}
	stored, err := r.svc.store.ListIdentityProviders(ctx)
	if err != nil {
		return r.stale(ctx, err)
	}
	list := append([]connector.Connector(nil), r.static...)
	keep := map[string]built{}
	for _, p := range stored {
		if !p.Enabled {
			continue
		}
		if r.fromFile(p.ID) {
			// The file took an ID stored before; the file's provider wins.
			r.svc.cfg.Logger.WarnContext(ctx, "identity provider left out: the configuration file has one with its id", "provider", p.ID)
			continue
		}
		b, ok := r.built[p.ID]
		if !ok || b.version != p.Version || !b.created.Equal(p.CreatedAt) {
			b = built{version: p.Version, created: p.CreatedAt, conn: r.build(ctx, p)}
		}
		keep[p.ID] = b
		if b.conn != nil {
			list = append(list, b.conn)
		}
	}
	r.built, r.list, r.version, r.loaded, r.dirty = keep, list, v, true, false
	return nil
}

func (r *Registry) fromFile(id string) bool {
	for _, c := range r.static {
		if c.ID() == id {
			return true
		}
	}
	return false
}

func (r *Registry) build(ctx context.Context, p storage.IdentityProvider) connector.Connector {
	cfg, err := r.svc.unpack(p)
	if err == nil {
		var c connector.Connector
		if c, err = connector.New(cfg, r.svc.cfg.Options); err == nil {
			return c
		}
	}
	r.svc.cfg.Logger.ErrorContext(ctx, "identity provider left out: it does not build", "provider", p.ID, "err", err)
	return nil
}

func (r *Registry) stale(ctx context.Context, err error) error {
	if !r.loaded {
		return fmt.Errorf("identity providers: %w", err)
	}
	// Asked again after the TTL, not on every sign-in page while it is down.
	r.checked = r.svc.cfg.Now()
	r.svc.cfg.Logger.WarnContext(ctx, "identity providers: the store did not answer; offering the providers known before", "err", err)
	return nil
}
