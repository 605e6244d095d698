package provider

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// published serves the discovery document and the JWKS from prepared bytes: both
// change only when the keys do, and they are the most requested documents of all.
type published struct {
	mu        sync.Mutex
	discovery []byte
	jwks      []byte
	// jwksFor is the key snapshot the JWKS bytes were made from.
	jwksFor *keySnapshot
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
	snap, err := p.storage.keys.snapshot(r.Context())
	if err != nil {
		// op's answer for a key failure: a 500 the errors wrapper turns into 503 when
		// the database is the cause.
		op.Keys(w, r, p.storage)
		return
	}
	p.pub.mu.Lock()
	b := p.pub.jwks
	if p.pub.jwksFor != snap {
		b = nil
	}
	p.pub.mu.Unlock()
	if b == nil {
		set := jose.JSONWebKeySet{}
		for _, k := range snap.published {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.key, KeyID: k.id, Algorithm: string(k.alg), Use: "sig"})
		}
		if b, err = json.Marshal(set); err != nil {
			op.Keys(w, r, p.storage)
			return
		}
		p.pub.mu.Lock()
		p.pub.jwks, p.pub.jwksFor = b, snap
		p.pub.mu.Unlock()
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
