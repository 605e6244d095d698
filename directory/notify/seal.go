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

func (o *Outbox) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(o.cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
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
	g, err := o.aead()
	if err != nil {
		return err
	}
	for field, v := range map[string]*string{"text": &m.Text, "subject": &m.Subject} {
		if *v == "" {
			continue
		}
		nonce := make([]byte, g.NonceSize())
		_, _ = rand.Read(nonce) // crypto/rand never fails on supported platforms
		*v = sealedPrefix + base64.RawStdEncoding.EncodeToString(g.Seal(nonce, nonce, []byte(*v), sealAD(m, field)))
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
		g, err := o.aead()
		if err != nil {
			return err
		}
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(*v, sealedPrefix))
		if err != nil || len(raw) < g.NonceSize() {
			return fmt.Errorf("outbox: sealed %s of %s unreadable", field, m.ID)
		}
		plain, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], sealAD(m, field))
		if err != nil {
			return fmt.Errorf("outbox: sealed %s of %s does not open (another master key?)", field, m.ID)
		}
		*v = string(plain)
	}
	return nil
}
