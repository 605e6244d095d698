package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// clientDoc is a client as the API shows and takes it; the secret is never
// shown, only set (on creation or rotation).
type clientDoc struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	GrantTypes             []string  `json:"grant_types"`
	AuthMethod             string    `json:"auth_method"`
	Public                 bool      `json:"public"`
	AccessTokenFormat      string    `json:"access_token_format"`
	SigningAlg             string    `json:"signing_alg"`
	MinACR                 string    `json:"min_acr"`
	BackchannelLogoutURI   string    `json:"backchannel_logout_uri"`
	FrontchannelLogoutURI  string    `json:"frontchannel_logout_uri"`
	RequirePAR             bool      `json:"require_pushed_authorization_requests"`
	FirstParty             bool      `json:"first_party"`
	IDTokenUserinfoClaims  bool      `json:"id_token_userinfo_claims"`
	Scopes                 []string  `json:"scopes"`
	Authorities            []string  `json:"authorities"`
	JWKS                   string    `json:"jwks"`
	TLSSubjectDN           string    `json:"tls_client_auth_subject_dn"`
	CertificatePins        []string  `json:"tls_client_certificate_sha256"`
	TLSBoundTokens         bool      `json:"tls_client_certificate_bound_access_tokens"`
	OrgID                  string    `json:"org_id"`
	Roles                  []string  `json:"roles"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toClientDoc(c storage.Client) clientDoc {
	return clientDoc{ID: c.ID, Name: c.Name, RedirectURIs: nonNil(c.RedirectURIs), PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs),
		GrantTypes: nonNil(c.GrantTypes), AuthMethod: c.AuthMethod, Public: c.Public, AccessTokenFormat: c.AccessTokenFormat,
		SigningAlg: c.SigningAlg, MinACR: c.MinACR, FirstParty: c.FirstParty, IDTokenUserinfoClaims: c.IDTokenUserinfoClaims,
		BackchannelLogoutURI: c.BackchannelLogoutURI, FrontchannelLogoutURI: c.FrontchannelLogoutURI, RequirePAR: c.RequirePAR,
		Scopes: nonNil(c.Scopes), Authorities: nonNil(c.Authorities), JWKS: c.JWKS,
		TLSSubjectDN: c.TLSSubjectDN, CertificatePins: nonNil(c.CertificatePins), TLSBoundTokens: c.TLSBoundTokens,
		OrgID: c.OrgID, Roles: nonNil(c.Roles), CreatedAt: ms(c.CreatedAt), UpdatedAt: ms(c.UpdatedAt)}
}

func (a *API) mountClients(r *mux.Router) {
	r.HandleFunc("/clients", a.listClients).Methods(http.MethodGet)
	r.HandleFunc("/clients", a.createClient).Methods(http.MethodPost)
	r.HandleFunc("/clients/{id}", a.getClient).Methods(http.MethodGet)
	r.HandleFunc("/clients/{id}", a.updateClient).Methods(http.MethodPut)
	r.HandleFunc("/clients/{id}", a.deleteClient).Methods(http.MethodDelete)
	r.HandleFunc("/clients/{id}/secret", a.rotateClientSecret).Methods(http.MethodPost)
}

func (a *API) listClients(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit is 1 to 200")
		return
	}
	list, err := a.cfg.Clients.List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	docs := make([]clientDoc, 0, len(list))
	for _, c := range list {
		docs = append(docs, toClientDoc(c))
	}
	writeJSON(w, http.StatusOK, paginate(docs, func(c clientDoc) string { return c.ID }, r.URL.Query().Get("cursor"), limit))
}

func (a *API) getClient(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	c, err := a.cfg.Clients.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	doc := toClientDoc(c)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

// clientWithSecret is the answer that shows a new secret, once.
type clientWithSecret struct {
	clientDoc
	Secret string `json:"secret,omitempty"`
}

func (a *API) createClient(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	var in directory.ClientInput
	if !decode(w, r, &in) {
		return
	}
	c, secret, bad, err := a.cfg.Clients.Create(r.Context(), in)
	switch {
	case len(bad) > 0:
		writeProblemFields(w, http.StatusBadRequest, "invalid-client", "the client is not valid", bad)
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(w, http.StatusConflict, "conflict", "a client with this id exists")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: c.ID, Details: map[string]string{"change": "created"}})
	doc := toClientDoc(c)
	w.Header().Set("ETag", etag(doc))
	w.Header().Set("Location", "/api/v1/clients/"+c.ID)
	writeJSON(w, http.StatusCreated, clientWithSecret{clientDoc: doc, Secret: secret})
}

func (a *API) updateClient(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	c, err := a.cfg.Clients.Get(r.Context(), id)
	if err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	var in directory.ClientInput
	if !decode(w, r, &in) {
		return
	}
	if in.ID != "" && in.ID != id {
		writeProblemFields(w, http.StatusBadRequest, "invalid-client", "the id of a client does not change", map[string]string{"id": "must be " + id})
		return
	}
	if in.Secret != "" {
		writeProblemFields(w, http.StatusBadRequest, "invalid-client", "rotate the secret with POST .../secret", map[string]string{"secret": "not here"})
		return
	}
	if bad := a.cfg.Clients.Problems(in.Next(c), ""); len(bad) > 0 {
		writeProblemFields(w, http.StatusBadRequest, "invalid-client", "the client is not valid", bad)
		return
	}
	if !a.ifMatch(w, r, "client:"+id, toClientDoc(c)) {
		return
	}
	saved, _, err := a.cfg.Clients.Update(r.Context(), id, in, c.Version)
	if err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: id, Details: map[string]string{"change": "updated"}})
	doc := toClientDoc(saved)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) deleteClient(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	if err := a.cfg.Clients.Delete(r.Context(), id); err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: id, Details: map[string]string{"change": "deleted"}})
	w.WriteHeader(http.StatusNoContent)
}

// rotateClientSecret makes a new secret and shows it once; the old one stops
// working at once.
func (a *API) rotateClientSecret(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	c, secret, err := a.cfg.Clients.RotateSecret(r.Context(), id)
	if errors.Is(err, directory.ErrNoSecret) {
		writeProblem(w, http.StatusConflict, "no-secret", "this client does not authenticate with a secret")
		return
	}
	if err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: id, Details: map[string]string{"change": "secret rotated"}})
	doc := toClientDoc(c)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, clientWithSecret{clientDoc: doc, Secret: secret})
}
