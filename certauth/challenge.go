package certauth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"time"
	"unicode/utf16"
)

// NewChallenge makes the text a person signs to sign in: 32 random bytes, and
// the host and time so that a signature made for one site or moment is worth
// nothing at another. Example:
//
//	vhod-login:id.example.ru:2026-11-21T08:30:00Z:BEV7FtmCmjOagLIZEbrRSlZNzBur5NqtOudiPmmIf8c
func NewChallenge(host string, now time.Time) string {
	b := make([]byte, 32)
	rand.Read(b)
	return "vhod-login:" + host + ":" + now.UTC().Format(time.RFC3339) + ":" + base64.RawURLEncoding.EncodeToString(b)
}

// ChallengeContents lists the bytes a signature of the challenge may cover: its
// UTF-8 form, and the UTF-16LE form that the CryptoPro plug-in signs when a
// page hands it a string without CADESCOM_BASE64_TO_BINARY.
func ChallengeContents(challenge string) [][]byte {
	units := utf16.Encode([]rune(challenge))
	le := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(le[2*i:], u)
	}
	return [][]byte{[]byte(challenge), le}
}
