package directory

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
)

// OTP rules: six digits, valid five minutes, five attempts, single use (the flow
// that holds the code moves on when it is used).
const (
	OTPDigits      = 6
	OTPMaxAttempts = 5
)

// NewOTP returns a uniformly random code of OTPDigits digits.
func NewOTP() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// OTPHash is what is stored instead of the code: an HMAC under a server key, bound
// to where the code belongs (a flow and a recipient), so that a database reader
// cannot try the million codes offline and a code cannot serve another flow.
func OTPHash(key []byte, bindTo, recipient, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(bindTo + "\x00" + recipient + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// OTPMatches compares in constant time.
func OTPMatches(key []byte, bindTo, recipient, code, stored string) bool {
	return hmac.Equal([]byte(OTPHash(key, bindTo, recipient, code)), []byte(stored))
}

// WellFormedOTP tells whether s looks like a code (OTPDigits digits), for input
// that only pre-fills a form, such as the code in an emailed link.
func WellFormedOTP(s string) bool {
	if len(s) != OTPDigits {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
