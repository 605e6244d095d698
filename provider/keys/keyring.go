// Package keys is the provider's signing keys: one chain of generations per
// algorithm a client may choose, stored sealed with the master key, rotated by
// age or on demand, and published (JWKS) until every token a retired key signed
// has expired. It is separate because it is the one part of the provider that
// holds private keys, and it needs nothing of requests or op's storage.
package keys

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/sync/singleflight"

	"github.com/vhod-id/vhod/storage"
)

// ErrMasterKeyMismatch means the master key cannot open the stored signing keys.
var ErrMasterKeyMismatch = errors.New("the master key does not decrypt the stored signing keys; " +
	"start with the master key they were made with (VHOD_MASTER_KEY or master_key_file)")

// Algorithms are the signing algorithms a client may choose; each has its own keys.
var Algorithms = []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA}

// Config tunes key rotation.
type Config struct {
	// DefaultAlgorithm signs for clients that chose none.
	DefaultAlgorithm jose.SignatureAlgorithm
	// RotationPeriod is the age at which a key is replaced; zero turns age rotation off.
	RotationPeriod time.Duration
	// Retention is how long a replaced key stays in the JWKS: at least the longest
	// lifetime of a token it signed.
	Retention time.Duration
	// CacheFor is how long an instance trusts its view of the keys before rereading,
	// so that a rotation made by another instance is picked up.
	CacheFor time.Duration
}

// Keyring holds the provider's signing keys, stored sealed with the master key.
// Every algorithm in Algorithms has its own chain of generations.
type Keyring struct {
	store storage.Keys
	aead  cipher.AEAD
	cfg   Config
	now   func() time.Time

	mu     sync.Mutex
	loaded time.Time
	snap   *keySnapshot
	// reloads lets one request reread the keys once the view is old; those
	// arriving meanwhile wait for its snapshot instead of each reading and
	// unsealing every key again (64 at once under load, every CacheFor).
	reloads singleflight.Group
}

type keySnapshot struct {
	current   map[jose.SignatureAlgorithm]*signingKey
	published []publicKey
	all       []storage.SigningKey
	// jwks is the published keys as a JSON key set, made once per snapshot:
	// the key set is among the most requested documents of all.
	jwksOnce sync.Once
	jwks     []byte
	jwksErr  error
}

// New makes a keyring sealing with masterKey.
func New(store storage.Keys, masterKey [32]byte, cfg Config) (*Keyring, error) {
	block, err := aes.NewCipher(masterKey[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if cfg.DefaultAlgorithm == "" {
		cfg.DefaultAlgorithm = jose.ES256
	}
	if cfg.CacheFor == 0 {
		cfg.CacheFor = 10 * time.Second
	}
	return &Keyring{store: store, aead: aead, cfg: cfg, now: time.Now}, nil
}

// Ensure creates missing keys, rotates keys past their age, and checks that every
// stored key opens with the master key.
func (k *Keyring) Ensure(ctx context.Context) error {
	snap, err := k.reload(ctx)
	if err != nil {
		return err
	}
	for _, alg := range Algorithms {
		cur := snap.current[alg]
		switch {
		case cur == nil:
			err = k.insertGeneration(ctx, alg, 1)
		case k.cfg.RotationPeriod > 0 && k.now().Sub(cur.created) >= k.cfg.RotationPeriod:
			// The successor of the generation seen: instances that see the same aged
			// key all try the same slot, and one insert wins.
			err = k.insertGeneration(ctx, alg, cur.generation+1)
		}
		if err != nil {
			return err
		}
	}
	_, err = k.reload(ctx)
	return err
}

// Rotate makes a new generation for alg the current one, now. Two rotations asked
// for at once make two generations; every instance signs with the newest.
func (k *Keyring) Rotate(ctx context.Context, alg jose.SignatureAlgorithm) (string, error) {
	snap, err := k.reload(ctx)
	if err != nil {
		return "", err
	}
	gen := 1
	if cur := snap.current[alg]; cur != nil {
		gen = cur.generation + 1
	}
	if err := k.insertGeneration(ctx, alg, gen); err != nil {
		return "", err
	}
	snap, err = k.reload(ctx)
	if err != nil {
		return "", err
	}
	return snap.current[alg].id, nil
}

// insertGeneration stores a new key in slot alg/gen; a taken slot is not an error.
func (k *Keyring) insertGeneration(ctx context.Context, alg jose.SignatureAlgorithm, gen int) error {
	sk, err := k.generate(alg, gen)
	if err != nil {
		return err
	}
	if err := k.store.InsertKey(ctx, sk); err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
		return fmt.Errorf("rotate %s key: %w", alg, err)
	}
	return nil
}

// Prune deletes keys that are neither current nor published any more.
func (k *Keyring) Prune(ctx context.Context) error {
	snap, err := k.snapshot(ctx)
	if err != nil {
		return err
	}
	for _, sk := range snap.all {
		keep := slices.ContainsFunc(snap.published, func(p publicKey) bool { return p.id == sk.KID })
		if !keep {
			if err := k.store.DeleteKey(ctx, sk.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// Signing returns the current key for alg (the default algorithm when empty).
func (k *Keyring) Signing(ctx context.Context, alg jose.SignatureAlgorithm) (op.SigningKey, error) {
	if alg == "" {
		alg = k.cfg.DefaultAlgorithm
	}
	snap, err := k.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	sk := snap.current[alg]
	if sk == nil {
		return nil, fmt.Errorf("no %s signing key", alg)
	}
	return sk, nil
}

// Published returns every key that verifiers may meet.
func (k *Keyring) Published(ctx context.Context) ([]op.Key, error) {
	snap, err := k.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(snap.published))
	for i, p := range snap.published {
		out[i] = p
	}
	return out, nil
}

// JWKS is the published keys as a JSON key set (RFC 7517), made again only
// when the keys change.
func (k *Keyring) JWKS(ctx context.Context) ([]byte, error) {
	snap, err := k.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	snap.jwksOnce.Do(func() {
		set := jose.JSONWebKeySet{}
		for _, p := range snap.published {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: p.key, KeyID: p.id, Algorithm: string(p.alg), Use: "sig"})
		}
		snap.jwks, snap.jwksErr = json.Marshal(set)
	})
	return snap.jwks, snap.jwksErr
}

// Info describes a stored key, for `vhod keys` and the admin API.
type Info struct {
	KID, Algorithm string
	Generation     int
	Created        time.Time
	Current        bool
	Published      bool
}

// List describes every stored key.
func (k *Keyring) List(ctx context.Context) ([]Info, error) {
	snap, err := k.reload(ctx)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, sk := range snap.all {
		cur := snap.current[jose.SignatureAlgorithm(sk.Algorithm)]
		out = append(out, Info{
			KID: sk.KID, Algorithm: sk.Algorithm, Generation: sk.Generation, Created: sk.CreatedAt,
			Current:   cur != nil && cur.id == sk.KID,
			Published: slices.ContainsFunc(snap.published, func(p publicKey) bool { return p.id == sk.KID }),
		})
	}
	return out, nil
}

func (k *Keyring) snapshot(ctx context.Context) (*keySnapshot, error) {
	k.mu.Lock()
	snap, fresh := k.snap, k.now().Sub(k.loaded) < k.cfg.CacheFor
	k.mu.Unlock()
	if snap != nil && fresh {
		return snap, nil
	}
	// The reload is not bound to the first caller's request, since others
	// wait on it (the store bounds each operation with its own timeout).
	ch := k.reloads.DoChan("", func() (any, error) {
		// A request that found the keys old just before another's reread
		// ended comes here after it: they are fresh again.
		k.mu.Lock()
		snap, fresh := k.snap, k.now().Sub(k.loaded) < k.cfg.CacheFor
		k.mu.Unlock()
		if snap != nil && fresh {
			return snap, nil
		}
		return k.reload(context.WithoutCancel(ctx))
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*keySnapshot), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (k *Keyring) reload(ctx context.Context) (*keySnapshot, error) {
	stored, err := k.store.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	snap := &keySnapshot{current: map[jose.SignatureAlgorithm]*signingKey{}, all: stored}
	// ListKeys orders by algorithm, then newest generation first.
	var supersededAt time.Time
	var prevAlg string
	for _, sk := range stored {
		if sk.Algorithm != prevAlg {
			prevAlg, supersededAt = sk.Algorithm, time.Time{}
		}
		pub, err := parsePublic(sk)
		if err != nil {
			return nil, err
		}
		alg := jose.SignatureAlgorithm(sk.Algorithm)
		if supersededAt.IsZero() {
			priv, err := k.open(sk)
			if err != nil {
				return nil, err
			}
			snap.current[alg] = &signingKey{id: sk.KID, alg: alg, key: priv, generation: sk.Generation, created: sk.CreatedAt}
			snap.published = append(snap.published, pub)
		} else {
			// A replaced key must still open: a wrong master key is found at start-up,
			// not at the next rotation.
			if _, err := k.open(sk); err != nil {
				return nil, err
			}
			if k.now().Before(supersededAt.Add(k.cfg.Retention)) {
				snap.published = append(snap.published, pub)
			}
		}
		supersededAt = sk.CreatedAt
	}
	k.mu.Lock()
	k.snap, k.loaded = snap, k.now()
	k.mu.Unlock()
	return snap, nil
}

func (k *Keyring) generate(alg jose.SignatureAlgorithm, gen int) (storage.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return storage.SigningKey{}, fmt.Errorf("unsupported signing algorithm %q", alg)
	}
	if err != nil {
		return storage.SigningKey{}, err
	}
	kid := rand.Text()
	privJWK, err := json.Marshal(jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(alg), Use: "sig"})
	if err != nil {
		return storage.SigningKey{}, err
	}
	pubJWK, err := json.Marshal(jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: string(alg), Use: "sig"})
	if err != nil {
		return storage.SigningKey{}, err
	}
	id := fmt.Sprintf("%s/%06d", alg, gen)
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return storage.SigningKey{}, err
	}
	sealed := k.aead.Seal(nonce, nonce, privJWK, []byte(id))
	return storage.SigningKey{
		ID: id, KID: kid, Algorithm: string(alg), Generation: gen,
		PrivateSealed: sealed, PublicJWK: pubJWK, CreatedAt: k.now().UTC(),
	}, nil
}

// open decrypts a stored private key; the slot ID is the associated data, so a
// sealed key copied into another slot does not open.
func (k *Keyring) open(sk storage.SigningKey) (any, error) {
	n := k.aead.NonceSize()
	if len(sk.PrivateSealed) < n {
		return nil, fmt.Errorf("signing key %s: %w", sk.ID, ErrMasterKeyMismatch)
	}
	plain, err := k.aead.Open(nil, sk.PrivateSealed[:n], sk.PrivateSealed[n:], []byte(sk.ID))
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", sk.ID, ErrMasterKeyMismatch)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(plain); err != nil {
		return nil, fmt.Errorf("signing key %s: %w", sk.ID, err)
	}
	return jwk.Key, nil
}

func parsePublic(sk storage.SigningKey) (publicKey, error) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(sk.PublicJWK); err != nil {
		return publicKey{}, fmt.Errorf("signing key %s: %w", sk.ID, err)
	}
	return publicKey{id: sk.KID, alg: jose.SignatureAlgorithm(sk.Algorithm), key: jwk.Key}, nil
}

// signingKey implements op.SigningKey.
type signingKey struct {
	id         string
	alg        jose.SignatureAlgorithm
	key        any
	generation int
	created    time.Time
}

func (s *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return s.alg }
func (s *signingKey) Key() any                                    { return s.key }
func (s *signingKey) ID() string                                  { return s.id }

// publicKey implements op.Key.
type publicKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any
}

func (p publicKey) ID() string                         { return p.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.key }
