package provider

import (
	"errors"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/provider/respond"
	"github.com/vhod-id/vhod/storage"
)

// serveIntrospection is the introspection endpoint (RFC 7662), Vhod's own
// rather than op's: op tells any authenticated client everything about any
// token, and answers some errors as plain text. Here the client has been
// authenticated by clientAuth; a token is reported active only to a client it
// was issued to or meant for (aud), or to a client with the introspect
// authority (section 4: the server decides who may learn what). Everyone else
// learns only {"active": false}, as for an unknown token (section 2.2).
func (p *Provider) serveIntrospection(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		respond.OAuthError(w, http.StatusMethodNotAllowed, oidc.ErrInvalidRequest().WithDescription("introspection takes POST"), false)
		return
	}
	ctx := r.Context()
	respond.NoStore(w)
	raw := r.PostForm.Get("token")
	if raw == "" {
		respond.OAuthError(w, http.StatusBadRequest, oidc.ErrInvalidRequest().WithDescription("token is missing"), false)
		return
	}
	caller, err := p.storage.loadClient(ctx, holder(ctx).authenticated)
	if err != nil || caller.c.Public { // a public client proves nothing (RFC 7662 section 2.1)
		if err == nil {
			p.refuseClient(ctx, caller.c.ID, "none", "a public client may not introspect")
		}
		respond.OAuthError(w, http.StatusUnauthorized, oidc.ErrInvalidClient(), false)
		return
	}
	inactive := &oidc.IntrospectionResponse{}
	at, err := p.accessToken(ctx, raw)
	switch {
	case errors.Is(err, ErrInvalidToken):
		respond.JSON(w, http.StatusOK, inactive)
		return
	case err != nil:
		respond.OAuthError(w, http.StatusInternalServerError, oidc.ErrServerError(), false)
		return
	}
	g := at.Grant
	if g.ClientID != caller.c.ID && !slices.Contains(g.Audience, caller.c.ID) &&
		!slices.Contains(caller.c.Authorities, storage.AuthorityIntrospect) {
		respond.JSON(w, http.StatusOK, inactive)
		return
	}
	resp := new(oidc.IntrospectionResponse)
	if err := p.storage.introspection(ctx, resp, at); err != nil {
		respond.OAuthError(w, http.StatusInternalServerError, oidc.ErrServerError(), false)
		return
	}
	respond.JSON(w, http.StatusOK, resp)
}
