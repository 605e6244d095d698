package provider

import (
	"encoding/base64"
	"net/url"
	"sync"
)

// basicHeaders are the Authorization headers clientAuth hands a client it
// authenticated on to op with: HTTP Basic with the form-encoded client ID and
// an empty secret, what r.SetBasicAuth(url.QueryEscape(id), "") writes. The
// value depends on the ID alone, so it is made once per client instead of
// three allocations per request. The slices are shared: nobody writes into
// a header's slice in place (Set and Del replace it).
type basicHeaders struct {
	mu sync.RWMutex
	m  map[string][]string
}

func (b *basicHeaders) of(id string) []string {
	b.mu.RLock()
	v, ok := b.m[id]
	b.mu.RUnlock()
	if ok {
		return v
	}
	v = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"))}
	b.mu.Lock()
	if b.m == nil {
		b.m = map[string][]string{}
	}
	b.m[id] = v // one per registered client that authenticated
	b.mu.Unlock()
	return v
}
