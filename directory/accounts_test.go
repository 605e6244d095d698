package directory_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

func newDirectory(t *testing.T) (*directory.Directory, *mongo.Store) {
	t.Helper()
	d, store, _ := newDirectoryPasswords(t)
	return d, store
}

// newDirectoryPasswords is newDirectory with its hasher, whose KeysDerived
// counts the argon2id checks.
func newDirectoryPasswords(t *testing.T) (*directory.Directory, *mongo.Store, *directory.Passwords) {
	t.Helper()
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	p, err := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	return directory.New(store, p, slog.New(slog.NewTextHandler(io.Discard, nil))), store, p
}

func TestAuthenticateAnySpelling(t *testing.T) {
	d, _ := newDirectory(t)
	u, err := d.CreateUser(t.Context(), directory.NewUser{Login: "Ivanov", Email: "ivanov@example.com", Phone: "+79090000000", Password: "S3cure-pass!"})
	if err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"ivanov", "IVANOV", "ivanov@example.com", "8 (909) 000-00-00", "+7 909 000 00 00", "89090000000"} {
		got, err := d.Authenticate(t.Context(), login, "S3cure-pass!")
		if err != nil || got.ID != u.ID {
			t.Errorf("Authenticate(%q) = %q, %v", login, got.ID, err)
		}
	}
	for _, tc := range []struct{ login, password string }{
		{"ivanov", "wrong"}, {"nobody", "S3cure-pass!"}, {"", "x"}, {"+79091111111", "S3cure-pass!"},
	} {
		if _, err := d.Authenticate(t.Context(), tc.login, tc.password); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("Authenticate(%q, %q) = %v, want ErrInvalidCredentials", tc.login, tc.password, err)
		}
	}
}

func TestBcryptRehashedAtSignIn(t *testing.T) {
	d, store := newDirectory(t)
	bc, _ := bcrypt.GenerateFromPassword([]byte("S3cure-pass!"), bcrypt.MinCost)
	u, err := d.CreateUser(t.Context(), directory.NewUser{Login: "petrov", PasswordHash: string(bc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(t.Context(), "petrov", "S3cure-pass!"); err != nil {
		t.Fatal(err)
	}
	got, _ := store.UserByID(t.Context(), u.ID)
	if got.PasswordHash[:10] != "$argon2id$" {
		t.Fatalf("not rehashed: %q", got.PasswordHash[:10])
	}
	if _, err := d.Authenticate(t.Context(), "petrov", "S3cure-pass!"); err != nil {
		t.Fatalf("after rehash: %v", err)
	}
}

func TestCreateUserRejectsBadInput(t *testing.T) {
	d, _ := newDirectory(t)
	for _, n := range []directory.NewUser{
		{}, {Email: "not an email"}, {Phone: "12"}, {Login: "a", PasswordHash: "plain"},
	} {
		if _, err := d.CreateUser(t.Context(), n); err == nil {
			t.Errorf("CreateUser(%+v) accepted", n)
		}
	}
}
