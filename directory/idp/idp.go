package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Where a provider comes from: the configuration file (read-only here) or an
// operator (the admin API or the console).
const (
	FromConfig = "config"
	FromAPI    = "api"
)

// Names of the write-only values (storage.IdentityProvider.Secrets).
const (
	SecretClient = "client_secret"
	SecretKey    = "key"
)

// ErrConfigured: the provider comes from the configuration file and changes
// only there.
var ErrConfigured = errors.New("the identity provider comes from the configuration file")

// Settings and DisplayName are connector's, named here so that the console
// and the API build an Input through this package alone (they do not import
// connector: only login and cmd/vhod do).
type (
	Settings    = connector.Config
	DisplayName = connector.DisplayName
)

// DefaultType is the type a new provider's form starts with: any OpenID provider.
const DefaultType = connector.TypeOIDC

// Input is a provider as the API's body and the console's form write it:
// connector's settings, the secrets (empty keeps the stored one), whether it
// is offered and where its button goes.
type Input struct {
	connector.Config
	// ClientSecret and Key shadow connector.Config's, which are never
	// written to JSON: here they are taken, though never given back.
	ClientSecret string `json:"client_secret,omitempty"`
	Key          string `json:"key,omitempty"`
	// Enabled: nil keeps the stored value (on, for a new provider).
	Enabled *bool `json:"enabled,omitempty"`
	Order   int   `json:"order"`
}

// Provider is a provider as the API and the console show it: its settings
// without secrets (connector.Config writes none to JSON), which secrets are
// set, and where it comes from.
type Provider struct {
	connector.Config
	ClientSecretSet bool      `json:"client_secret_set"`
	KeySet          bool      `json:"key_set"`
	Enabled         bool      `json:"enabled"`
	Order           int       `json:"order"`
	Source          string    `json:"source"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
	UpdatedBy       string    `json:"updated_by,omitempty"`
}

// Store is what the service keeps providers in.
type Store interface {
	storage.IdentityProviders
}

// Config is what the service is built with.
type Config struct {
	// Key seals the secrets (32 bytes, derived from the master key for
	// identity providers alone).
	Key []byte
	// Configured are the configuration file's providers, shown read-only.
	Configured []connector.Config
	// Options are given to the trial connector.New of every write (and to
	// the registry's).
	Options connector.Options
	// Audit records the changes; nil records nothing.
	Audit *directory.Auditor
	// Changed tells the registry of this instance at once; others notice the
	// stored version within their registry's TTL.
	Changed func()
	Now     func() time.Time
	Logger  *slog.Logger
}

// Service holds the rules of the providers operators manage.
type Service struct {
	store Store
	cfg   Config
}

// New makes the service; the key must be 32 bytes.
func New(st Store, cfg Config) (*Service, error) {
	if len(cfg.Key) != 32 {
		return nil, errors.New("identity providers: the sealing key must be 32 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, cfg: cfg}, nil
}

// OnChange sets what is told of every change (the registry of this
// instance, built after the service).
func (s *Service) OnChange(f func()) { s.cfg.Changed = f }

// Types are the provider types an operator may choose.
func (s *Service) Types() []string { return slices.Clone(connector.Types) }

// List gives the configuration file's providers (in its order), then the
// stored ones (by order, then ID).
func (s *Service) List(ctx context.Context) ([]Provider, error) {
	out := make([]Provider, 0, len(s.cfg.Configured))
	for _, c := range s.cfg.Configured {
		out = append(out, configured(c))
	}
	stored, err := s.store.ListIdentityProviders(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range stored {
		v, err := s.view(p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get reads one provider, from the file or the store.
func (s *Service) Get(ctx context.Context, id string) (Provider, error) {
	if c, ok := s.configuredByID(id); ok {
		return configured(c), nil
	}
	p, err := s.store.IdentityProviderByID(ctx, id)
	if err != nil {
		return Provider{}, err
	}
	return s.view(p)
}

// Create checks and stores a new provider; bad names invalid fields (as the
// YAML names them). storage.ErrAlreadyExists when the ID is taken, here or
// in the configuration file.
func (s *Service) Create(ctx context.Context, in Input, by directory.Actor) (Provider, map[string]string, error) {
	in.ID = strings.TrimSpace(in.ID)
	if _, ok := s.configuredByID(in.ID); ok {
		return Provider{}, nil, fmt.Errorf("identity provider %q: %w", in.ID, storage.ErrAlreadyExists)
	}
	cfg := in.Config
	cfg.ClientSecret, cfg.Key = in.ClientSecret, in.Key
	if bad := s.Problems(cfg); bad != nil {
		return Provider{}, bad, nil
	}
	now := s.cfg.Now().UTC()
	p := storage.IdentityProvider{ID: cfg.ID, Enabled: in.Enabled == nil || *in.Enabled, Order: in.Order,
		CreatedAt: now, UpdatedAt: now, UpdatedBy: by.ID}
	if err := s.pack(&p, cfg); err != nil {
		return Provider{}, nil, err
	}
	if err := s.store.CreateIdentityProvider(ctx, p); err != nil {
		return Provider{}, nil, err
	}
	s.record(ctx, by, directory.EventIdentityProviderCreated, p.ID, map[string]string{"type": cfg.Type,
		"enabled": strconv.FormatBool(p.Enabled), "secrets": strings.Join(slices.Sorted(maps.Keys(p.Secrets)), ",")})
	s.changed()
	v, err := s.view(p)
	return v, nil, err
}

// Next is the stored provider p becomes when updated with in: every setting
// from in, a secret from in when given and the stored one otherwise (dropped
// when the type no longer takes it), the rest kept. bad names invalid fields.
func (s *Service) next(p storage.IdentityProvider, in Input) (storage.IdentityProvider, connector.Config, map[string]string, error) {
	old, err := s.unpack(p)
	if err != nil {
		return p, old, nil, err
	}
	cfg := in.Config
	cfg.ID = p.ID
	cfg.ClientSecret, cfg.Key = firstOf(in.ClientSecret, old.ClientSecret), firstOf(in.Key, old.Key)
	if cfg.Type == connector.TypeESIA || cfg.ClientSecretFile != "" {
		cfg.ClientSecret = ""
	}
	if cfg.Type != connector.TypeESIA || cfg.KeyFile != "" {
		cfg.Key = ""
	}
	if bad := s.Problems(cfg); bad != nil {
		return p, cfg, bad, nil
	}
	next := p
	if in.Enabled != nil {
		next.Enabled = *in.Enabled
	}
	next.Order = in.Order
	return next, cfg, nil, s.pack(&next, cfg)
}

// Check says what Update would refuse in in, without writing: the API asks
// before it claims the If-Match, so that a refused request burns nothing.
func (s *Service) Check(ctx context.Context, id string, in Input) (map[string]string, error) {
	if in.ID != "" && in.ID != id {
		return map[string]string{"id": "the id of a provider does not change (linked accounts are kept under it)"}, nil
	}
	p, err := s.store.IdentityProviderByID(ctx, id)
	if err != nil {
		return nil, err
	}
	_, _, bad, err := s.next(p, in)
	return bad, err
}

// Update makes a stored provider what in says, when it is still at version
// (-1: any); storage.ErrConflict when someone changed it since, ErrConfigured
// for a provider of the configuration file. bad names invalid fields.
func (s *Service) Update(ctx context.Context, id string, in Input, version int, by directory.Actor) (Provider, map[string]string, error) {
	if _, ok := s.configuredByID(id); ok {
		return Provider{}, nil, ErrConfigured
	}
	if in.ID != "" && in.ID != id {
		return Provider{}, map[string]string{"id": "the id of a provider does not change (linked accounts are kept under it)"}, nil
	}
	p, err := s.store.IdentityProviderByID(ctx, id)
	if err != nil {
		return Provider{}, nil, err
	}
	if version >= 0 && p.Version != version {
		return Provider{}, nil, storage.ErrConflict
	}
	next, cfg, bad, err := s.next(p, in)
	if bad != nil || err != nil {
		return Provider{}, bad, err
	}
	next.UpdatedBy = by.ID
	saved, err := s.store.UpdateIdentityProvider(ctx, next)
	if err != nil {
		return Provider{}, nil, err
	}
	details := map[string]string{"type": cfg.Type, "changed": strings.Join(changes(p, next, s), ",")}
	if in.ClientSecret != "" && cfg.ClientSecret != "" {
		details["client_secret"] = "replaced"
	}
	if in.Key != "" && cfg.Key != "" {
		details["key"] = "replaced"
	}
	s.record(ctx, by, directory.EventIdentityProviderUpdated, id, details)
	s.changed()
	v, err := s.view(saved)
	return v, nil, err
}

// SetEnabled switches a stored provider on or off: off, it keeps its settings
// and linked accounts, but shows no button and takes no callback.
func (s *Service) SetEnabled(ctx context.Context, id string, on bool, by directory.Actor) (Provider, error) {
	if _, ok := s.configuredByID(id); ok {
		return Provider{}, ErrConfigured
	}
	p, err := s.store.IdentityProviderByID(ctx, id)
	if err != nil {
		return Provider{}, err
	}
	if p.Enabled != on {
		p.Enabled, p.UpdatedBy = on, by.ID
		if p, err = s.store.UpdateIdentityProvider(ctx, p); err != nil {
			return Provider{}, err
		}
		s.record(ctx, by, directory.EventIdentityProviderEnabled, id, map[string]string{"enabled": strconv.FormatBool(on)})
		s.changed()
	}
	return s.view(p)
}

// Delete removes a stored provider; its button goes at once (on other
// instances within the registry's TTL). ErrConfigured for a file's provider.
func (s *Service) Delete(ctx context.Context, id string, by directory.Actor) error {
	if _, ok := s.configuredByID(id); ok {
		return ErrConfigured
	}
	if err := s.store.DeleteIdentityProvider(ctx, id); err != nil {
		return err
	}
	s.record(ctx, by, directory.EventIdentityProviderDeleted, id, nil)
	s.changed()
	return nil
}

func (s *Service) record(ctx context.Context, by directory.Actor, typ, id string, details map[string]string) {
	d := map[string]string{"provider": id}
	maps.Copy(d, details)
	s.cfg.Audit.Record(ctx, by.Event(typ, d))
}

func (s *Service) changed() {
	if s.cfg.Changed != nil {
		s.cfg.Changed()
	}
}

func (s *Service) configuredByID(id string) (connector.Config, bool) {
	for _, c := range s.cfg.Configured {
		if c.ID == id {
			return c, true
		}
	}
	return connector.Config{}, false
}

// configured shows a provider of the configuration file.
func configured(c connector.Config) Provider {
	return Provider{Config: c, ClientSecretSet: c.ClientSecret != "" || c.ClientSecretFile != "",
		KeySet: c.Key != "" || c.KeyFile != "", Enabled: true, Source: FromConfig}
}

// view shows a stored provider: its settings, and which secrets are set.
func (s *Service) view(p storage.IdentityProvider) (Provider, error) {
	var c connector.Config
	if err := json.Unmarshal([]byte(p.Config), &c); err != nil {
		return Provider{}, fmt.Errorf("identity provider %q: stored settings: %w", p.ID, err)
	}
	c.ID = p.ID
	return Provider{Config: c, ClientSecretSet: p.Secrets[SecretClient] != "" || c.ClientSecretFile != "",
		KeySet: p.Secrets[SecretKey] != "" || c.KeyFile != "", Enabled: p.Enabled, Order: p.Order, Source: FromAPI,
		Version: p.Version, CreatedAt: ms(p.CreatedAt), UpdatedAt: ms(p.UpdatedAt), UpdatedBy: p.UpdatedBy}, nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ms is a time as the store keeps it (milliseconds, UTC): what a write
// answers is what the next read gives, so the API's ETags of both agree.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
