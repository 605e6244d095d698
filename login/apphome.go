package login

import (
	"context"
	"net/http"
	"net/url"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
)

// appHome is where an error page about clientID leads back to: the origin of
// the client's first registered web redirect URI, named by the client's name.
// Only a URI the operator registered is used, never one from the request, so
// that nobody can make Vhod's error page link to a place of their choosing.
// Empty when no client is known, it is the account's own, or it has no web
// address (a native app's own scheme): the page then leads to the account.
func (h *Handler) appHome(ctx context.Context, clientID string) (name, home string) {
	if clientID == "" || clientID == directory.AccountClientID {
		return "", ""
	}
	c, err := h.store.ClientByID(ctx, clientID)
	if err != nil {
		return "", ""
	}
	for _, uri := range c.RedirectURIs {
		u, err := url.Parse(uri)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
			continue
		}
		name = c.Name
		if name == "" {
			name = c.ID
		}
		return name, u.Scheme + "://" + u.Host + "/"
	}
	return "", ""
}

// requestGone is the page of a sign-in request that expired or never was:
// when its record still names the app (until the sweep), the page leads back
// to that app's registered address, else to the account.
func (h *Handler) requestGone(ctx context.Context, id string, err error) *web.UserError {
	e := &web.UserError{Status: http.StatusBadRequest, Key: "error.unknown_request", Err: err}
	if clientID, cerr := h.store.AuthRequestClient(ctx, id); cerr == nil {
		e.App, e.Home = h.appHome(ctx, clientID)
	}
	return e
}
