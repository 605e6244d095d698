package admin

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

type roleDoc struct {
	Key         string            `json:"key"`
	Name        map[string]string `json:"name"`
	Description map[string]string `json:"description,omitempty"`
	Default     bool              `json:"default,omitempty"`
}

type catalogueDoc struct {
	ID      string    `json:"id"`
	Clients []string  `json:"clients"`
	Roles   []roleDoc `json:"roles"`
}

func toCatalogueDoc(c storage.RoleCatalogue) catalogueDoc {
	d := catalogueDoc{ID: c.ID, Clients: nonNil(c.Clients), Roles: []roleDoc{}}
	for _, r := range c.Roles {
		d.Roles = append(d.Roles, roleDoc{Key: r.Key, Name: r.Name, Description: r.Description, Default: r.Default})
	}
	return d
}

func (a *API) mountCatalogues(r *mux.Router) {
	r.HandleFunc("/role-catalogues", a.listCatalogues).Methods(http.MethodGet)
	r.HandleFunc("/role-catalogues/{id}", a.getCatalogue).Methods(http.MethodGet)
	r.HandleFunc("/role-catalogues/{id}", a.putCatalogue).Methods(http.MethodPut)
	r.HandleFunc("/role-catalogues/{id}", a.deleteCatalogue).Methods(http.MethodDelete)
}

func (a *API) catalogue(w http.ResponseWriter, r *http.Request, id string) (storage.RoleCatalogue, bool, bool) {
	c, found, err := a.cfg.Catalogues.Get(r.Context(), id)
	if err != nil {
		a.serverError(w, r, err)
		return c, false, false
	}
	return c, found, true
}

func (a *API) listCatalogues(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	list, err := a.cfg.Catalogues.List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	docs := []catalogueDoc{}
	for _, c := range list {
		docs = append(docs, toCatalogueDoc(c))
	}
	writeJSON(w, http.StatusOK, paginate(docs, func(c catalogueDoc) string { return c.ID }, r.URL.Query().Get("cursor"), 200))
}

func (a *API) getCatalogue(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	c, found, ok := a.catalogue(w, r, mux.Vars(r)["id"])
	if !ok {
		return
	}
	if !found {
		writeProblem(w, http.StatusNotFound, "not-found", "role catalogue not found")
		return
	}
	doc := toCatalogueDoc(c)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

// putCatalogue creates (If-None-Match: *) or replaces (If-Match) a catalogue.
func (a *API) putCatalogue(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	var in struct {
		Clients []string  `json:"clients"`
		Roles   []roleDoc `json:"roles"`
	}
	if !decode(w, r, &in) {
		return
	}
	c := storage.RoleCatalogue{ID: id, Clients: in.Clients}
	for _, role := range in.Roles {
		c.Roles = append(c.Roles, storage.Role{Key: role.Key, Name: role.Name, Description: role.Description, Default: role.Default})
	}
	if bad := directory.CatalogueProblems(c); bad != nil {
		writeProblemFields(w, http.StatusBadRequest, "invalid-catalogue", "the catalogue is not valid", bad)
		return
	}
	current, exists, ok := a.catalogue(w, r, id)
	if !ok {
		return
	}
	status := http.StatusOK
	if exists {
		if !a.ifMatch(w, r, "catalogue:"+id, toCatalogueDoc(current)) {
			return
		}
	} else if r.Header.Get("If-None-Match") != "*" {
		writeProblem(w, http.StatusPreconditionRequired, "precondition-required", "to create a catalogue send If-None-Match: *")
		return
	} else {
		status = http.StatusCreated
	}
	if _, err := a.cfg.Catalogues.Put(r.Context(), c); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventCatalogueChanged, Details: map[string]string{"catalogue": id}})
	doc := toCatalogueDoc(c)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, status, doc)
}

func (a *API) deleteCatalogue(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	if err := a.cfg.Catalogues.Delete(r.Context(), id); err != nil {
		a.storeError(w, r, err, "role catalogue")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventCatalogueChanged, Details: map[string]string{"catalogue": id, "change": "deleted"}})
	w.WriteHeader(http.StatusNoContent)
}
