package provider

import (
	"net/http"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// published serves the discovery document from prepared bytes (and the keyring
// the JWKS): both change only when the keys do, and they are the most requested
// documents of all.
type published struct {
	mu        sync.Mutex
	discovery []byte
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	p.pub.mu.Lock()
	b := p.pub.discovery
	p.pub.mu.Unlock()
	if b == nil {
		b = p.discoveryJSON(r)
		p.pub.mu.Lock()
		p.pub.discovery = b
		p.pub.mu.Unlock()
	}
	writeJSON(w, b, "public, max-age=300")
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	b, err := p.storage.keys.JWKS(r.Context())
	if err != nil {
		// op's answer for a key failure: a 500 the errors wrapper turns into 503 when
		// the database is the cause.
		op.Keys(w, r, p.storage)
		return
	}
	// Short caching: a rotation must reach verifiers well within the retention.
	writeJSON(w, b, "public, max-age=60")
}

func writeJSON(w http.ResponseWriter, b []byte, cache string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", cache)
	h.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(b)
}
