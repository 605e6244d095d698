package directory

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

var testParams = PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1}

func TestPasswordVerify(t *testing.T) {
	p, err := NewPasswords(testParams)
	if err != nil {
		t.Fatal(err)
	}
	argon, err := p.Hash("S3cure-pass!")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewPasswords(PasswordParams{MemoryKiB: 9 * 1024, Iterations: 1, Parallelism: 1})
	otherHash, _ := other.Hash("S3cure-pass!")
	bc, _ := bcrypt.GenerateFromPassword([]byte("S3cure-pass!"), bcrypt.MinCost)
	for _, tc := range []struct {
		name, password, hash string
		ok, rehash, wantErr  bool
	}{
		{name: "argon2id right", password: "S3cure-pass!", hash: argon, ok: true},
		{name: "argon2id wrong", password: "s3cure-pass!", hash: argon},
		{name: "argon2id other costs", password: "S3cure-pass!", hash: otherHash, ok: true, rehash: true},
		{name: "bcrypt right", password: "S3cure-pass!", hash: string(bc), ok: true, rehash: true},
		{name: "bcrypt wrong", password: "nope", hash: string(bc)},
		{name: "plain text is refused", password: "x", hash: "x", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := p.Verify(tc.password, tc.hash)
			if (err != nil) != tc.wantErr || ok != tc.ok || rehash != tc.rehash {
				t.Fatalf("Verify = %v, %v, %v; want %v, %v, error %v", ok, rehash, err, tc.ok, tc.rehash, tc.wantErr)
			}
		})
	}
}

func TestWeakParamsRefused(t *testing.T) {
	if _, err := NewPasswords(PasswordParams{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}); err == nil {
		t.Fatal("1 MiB argon2id accepted")
	}
}

func BenchmarkPasswordVerify(b *testing.B) {
	p, err := NewPasswords(DefaultPasswordParams)
	if err != nil {
		b.Fatal(err)
	}
	h, _ := p.Hash("S3cure-pass!")
	for b.Loop() {
		if ok, _, _ := p.Verify("S3cure-pass!", h); !ok {
			b.Fatal("mismatch")
		}
	}
}
