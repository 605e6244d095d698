package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// mountAnchors serves /trust-anchors. The rules (what is a usable CA
// certificate, its fingerprint, the audit event) are directory.Anchors'; these
// handlers only speak HTTP.
func (a *API) mountAnchors(r *mux.Router) {
	r.HandleFunc("/trust-anchors", a.listAnchors).Methods(http.MethodGet)
	r.HandleFunc("/trust-anchors", a.addAnchor).Methods(http.MethodPost)
	r.HandleFunc("/trust-anchors/{id}", a.getAnchor).Methods(http.MethodGet)
	r.HandleFunc("/trust-anchors/{id}", a.removeAnchor).Methods(http.MethodDelete)
}

func (a *API) listAnchors(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	list, err := a.cfg.Anchors.List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit must be between 1 and 200")
		return
	}
	slices.SortFunc(list, func(x, y directory.AnchorInfo) int { return strings.Compare(x.ID, y.ID) })
	writeJSON(w, http.StatusOK, paginate(list, func(x directory.AnchorInfo) string { return x.ID }, r.URL.Query().Get("cursor"), limit))
}

func (a *API) getAnchor(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	list, err := a.cfg.Anchors.List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	i := slices.IndexFunc(list, func(x directory.AnchorInfo) bool { return x.ID == mux.Vars(r)["id"] })
	if i < 0 {
		writeProblem(w, http.StatusNotFound, "not-found", "trust anchor not found")
		return
	}
	writeJSON(w, http.StatusOK, list[i])
}

// addAnchor trusts a CA certificate: {"certificate": PEM or base64 DER, "qualified": bool}.
func (a *API) addAnchor(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	var in struct {
		Certificate string `json:"certificate"`
		Qualified   bool   `json:"qualified"`
	}
	if !decode(w, r, &in) {
		return
	}
	info, err := a.cfg.Anchors.Add(r.Context(), []byte(in.Certificate), in.Qualified, a.actor(r))
	switch {
	case errors.Is(err, directory.ErrBadAnchor):
		writeProblemFields(w, http.StatusBadRequest, "invalid-anchor", err.Error(), map[string]string{"certificate": err.Error()})
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(w, http.StatusConflict, "conflict", "this certificate is already a trust anchor")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/trust-anchors/"+info.ID)
	writeJSON(w, http.StatusCreated, info)
}

func (a *API) removeAnchor(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	err := a.cfg.Anchors.Remove(r.Context(), id, a.actor(r))
	switch {
	case errors.Is(err, directory.ErrConfiguredAnchor):
		writeProblem(w, http.StatusConflict, "configured-anchor", "this trust anchor comes from the configuration file; remove it there")
		return
	case errors.Is(err, storage.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", "trust anchor not found")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
