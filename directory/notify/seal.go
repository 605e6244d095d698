package notify

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/vhod-id/vhod/storage"
)

// sealedPrefix marks a sealed text: AES-256-GCM, the nonce first, base64.
const sealedPrefix = "sealed:v1:"

// ErrNotSealed: a text to open is not a sealed text.
var ErrNotSealed = errors.New("not a sealed text")

// Seal encrypts plain with key (32 bytes, derived from the master key for one
// purpose) bound to ad: a sealed text moved to another record (another ad)
// does not open. This one rule seals what waits in the outbox and the
// directory's secrets at rest (TOTP secrets).
func Seal(key, plain, ad []byte) (string, error) {
	g, err := aead(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand never fails on supported platforms
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(g.Seal(nonce, nonce, plain, ad)), nil
}

// Open undoes Seal; a text sealed under another key or another ad is an error.
func Open(key []byte, sealed string, ad []byte) ([]byte, error) {
	if !strings.HasPrefix(sealed, sealedPrefix) {
		return nil, ErrNotSealed
	}
	g, err := aead(key)
	if err != nil {
		return nil, err
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, sealedPrefix))
	if err != nil || len(raw) < g.NonceSize() {
		return nil, errors.New("sealed text unreadable")
	}
	plain, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], ad)
	if err != nil {
		return nil, errors.New("sealed text does not open (another master key?)")
	}
	return plain, nil
}

func aead(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealAD binds a sealed text to its message: a text moved to another message
// or recipient does not open.
func sealAD(m *storage.OutboxMessage, field string) []byte {
	return []byte(m.ID + "\x00" + m.Channel + "\x00" + m.To + "\x00" + field)
}

// seal replaces m's text and subject with their sealed forms (see OutboxConfig.Key).
func (o *Outbox) seal(m *storage.OutboxMessage) error {
	if len(o.cfg.Key) == 0 {
		return nil
	}
	for field, v := range map[string]*string{"text": &m.Text, "subject": &m.Subject} {
		if *v == "" {
			continue
		}
		s, err := Seal(o.cfg.Key, []byte(*v), sealAD(m, field))
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		*v = s
	}
	return nil
}

// open undoes seal; a text that does not open (another key) is an error.
func (o *Outbox) open(m *storage.OutboxMessage) error {
	for field, v := range map[string]*string{"text": &m.Text, "subject": &m.Subject} {
		if !strings.HasPrefix(*v, sealedPrefix) {
			continue
		}
		if len(o.cfg.Key) == 0 {
			return errors.New("outbox: a sealed message and no key")
		}
		plain, err := Open(o.cfg.Key, *v, sealAD(m, field))
		if err != nil {
			return fmt.Errorf("outbox: sealed %s of %s: %w", field, m.ID, err)
		}
		*v = string(plain)
	}
	return nil
}
