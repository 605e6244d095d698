package directory

import (
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go/frequency"
)

// Password policy failures; each has its own message on the pages.
var (
	ErrPasswordTooShort = errors.New("password too short")
	ErrPasswordTooLong  = errors.New("password too long")
	ErrPasswordCommon   = errors.New("password among the most common")
	ErrPasswordIsLogin  = errors.New("password repeats the login")
)

// PasswordPolicy is what a new password must satisfy.
type PasswordPolicy struct {
	// MinLength in characters; 8 when zero.
	MinLength int
}

// maxPasswordBytes bounds what is hashed (argon2id takes any length; a form must not).
const maxPasswordBytes = 1024

var (
	commonOnce sync.Once
	common     map[string]bool
)

// commonPasswords is zxcvbn's list of the most common passwords (about 7,000),
// compared without regard to case.
func commonPasswords() map[string]bool {
	commonOnce.Do(func() {
		list := frequency.Lists["Passwords"].List
		common = make(map[string]bool, len(list))
		for _, p := range list {
			common[strings.ToLower(p)] = true
		}
	})
	return common
}

// Check tells why password may not be used by an account with these identifiers.
func (p PasswordPolicy) Check(password string, identifiers ...string) error {
	min := p.MinLength
	if min == 0 {
		min = 8
	}
	switch {
	case utf8.RuneCountInString(password) < min:
		return ErrPasswordTooShort
	case len(password) > maxPasswordBytes:
		return ErrPasswordTooLong
	case commonPasswords()[strings.ToLower(password)]:
		return ErrPasswordCommon
	}
	for _, id := range identifiers {
		if id != "" && strings.EqualFold(password, id) {
			return ErrPasswordIsLogin
		}
	}
	return nil
}
