package directory

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/alexedwards/argon2id"
	"golang.org/x/crypto/bcrypt"
)

// PasswordParams are the argon2id costs. The default is OWASP's first recommended
// set (19 MiB, 2 passes, 1 lane): about 50 hashes per second per core.
type PasswordParams struct {
	MemoryKiB   uint32 `yaml:"memory_kib"`
	Iterations  uint32 `yaml:"iterations"`
	Parallelism uint8  `yaml:"parallelism"`
}

// DefaultPasswordParams is used when the configuration says nothing.
var DefaultPasswordParams = PasswordParams{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1}

// ErrUnsupportedHash means a stored hash is neither argon2id nor bcrypt.
var ErrUnsupportedHash = errors.New("unsupported password hash")

// Passwords hashes and checks passwords.
type Passwords struct {
	params *argon2id.Params
	keys   *argon2Keys
	// slots lets as many hashes run at once as there are cores: more only share
	// the cores and multiply the memory (19 MiB each) the collector must clear.
	slots chan struct{}
	// dummy is a hash checked when there is no account, so that an unknown login
	// costs the same time as a wrong password.
	dummy string
}

// NewPasswords prepares a hasher with the given costs.
func NewPasswords(p PasswordParams) (*Passwords, error) {
	if p == (PasswordParams{}) {
		p = DefaultPasswordParams
	}
	if p.MemoryKiB < 8*1024 || p.Iterations < 1 || p.Parallelism < 1 {
		return nil, fmt.Errorf("argon2id parameters too weak: %+v", p)
	}
	ps := &Passwords{slots: make(chan struct{}, runtime.GOMAXPROCS(0)), params: &argon2id.Params{
		Memory: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism,
		SaltLength: 16, KeyLength: 32,
	}}
	ps.keys = newArgon2Keys(*ps.params)
	dummy, err := ps.Hash("vhod: no such account")
	if err != nil {
		return nil, err
	}
	ps.dummy = dummy
	return ps, nil
}

// Hash returns an argon2id PHC string.
func (p *Passwords) Hash(password string) (string, error) {
	p.slots <- struct{}{}
	defer func() { <-p.slots }()
	return p.keys.hash(password)
}

// Verify checks password against a stored PHC hash (argon2id, or bcrypt from an
// import). needsRehash says the hash should be replaced: bcrypt, or other costs.
func (p *Passwords) Verify(password, hash string) (ok, needsRehash bool, err error) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		p.slots <- struct{}{}
		match, params, err := p.keys.check(password, hash)
		<-p.slots
		if err != nil {
			return false, false, fmt.Errorf("verify password: %w", err)
		}
		stale := params.Memory != p.params.Memory || params.Iterations != p.params.Iterations ||
			params.Parallelism != p.params.Parallelism
		return match, match && stale, nil
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, false, nil
		}
		if err != nil {
			return false, false, fmt.Errorf("verify password: %w", err)
		}
		return true, true, nil
	default:
		return false, false, ErrUnsupportedHash
	}
}

// KeysDerived counts the argon2id keys derived so far (hashes and checks):
// tests hold sign-in answers to the same number of checks with it.
func (p *Passwords) KeysDerived() int64 { return p.keys.derived.Load() }

// VerifyNothing spends the time of one verification, for logins without an account.
func (p *Passwords) VerifyNothing(password string) {
	_, _, _ = p.Verify(password, p.dummy)
}

// ValidHash tells whether a hash given in configuration can be used.
func ValidHash(hash string) bool {
	if strings.HasPrefix(hash, "$argon2id$") {
		_, _, _, err := argon2id.DecodeHash(hash)
		return err == nil
	}
	_, err := bcrypt.Cost([]byte(hash))
	return err == nil
}

// PasswordRefusalKey is the page's message for a refused password change ("" when
// err is no refusal): the account page and the sign-in's change of a
// temporary password say the same.
func PasswordRefusalKey(err error) string {
	for _, m := range []struct {
		err error
		key string
	}{
		{ErrInvalidCredentials, "pwchange.wrong_old"},
		{ErrPasswordUnchanged, "pwchange.unchanged"},
		{ErrPasswordTooShort, "pwchange.too_short"},
		{ErrPasswordTooLong, "pwchange.too_long"},
		{ErrPasswordCommon, "pwchange.common"},
		{ErrPasswordIsLogin, "pwchange.is_login"},
	} {
		if errors.Is(err, m.err) {
			return m.key
		}
	}
	return ""
}
