package provider

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/rs/cors"
)

// Cross-origin requests. op's default reflects any origin with credentials
// allowed; Vhod instead lets a browser app call the protocol endpoints (token,
// userinfo, revocation, introspection, device) only from the web origin of a
// redirect URI some client registered, and never with credentials: these
// endpoints take tokens and client authentication, not cookies. Discovery and
// the key set are public documents, readable from any origin.

// publicCORS is the policy of discovery and the key set.
var publicCORS = cors.New(cors.Options{AllowedMethods: []string{http.MethodGet, http.MethodHead}})

// clientCORS is the policy of the endpoints browser apps call.
func (p *Provider) clientCORS() *cors.Cors {
	return cors.New(cors.Options{
		AllowOriginFunc: func(origin string) bool {
			// rs/cors asks for requests without Origin too: those cost nothing.
			return origin != "" && p.origins.allowed(context.Background(), p.storage.store, origin)
		},
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Authorization", "Content-Type", "DPoP"},
		ExposedHeaders: []string{"DPoP-Nonce", "WWW-Authenticate"},
		MaxAge:         600,
	})
}

// webOrigins is the set of origins of the registered redirect URIs, read
// again when the clients change (at most once per staleAfter).
type webOrigins struct {
	mu      sync.Mutex
	set     map[string]bool
	version int64
	checked time.Time
}

func (o *webOrigins) forget() {
	o.mu.Lock()
	o.set = nil
	o.mu.Unlock()
}

func (o *webOrigins) allowed(ctx context.Context, st Store, origin string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.set == nil || time.Since(o.checked) > staleAfter {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		v, err := st.ClientsVersion(ctx)
		if err != nil {
			return false
		}
		if o.set == nil || v != o.version {
			clients, err := st.ListClients(ctx)
			if err != nil {
				return false
			}
			set := map[string]bool{}
			for _, c := range clients {
				for _, uri := range c.RedirectURIs {
					if u, err := url.Parse(uri); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
						set[u.Scheme+"://"+u.Host] = true
					}
				}
			}
			o.set, o.version = set, v
		}
		o.checked = time.Now()
	}
	return o.set[origin]
}
