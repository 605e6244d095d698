package certauth

import (
	"crypto/sha256"
	"sync"
)

// verifiedCache remembers signatures already verified: an issuing CA's
// certificate and a CRL are checked once, not at every sign-in (a GOST
// verification costs milliseconds). Only successes are kept; the key covers
// both the signed object and the signer's certificate, so nothing else can
// match. Bounded: when full it starts over.
type verifiedCache struct {
	mu   sync.Mutex
	seen map[[32]byte]struct{}
}

const verifiedCacheSize = 4096

func cacheKey(signer, signed []byte) [32]byte {
	h := sha256.New()
	var n [8]byte
	for i, l := 0, len(signer); i < 8; i++ {
		n[i] = byte(l >> (8 * i))
	}
	h.Write(n[:])
	h.Write(signer)
	h.Write(signed)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// check returns nil when (signer, signed) was verified before; otherwise it runs
// verify and remembers a success.
func (c *verifiedCache) check(signer, signed []byte, verify func() error) error {
	k := cacheKey(signer, signed)
	c.mu.Lock()
	_, ok := c.seen[k]
	c.mu.Unlock()
	if ok {
		return nil
	}
	if err := verify(); err != nil {
		return err
	}
	c.mu.Lock()
	if c.seen == nil || len(c.seen) >= verifiedCacheSize {
		c.seen = make(map[[32]byte]struct{}, 64)
	}
	c.seen[k] = struct{}{}
	c.mu.Unlock()
	return nil
}
