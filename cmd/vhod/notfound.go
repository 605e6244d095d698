package main

import (
	"net/http"

	"github.com/vhod-id/vhod/internal/web"
)

// protocolOrPage is the router's answer to a path no page route has: the
// provider's endpoints (and op's catch-all for a program's request) answer as
// the protocol says, in JSON; a browser asking for any other path gets the
// page in the layout.
func protocolOrPage(protocol, page http.Handler) http.Handler {
	mux, _ := protocol.(*http.ServeMux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mux != nil {
			// "/" is op's catch-all; every endpoint has a pattern of its own.
			if _, pattern := mux.Handler(r); pattern != "/" {
				protocol.ServeHTTP(w, r)
				return
			}
		}
		if web.WantsPage(r) {
			page.ServeHTTP(w, r)
			return
		}
		protocol.ServeHTTP(w, r)
	})
}
