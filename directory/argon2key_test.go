package directory

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alexedwards/argon2id"
	"golang.org/x/crypto/argon2"
)

// TestPooledKeyIsXCrypto: MinIO's pooled argon2id gives x/crypto's bytes, on a
// fresh buffer and on a reused one (the pool must clear what the previous hash
// left), for costs whose memory is not a multiple of the lanes' sync points too.
func TestPooledKeyIsXCrypto(t *testing.T) {
	for _, tc := range []struct {
		name     string
		params   argon2id.Params
		password []string
		salt     []string
	}{
		{name: "tiny", params: argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, KeyLength: 32},
			password: []string{"", "a", "S3cure-pass!"}, salt: []string{"saltsaltsaltsalt", "другая соль 16б"}},
		{name: "odd memory, 3 lanes", params: argon2id.Params{Memory: 8*1024 + 5, Iterations: 2, Parallelism: 3, KeyLength: 16},
			password: []string{"пароль", string(bytes.Repeat([]byte{0xff}, 300))}, salt: []string{"0123456789abcdef0123"}},
		{name: "default", params: argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, KeyLength: 32},
			password: []string{"S3cure-pass!"}, salt: []string{"fixed salt 16 by", "another salt 16b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newArgon2Keys(tc.params)
			for round := range 2 { // the second round reuses the pooled buffer
				for _, pw := range tc.password {
					for _, salt := range tc.salt {
						want := argon2.IDKey([]byte(pw), []byte(salt), tc.params.Iterations, tc.params.Memory, tc.params.Parallelism, tc.params.KeyLength)
						if got := k.key([]byte(pw), []byte(salt), &tc.params); !bytes.Equal(got, want) {
							t.Fatalf("round %d, %q/%q: pooled key %x, x/crypto %x", round, pw, salt, got, want)
						}
					}
				}
			}
		})
	}
}

// TestStoredHashesVerify: PHC strings made by argon2id.CreateHash (x/crypto) before
// the pooled hasher still verify, at the configured and at other costs, and
// the pooled hasher's strings verify with argon2id.CheckHash.
func TestStoredHashesVerify(t *testing.T) {
	p, err := NewPasswords(PasswordParams{MemoryKiB: 8 * 1024, Iterations: 2, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, password, hash string
		ok, rehash           bool
	}{
		{name: "configured costs", password: "пароль-Vhod 1", ok: true,
			hash: "$argon2id$v=19$m=8192,t=2,p=1$RbOtDHPFykkLT8BDd+MDAg$DIfS6wlqbFEJZBpOgA+Z9Gtma3IhGLyTZwf9p8hLjDQ"},
		{name: "configured costs, wrong password", password: "пароль-Vhod 2",
			hash: "$argon2id$v=19$m=8192,t=2,p=1$RbOtDHPFykkLT8BDd+MDAg$DIfS6wlqbFEJZBpOgA+Z9Gtma3IhGLyTZwf9p8hLjDQ"},
		{name: "default costs", password: "S3cure-pass!", ok: true, rehash: true,
			hash: "$argon2id$v=19$m=19456,t=2,p=1$fs4ql1ZecUec8R1qLKucqg$Mx8KDA8bwE7R/AIetKaDmdOYnYtB7IbdRrKpEMxm5vI"},
		{name: "default costs, wrong password", password: "S3cure-pass",
			hash: "$argon2id$v=19$m=19456,t=2,p=1$fs4ql1ZecUec8R1qLKucqg$Mx8KDA8bwE7R/AIetKaDmdOYnYtB7IbdRrKpEMxm5vI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := p.Verify(tc.password, tc.hash)
			if err != nil || ok != tc.ok || rehash != tc.rehash {
				t.Fatalf("Verify = %v, %v, %v; want %v, %v", ok, rehash, err, tc.ok, tc.rehash)
			}
		})
	}
	h, err := p.Hash("S3cure-pass!")
	if err != nil {
		t.Fatal(err)
	}
	if ok, params, err := argon2id.CheckHash("S3cure-pass!", h); err != nil || !ok ||
		*params != (argon2id.Params{Memory: 8 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}) {
		t.Fatalf("argon2id.CheckHash(%s) = %v, %+v, %v", h, ok, params, err)
	}
	if ok, _ := argon2id.ComparePasswordAndHash("S3cure-pass?", h); ok {
		t.Fatalf("argon2id.CheckHash(%s) accepts a wrong password", h)
	}
}

// TestConcurrentVerify: verifications running at once on the pooled buffers
// (run with -race) each get their own answer.
func TestConcurrentVerify(t *testing.T) {
	p, err := NewPasswords(testParams)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([]string, 3)
	for i := range hashes {
		if hashes[i], err = p.Hash(fmt.Sprint("password ", i)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for g := range 24 {
		wg.Go(func() {
			h, pw := g%3, (g/3)%3 // right for a third of them
			ok, _, err := p.Verify(fmt.Sprint("password ", pw), hashes[h])
			if err != nil || ok != (h == pw) {
				errs <- fmt.Errorf("hash %d, password %d: Verify = %v, %v", h, pw, ok, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestVerifyNothingCostsAVerification: an unknown login derives one key at the
// configured costs, as a wrong password for an account does, so its time
// tells nothing.
func TestVerifyNothingCostsAVerification(t *testing.T) {
	p, err := NewPasswords(testParams)
	if err != nil {
		t.Fatal(err)
	}
	var derived atomic.Int32
	pooled := p.keys.pooled
	p.keys.pooled = func(password, salt, secret, data []byte, keyLen uint32) []byte {
		derived.Add(1)
		return pooled(password, salt, secret, data, keyLen)
	}
	h, err := p.Hash("S3cure-pass!")
	if err != nil {
		t.Fatal(err)
	}
	derived.Store(0)
	if ok, _, _ := p.Verify("wrong", h); ok || derived.Load() != 1 {
		t.Fatalf("a wrong password: %d keys derived, want 1", derived.Load())
	}
	derived.Store(0)
	p.VerifyNothing("wrong")
	if derived.Load() != 1 {
		t.Fatalf("VerifyNothing derived %d keys at the configured costs, want 1", derived.Load())
	}
	params, _, _, err := argon2id.DecodeHash(p.dummy)
	if err != nil || *params != *p.params {
		t.Fatalf("dummy hash costs %+v (%v), configured %+v", params, err, p.params)
	}
}
