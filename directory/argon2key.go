package directory

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"sync/atomic"

	"github.com/alexedwards/argon2id"
	minioargon2 "github.com/minio/argon2"
	"golang.org/x/crypto/argon2"
)

// argon2Keys derives argon2id keys. For the configured costs — every hash Vhod
// makes, every current hash it checks and the dummy check of an unknown login —
// it uses MinIO's pooled variant of x/crypto's argon2: the 19 MiB work area is
// taken from a sync.Pool and cleared after use, instead of being allocated,
// faulted in, cleared and collected on every sign-in (golang/go#36634 asks
// x/crypto for the same). The key is the same bytes (argon2key_test.go). Hashes of
// other costs, which are replaced at their next sign-in, go to x/crypto.
type argon2Keys struct {
	params  argon2id.Params
	pooled  func(password, salt, secret, data []byte, keyLen uint32) []byte
	derived atomic.Int64 // keys derived, at any cost
}

func newArgon2Keys(p argon2id.Params) *argon2Keys {
	return &argon2Keys{params: p, pooled: minioargon2.NewIDKey(p.Iterations, p.Memory, p.Parallelism)}
}

// key derives the key of password and salt at the costs of p.
func (k *argon2Keys) key(password, salt []byte, p *argon2id.Params) []byte {
	k.derived.Add(1)
	if p.Memory == k.params.Memory && p.Iterations == k.params.Iterations && p.Parallelism == k.params.Parallelism {
		return k.pooled(password, salt, nil, nil, p.KeyLength)
	}
	return argon2.IDKey(password, salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
}

// hash returns the PHC string of password with a fresh salt at the configured
// costs, in the format of argon2id.CreateHash.
func (k *argon2Keys) hash(password string) (string, error) {
	salt := make([]byte, k.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := k.key([]byte(password), salt, &k.params)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		k.params.Memory, k.params.Iterations, k.params.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// check tells whether password matches the PHC string hash, as argon2id.CheckHash
// does (the same parsing, a constant-time comparison), and returns its costs.
func (k *argon2Keys) check(password, hash string) (bool, *argon2id.Params, error) {
	p, salt, want, err := argon2id.DecodeHash(hash)
	if err != nil {
		return false, nil, err
	}
	got := k.key([]byte(password), salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, p, nil
}
