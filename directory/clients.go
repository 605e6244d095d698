package directory

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// ErrNoSecret: the client does not authenticate with a secret.
var ErrNoSecret = errors.New("the client has no secret")

// ClientInput is a client as it may be written: the API's body, the console's
// form and the configuration file's bootstrap.clients all say it this way.
type ClientInput struct {
	ID                     string   `json:"id"`
	Name                   string   `json:"name"`
	Secret                 string   `json:"secret"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	GrantTypes             []string `json:"grant_types"`
	AuthMethod             string   `json:"auth_method"`
	Public                 bool     `json:"public"`
	AccessTokenFormat      string   `json:"access_token_format"`
	SigningAlg             string   `json:"signing_alg"`
	MinACR                 string   `json:"min_acr"`
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri"`
	FrontchannelLogoutURI  string   `json:"frontchannel_logout_uri"`
	RequirePAR             bool     `json:"require_pushed_authorization_requests"`
	FirstParty             bool     `json:"first_party"`
	IDTokenUserinfoClaims  bool     `json:"id_token_userinfo_claims"`
	Scopes                 []string `json:"scopes"`
	Authorities            []string `json:"authorities"`
	JWKS                   string   `json:"jwks"`
	TLSSubjectDN           string   `json:"tls_client_auth_subject_dn"`
	CertificatePins        []string `json:"tls_client_certificate_sha256"`
	TLSBoundTokens         bool     `json:"tls_client_certificate_bound_access_tokens"`
	OrgID                  string   `json:"org_id"`
	Roles                  []string `json:"roles"`
}

// Apply writes the input over a client, with the defaults every way in shares:
// the code flow with refresh tokens, a secret in the Basic header (none for a
// public client), opaque access tokens, the ID as the name.
func (in ClientInput) Apply(c storage.Client) storage.Client {
	c.Name, c.RedirectURIs, c.PostLogoutRedirectURIs, c.GrantTypes = in.Name, in.RedirectURIs, in.PostLogoutRedirectURIs, in.GrantTypes
	c.AuthMethod, c.Public, c.AccessTokenFormat, c.SigningAlg = in.AuthMethod, in.Public, in.AccessTokenFormat, in.SigningAlg
	c.MinACR, c.FirstParty, c.IDTokenUserinfoClaims, c.Scopes, c.Authorities, c.JWKS = in.MinACR, in.FirstParty, in.IDTokenUserinfoClaims, in.Scopes, in.Authorities, in.JWKS
	c.BackchannelLogoutURI, c.FrontchannelLogoutURI, c.RequirePAR = in.BackchannelLogoutURI, in.FrontchannelLogoutURI, in.RequirePAR
	c.TLSSubjectDN, c.CertificatePins, c.TLSBoundTokens = in.TLSSubjectDN, in.CertificatePins, in.TLSBoundTokens
	c.OrgID, c.Roles = in.OrgID, in.Roles
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	if c.AuthMethod == "" {
		c.AuthMethod = "client_secret_basic"
		if c.Public {
			c.AuthMethod = "none"
		}
	}
	if c.AccessTokenFormat == "" {
		c.AccessTokenFormat = storage.TokenFormatOpaque
	}
	if c.Name == "" {
		c.Name = c.ID
	}
	return c
}

// ClientsConfig is what the client rules are built with.
type ClientsConfig struct {
	// HashSecret stores a client secret (provider.HashSecret).
	HashSecret func(secret string) string
	// Algorithms are the signing algorithms a client may choose.
	Algorithms []string
	// Changed makes the provider reread clients at once (nil: nothing to tell).
	Changed func()
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Clients holds the rules of relying parties (defaults, validation, the one
// client-ID rule, generated secrets) for the API, the console and the
// bootstrap alike, and tells the provider when clients change.
type Clients struct {
	store storage.Clients
	cfg   ClientsConfig
}

// NewClients makes the client rules over a store.
func NewClients(st storage.Clients, cfg ClientsConfig) *Clients {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Clients{store: st, cfg: cfg}
}

// Algorithms are the signing algorithms a client may choose.
func (s *Clients) Algorithms() []string { return slices.Clone(s.cfg.Algorithms) }

// Problems checks a client by the rules; secret is the one it will have (""
// when none or kept). The answer names each bad field with a sentence.
func (s *Clients) Problems(c storage.Client, secret string) map[string]string {
	return ClientProblems(c, secret, s.cfg.Algorithms)
}

// changed passes on a successful write.
func (s *Clients) changed(err error) error {
	if err == nil && s.cfg.Changed != nil {
		s.cfg.Changed()
	}
	return err
}

// newSecret is a generated client secret (two 26-character random texts).
func newSecret() string { return rand.Text() + rand.Text() }

// Create checks and stores a new client; a confidential one without a secret
// of its own gets a generated one, returned once. bad names invalid fields.
func (s *Clients) Create(ctx context.Context, in ClientInput) (c storage.Client, secret string, bad map[string]string, err error) {
	now := s.cfg.Now().UTC()
	c = in.Apply(storage.Client{ID: strings.TrimSpace(in.ID), CreatedAt: now, UpdatedAt: now})
	secret = in.Secret
	if secret == "" && !c.Public && c.AuthMethod != "private_key_jwt" {
		secret = newSecret()
	}
	if bad = s.Problems(c, secret); len(bad) > 0 {
		return c, "", bad, nil
	}
	if secret != "" {
		c.SecretHash = s.cfg.HashSecret(secret)
	}
	return c, secret, nil, s.changed(s.store.CreateClient(ctx, c))
}

// RotateSecret gives a client a new generated secret, returned once; the old
// one stops working (within a second on every instance).
func (s *Clients) RotateSecret(ctx context.Context, id string) (storage.Client, string, error) {
	c, err := s.store.ClientByID(ctx, id)
	if err != nil {
		return c, "", err
	}
	if c.Public || !slices.Contains([]string{"client_secret_basic", "client_secret_post"}, c.AuthMethod) {
		return c, "", ErrNoSecret
	}
	secret := newSecret()
	c.SecretHash = s.cfg.HashSecret(secret)
	saved, err := s.store.UpdateClient(ctx, c)
	return saved, secret, s.changed(err)
}

// Next is the client c becomes when updated with in: every setting from in,
// the id, creation time, version and secret hash kept (a public client has no
// secret). The API checks it before its If-Match.
func (in ClientInput) Next(c storage.Client) storage.Client {
	next := in.Apply(storage.Client{ID: c.ID, SecretHash: c.SecretHash, Version: c.Version, CreatedAt: c.CreatedAt})
	if next.Public {
		next.SecretHash = ""
	}
	return next
}

// Update makes a client exactly what in says, when it is still at version (the
// console's form carries it; -1: any); storage.ErrConflict when someone changed
// it since. bad names invalid fields.
//
// Every setting of the client document is taken from in: one left out is
// cleared (an authority not listed is removed), not kept. What is not a setting
// stays: the id, the creation time and the secret hash, which is never shown
// and is set only on creation or by rotation (POST …/secret), so that a PUT of
// the document read cannot lose it; a client made public loses its secret.
func (s *Clients) Update(ctx context.Context, id string, in ClientInput, version int) (storage.Client, map[string]string, error) {
	c, err := s.store.ClientByID(ctx, id)
	if err != nil {
		return c, nil, err
	}
	if version >= 0 && c.Version != version {
		return c, nil, storage.ErrConflict
	}
	next := in.Next(c)
	if bad := s.Problems(next, ""); len(bad) > 0 {
		return c, bad, nil
	}
	saved, err := s.store.UpdateClient(ctx, next)
	return saved, nil, s.changed(err)
}

// List gives every client, by id.
func (s *Clients) List(ctx context.Context) ([]storage.Client, error) {
	list, err := s.store.ListClients(ctx)
	slices.SortFunc(list, func(a, b storage.Client) int { return strings.Compare(a.ID, b.ID) })
	return list, err
}

// Get reads one client.
func (s *Clients) Get(ctx context.Context, id string) (storage.Client, error) {
	return s.store.ClientByID(ctx, id)
}

// Delete removes a client; its tokens stop working at their next check.
func (s *Clients) Delete(ctx context.Context, id string) error {
	if _, err := s.store.ClientByID(ctx, id); err != nil {
		return err
	}
	return s.changed(s.store.DeleteClient(ctx, id))
}

// Declared is the client a configuration file declares: in with the defaults,
// its secret (if any) hashed, nothing else (a file client has no org_id or
// roles: those are integration systems' own). bad names invalid fields.
func (s *Clients) Declared(in ClientInput) (storage.Client, map[string]string) {
	c := in.Apply(storage.Client{ID: in.ID})
	bad := s.Problems(c, in.Secret)
	if in.Secret != "" {
		c.SecretHash = s.cfg.HashSecret(in.Secret)
	}
	return c, bad
}

// Ensure makes the stored client exactly the one the configuration declares
// (Declared): a setting the file no longer has (an authority, a logout URI,
// min_acr, a TLS field, jwks, scopes) is removed from the store, not kept. An
// unchanged client is not written, and the log names the settings that
// changed (never their values: the secret hash is among them).
//
// Instances starting together on one database race for the same write: the
// loser (ErrAlreadyExists, ErrConflict) reads again and finds the client as
// the file says, or writes over the winner's version. The winner's version is
// claimed a moment before its document is written, so a loser may read the
// old version again: it waits a little longer each time (at most ~1 s in all).
func (s *Clients) Ensure(ctx context.Context, in ClientInput) error {
	want, bad := s.Declared(in)
	if len(bad) > 0 {
		return fmt.Errorf("client %q: invalid %v", in.ID, bad)
	}
	var err error
	for try := range 10 {
		var done bool
		if done, err = s.write(ctx, want); done || (!errors.Is(err, storage.ErrConflict) && !errors.Is(err, storage.ErrAlreadyExists)) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(try+1) * 20 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("client %q: %w", want.ID, err)
	}
	return nil
}

// write creates or replaces the client once; done when the store holds want.
func (s *Clients) write(ctx context.Context, want storage.Client) (done bool, err error) {
	have, err := s.store.ClientByID(ctx, want.ID)
	if errors.Is(err, storage.ErrNotFound) {
		want.CreatedAt = s.cfg.Now().UTC()
		want.UpdatedAt = want.CreatedAt
		if err := s.store.CreateClient(ctx, want); err != nil {
			return false, err
		}
		s.cfg.Logger.InfoContext(ctx, "bootstrap: client created", "client_id", want.ID)
		return true, s.changed(nil)
	}
	if err != nil {
		return false, err
	}
	changed := ClientChanges(have, want)
	if len(changed) == 0 {
		return true, nil
	}
	want.Version = have.Version
	if _, err := s.store.UpdateClient(ctx, want); err != nil {
		return false, err
	}
	s.cfg.Logger.InfoContext(ctx, "bootstrap: client changed", "client_id", want.ID, "fields", strings.Join(changed, ","))
	return true, s.changed(nil)
}

// ClientChanges names (as stored) the settings of b that differ from a's; an
// empty list and no list are the same. Times and the version are not settings.
func ClientChanges(a, b storage.Client) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		f := va.Type().Field(i)
		switch f.Name {
		case "Version", "CreatedAt", "UpdatedAt":
			continue
		}
		x, y := va.Field(i), vb.Field(i)
		if x.Kind() == reflect.Slice && x.Len() == 0 && y.Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(x.Interface(), y.Interface()) {
			name, _, _ := strings.Cut(f.Tag.Get("bson"), ",")
			out = append(out, name)
		}
	}
	return out
}
