package admin

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

func (a *API) mountKeys(r *mux.Router) {
	r.HandleFunc("/keys", a.listKeys).Methods(http.MethodGet)
	r.HandleFunc("/keys/rotate", a.rotateKey).Methods(http.MethodPost)
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	keys, err := a.cfg.Keys.List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	if keys == nil {
		keys = []directory.KeyInfo{}
	}
	writeJSON(w, http.StatusOK, page[directory.KeyInfo]{Items: keys})
}

// rotateKey makes a new current key of an algorithm; the old one stays
// published until tokens signed with it have expired.
func (a *API) rotateKey(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	var in struct {
		Algorithm string `json:"alg"`
	}
	if !decode(w, r, &in) {
		return
	}
	kid, err := a.cfg.Keys.Rotate(r.Context(), in.Algorithm)
	if errors.Is(err, directory.ErrUnknownAlgorithm) {
		writeProblemFields(w, http.StatusBadRequest, "invalid-body", "unknown algorithm", map[string]string{"alg": "one of the signing algorithms"})
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventKeyRotated, Details: map[string]string{"alg": in.Algorithm, "kid": kid}})
	writeJSON(w, http.StatusCreated, map[string]string{"kid": kid, "alg": in.Algorithm})
}
