package provider

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/respond"
)

// published serves the discovery document from prepared bytes (and the keyring
// the JWKS): both change only when the keys do, and they are the most requested
// documents of all. Once prepared they are answered without the errors layer
// (its request copy, holder and capture buffer): only the first build of the
// discovery document and a key set the keyring cannot read go through it.
type published struct {
	mu        sync.Mutex
	discovery []byte
	// discoveryLen and jwksLen are the Content-Length values of the last
	// documents answered, prepared like the other header values.
	discoveryLen, jwksLen lengthHeader
}

// lengthHeader is a prepared Content-Length value, made again when the
// length of the document changes (a new key set).
type lengthHeader struct {
	last atomic.Pointer[preparedLength]
}

type preparedLength struct {
	n     int
	value []string
}

func (l *lengthHeader) of(b []byte) []string {
	if p := l.last.Load(); p != nil && p.n == len(b) {
		return p.value
	}
	p := &preparedLength{n: len(b), value: []string{strconv.Itoa(len(b))}}
	l.last.Store(p)
	return p.value
}

// The headers of the published documents, prepared once (see respond's
// prepared values: nobody writes into a header's slice in place).
var (
	discoveryCache = []string{"public, max-age=300"}
	// Short caching: a rotation must reach verifiers well within the retention.
	jwksCache = []string{"public, max-age=60"}
	anyOrigin = []string{"*"}
)

// discoveryHandler answers from the prepared document; build makes it (under
// the errors layer) the first time.
func (p *Provider) discoveryHandler(build http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.pub.mu.Lock()
		b := p.pub.discovery
		p.pub.mu.Unlock()
		if b == nil {
			build.ServeHTTP(w, r)
			return
		}
		writeJSON(w, b, discoveryCache, p.pub.discoveryLen.of(b))
	})
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
	writeJSON(w, b, discoveryCache, p.pub.discoveryLen.of(b))
}

// jwksHandler answers the keyring's key set; failed gets the request when
// the keyring cannot give it (op's answer under the errors layer).
func (p *Provider) jwksHandler(failed http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := p.storage.keys.JWKS(r.Context())
		if err != nil {
			failed.ServeHTTP(w, r)
			return
		}
		writeJSON(w, b, jwksCache, p.pub.jwksLen.of(b))
	})
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	b, err := p.storage.keys.JWKS(r.Context())
	if err != nil {
		// op's answer for a key failure: a 500 the errors wrapper turns into 503 when
		// the database is the cause.
		op.Keys(w, r, p.storage)
		return
	}
	writeJSON(w, b, jwksCache, p.pub.jwksLen.of(b))
}

// writeJSON answers a published document with its length: the discovery
// document is longer than what net/http buffers before it chooses chunked
// encoding, which it otherwise did.
func writeJSON(w http.ResponseWriter, b []byte, cache, length []string) {
	h := w.Header()
	respond.JSONType(h)
	h["Cache-Control"] = cache
	h["Access-Control-Allow-Origin"] = anyOrigin
	h["Content-Length"] = length
	_, _ = w.Write(b)
}
