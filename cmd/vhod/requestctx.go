package main

import (
	"net/http"
	"net/netip"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/clientaddr"
)

// requestFacts puts what the layers below ask of every request into its
// context in one copy of the request (WithContext copies it, once per layer
// before): the client address worked out once from trusted_proxies, and the
// hold on the messages the request queues, with the address their send limits
// count. Every answer waits for those messages (see notify.Hold): they are
// stored beside the page's own work, not before it.
func requestFacts(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientaddr.Resolve(r.RemoteAddr, r.Header, trusted)
		ctx, wait := notify.Hold(notify.FromAddress(clientaddr.With(r.Context(), addr), clientaddr.LimitKey(addr)))
		defer wait()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// protocolAPI are the provider's endpoints that programs call: they go to the
// provider before the page router, which would only find that it has no route
// for them (matching every page route, and copying the request twice to
// record that no route matched).
var protocolAPI = []string{"/oauth/token", "/oauth/introspect", "/revoke", "/userinfo", "/device_authorization", "/par",
	"/.well-known/openid-configuration", "/keys"}

// protocolFirst sends protocolAPI straight to protocol and everything else to
// pages. A path some page route answers, for any method, stays with pages, so
// the order of the two changes no answer.
func protocolFirst(pages *mux.Router, protocol http.Handler) (http.Handler, map[string]bool) {
	direct := map[string]bool{}
	for _, path := range protocolAPI {
		if !routed(pages, path) {
			direct[path] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if direct[r.URL.Path] {
			protocol.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	}), direct
}

// routed tells whether pages has an answer of its own for path with some
// method (page routes match by path and method only): a route, a wrong
// method's, or a subrouter's not-found answer. Its own not-found and
// wrong-method answers are set aside while it is asked, so that only those
// count; the handler is being built, nobody serves with it yet.
func routed(pages *mux.Router, path string) bool {
	notFound, notAllowed := pages.NotFoundHandler, pages.MethodNotAllowedHandler
	pages.NotFoundHandler, pages.MethodNotAllowedHandler = nil, nil
	defer func() { pages.NotFoundHandler, pages.MethodNotAllowedHandler = notFound, notAllowed }()
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions} {
		var match mux.RouteMatch
		r, _ := http.NewRequest(m, path, nil)
		if pages.Match(r, &match) || match.MatchErr == mux.ErrMethodMismatch {
			return true
		}
	}
	return false
}
