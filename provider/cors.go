package provider

import (
	"context"
	"net/http"

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
			return origin != "" && p.origins.Allowed(context.Background(), p.storage.store, origin)
		},
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Authorization", "Content-Type", "DPoP"},
		ExposedHeaders: []string{"DPoP-Nonce", "WWW-Authenticate"},
		MaxAge:         600,
	})
}
