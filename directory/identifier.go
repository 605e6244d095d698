package directory

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/vhod-id/vhod/storage"
)

// ErrInvalidIdentifier means the text cannot be an identifier of that kind.
var ErrInvalidIdentifier = errors.New("invalid identifier")

// defaultRegion is where numbers without a country code are taken to be.
const defaultRegion = "RU"

// IdentifierKey turns what a person typed into the "Login" field into the stored
// identifier key: an email, a phone in E.164 (any usual spelling, "8 (909) 000-00-00"
// included) or, failing both, a login.
func IdentifierKey(input string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" || len(s) > 320 || !utf8.ValidString(s) {
		return "", ErrInvalidIdentifier
	}
	if strings.Contains(s, "@") {
		e, err := NormalizeEmail(s)
		if err != nil {
			return "", err
		}
		return storage.IdentifierKey(storage.IdentEmail, e), nil
	}
	if looksLikePhone(s) {
		if p, err := NormalizePhone(s); err == nil {
			return storage.IdentifierKey(storage.IdentPhone, p), nil
		}
	}
	l, err := NormalizeLogin(s)
	if err != nil {
		return "", err
	}
	return storage.IdentifierKey(storage.IdentLogin, l), nil
}

// CandidateKeys are the identifier keys typed text may mean, most likely first: a
// number that is no valid phone may be a login or a contract number.
func CandidateKeys(input string) ([]string, error) {
	var keys []string
	key, err := IdentifierKey(input)
	if err == nil {
		keys = append(keys, key)
	}
	if strings.HasPrefix(key, storage.IdentEmail+":") {
		return keys, nil
	}
	// Contract numbers are written with spaces and dashes that no login has.
	if c, cerr := NormalizeContract(input); cerr == nil {
		keys = append(keys, storage.IdentifierKey(storage.IdentContract, c))
	}
	if len(keys) == 0 {
		return nil, err
	}
	return keys, nil
}

// NormalizeContract upper-cases a contract number and drops spaces and dashes, so
// that "лс 12-345" and "ЛС12345" are one number.
func NormalizeContract(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" || len(s) > 64 || !utf8.ValidString(s) {
		return "", ErrInvalidIdentifier
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-':
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/' || r == '.':
			b.WriteRune(r)
		default:
			return "", ErrInvalidIdentifier
		}
	}
	if b.Len() == 0 {
		return "", ErrInvalidIdentifier
	}
	return b.String(), nil
}

// NormalizeEmail lower-cases an address after checking its form.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", ErrInvalidIdentifier
	}
	return strings.ToLower(s), nil
}

// NormalizePhone returns a valid phone number in E.164; numbers without a country
// code are read as Russian ("8 909 …" and "909 …" alike).
func NormalizePhone(s string) (string, error) {
	if !looksLikePhone(s) {
		return "", ErrInvalidIdentifier
	}
	n, err := phonenumbers.Parse(s, defaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", ErrInvalidIdentifier
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// NormalizeLogin lower-cases a login and refuses control characters and spaces.
func NormalizeLogin(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 128 || !utf8.ValidString(s) {
		return "", ErrInvalidIdentifier
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == ':' {
			return "", ErrInvalidIdentifier
		}
	}
	return s, nil
}

// looksLikePhone accepts digits with the punctuation people put in phone numbers,
// so that a login such as "ivan2000" is never read as a number.
func looksLikePhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return false
		}
	}
	return digits >= 10 && digits <= 15
}
