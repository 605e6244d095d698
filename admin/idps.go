package admin

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory/idp"
	"github.com/vhod-id/vhod/storage"
)

// mountIdentityProviders serves /identity-providers: the outside providers
// people sign in through. The rules (validation, sealed write-only secrets,
// the file's providers read-only, the audit events) are directory/idp's;
// these handlers only speak HTTP. Operators only, as for clients.
func (a *API) mountIdentityProviders(r *mux.Router) {
	if a.cfg.IdentityProviders == nil {
		return
	}
	r.HandleFunc("/identity-providers", a.listIdentityProviders).Methods(http.MethodGet)
	r.HandleFunc("/identity-providers", a.createIdentityProvider).Methods(http.MethodPost)
	r.HandleFunc("/identity-providers/{id}", a.getIdentityProvider).Methods(http.MethodGet)
	r.HandleFunc("/identity-providers/{id}", a.updateIdentityProvider).Methods(http.MethodPut)
	r.HandleFunc("/identity-providers/{id}", a.deleteIdentityProvider).Methods(http.MethodDelete)
}

func (a *API) listIdentityProviders(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit is 1 to 200")
		return
	}
	list, err := a.cfg.IdentityProviders.List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, paginate(list, func(p idp.Provider) string { return p.ID }, r.URL.Query().Get("cursor"), limit))
}

func (a *API) getIdentityProvider(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	p, err := a.cfg.IdentityProviders.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.storeError(w, r, err, "identity provider")
		return
	}
	w.Header().Set("ETag", etag(p))
	writeJSON(w, http.StatusOK, p)
}

func (a *API) createIdentityProvider(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	var in idp.Input
	if !decode(w, r, &in) {
		return
	}
	p, bad, err := a.cfg.IdentityProviders.Create(r.Context(), in, a.actor(r))
	switch {
	case len(bad) > 0:
		writeProblemFields(w, http.StatusBadRequest, "invalid-identity-provider", "the identity provider is not valid", bad)
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(w, http.StatusConflict, "conflict", "an identity provider with this id exists (here or in the configuration file)")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(p))
	w.Header().Set("Location", "/api/v1/identity-providers/"+p.ID)
	writeJSON(w, http.StatusCreated, p)
}

func (a *API) updateIdentityProvider(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	current, err := a.cfg.IdentityProviders.Get(r.Context(), id)
	if err != nil {
		a.storeError(w, r, err, "identity provider")
		return
	}
	if current.Source == idp.FromConfig {
		a.configuredProvider(w)
		return
	}
	var in idp.Input
	if !decode(w, r, &in) {
		return
	}
	if bad, err := a.cfg.IdentityProviders.Check(r.Context(), id, in); len(bad) > 0 || err != nil {
		if err != nil {
			a.storeError(w, r, err, "identity provider")
		} else {
			writeProblemFields(w, http.StatusBadRequest, "invalid-identity-provider", "the identity provider is not valid", bad)
		}
		return
	}
	if !a.ifMatch(w, r, "identity-provider:"+id, current) {
		return
	}
	p, bad, err := a.cfg.IdentityProviders.Update(r.Context(), id, in, current.Version, a.actor(r))
	switch {
	case len(bad) > 0:
		writeProblemFields(w, http.StatusBadRequest, "invalid-identity-provider", "the identity provider is not valid", bad)
		return
	case errors.Is(err, idp.ErrConfigured):
		a.configuredProvider(w)
		return
	case err != nil:
		a.storeError(w, r, err, "identity provider")
		return
	}
	w.Header().Set("ETag", etag(p))
	writeJSON(w, http.StatusOK, p)
}

func (a *API) deleteIdentityProvider(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	err := a.cfg.IdentityProviders.Delete(r.Context(), mux.Vars(r)["id"], a.actor(r))
	if errors.Is(err, idp.ErrConfigured) {
		a.configuredProvider(w)
		return
	}
	if err != nil {
		a.storeError(w, r, err, "identity provider")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) configuredProvider(w http.ResponseWriter) {
	writeProblem(w, http.StatusConflict, "configured", "this identity provider comes from the configuration file and changes only there")
}
