package admin

import (
	"crypto/rand"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/mux"

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
	FirstParty             bool      `json:"first_party"`
	IDTokenUserinfoClaims  bool      `json:"id_token_userinfo_claims"`
	Scopes                 []string  `json:"scopes"`
	Authorities            []string  `json:"authorities"`
	JWKS                   string    `json:"jwks"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// clientInput is what may be written.
type clientInput struct {
	ID                     string   `json:"id"`
	Name                   string   `json:"name"`
	Secret                 string   `json:"secret"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	GrantTypes             []string `json:"grant_types"`
	AuthMethod             string   `json:"auth_method"`
	Public                 bool     `json:"public"`
	AccessTokenFormat      string   `json:"access_token_format"`
	SigningAlg             string   `json:"signing_alg"`
	MinACR                 string   `json:"min_acr"`
	FirstParty             bool     `json:"first_party"`
	IDTokenUserinfoClaims  bool     `json:"id_token_userinfo_claims"`
	Scopes                 []string `json:"scopes"`
	Authorities            []string `json:"authorities"`
	JWKS                   string   `json:"jwks"`
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
		Scopes: nonNil(c.Scopes), Authorities: nonNil(c.Authorities), JWKS: c.JWKS, CreatedAt: ms(c.CreatedAt), UpdatedAt: ms(c.UpdatedAt)}
}

// apply writes the input over a client, with the defaults of the file format.
func (in clientInput) apply(c storage.Client) storage.Client {
	c.Name, c.RedirectURIs, c.PostLogoutRedirectURIs, c.GrantTypes = in.Name, in.RedirectURIs, in.PostLogoutRedirectURIs, in.GrantTypes
	c.AuthMethod, c.Public, c.AccessTokenFormat, c.SigningAlg = in.AuthMethod, in.Public, in.AccessTokenFormat, in.SigningAlg
	c.MinACR, c.FirstParty, c.IDTokenUserinfoClaims, c.Scopes, c.Authorities, c.JWKS = in.MinACR, in.FirstParty, in.IDTokenUserinfoClaims, in.Scopes, in.Authorities, in.JWKS
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	if c.AuthMethod == "" {
		c.AuthMethod = "client_secret_basic"
		if c.Public {
			c.AuthMethod = "none"
		}
	}
	if c.AccessTokenFormat == "" {
		c.AccessTokenFormat = storage.TokenFormatOpaque
	}
	if c.Name == "" {
		c.Name = c.ID
	}
	return c
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
	list, err := a.cfg.Store.ListClients(r.Context())
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
	c, err := a.cfg.Store.ClientByID(r.Context(), mux.Vars(r)["id"])
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
	var in clientInput
	if !decode(w, r, &in) {
		return
	}
	now := a.cfg.Now().UTC()
	c := in.apply(storage.Client{ID: in.ID, CreatedAt: now, UpdatedAt: now})
	secret := in.Secret
	if secret == "" && !c.Public && c.AuthMethod != "private_key_jwt" {
		secret = rand.Text() + rand.Text()
	}
	if bad := ClientProblems(c, secret, a.cfg.algorithms()); len(bad) > 0 {
		writeProblemFields(w, http.StatusBadRequest, "invalid-client", "the client is not valid", bad)
		return
	}
	if secret != "" {
		c.SecretHash = a.cfg.HashSecret(secret)
	}
	if _, err := a.cfg.Store.ClientByID(r.Context(), c.ID); err == nil {
		writeProblem(w, http.StatusConflict, "conflict", "a client with this id exists")
		return
	}
	if err := a.cfg.Store.PutClient(r.Context(), c); err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	a.audit(r, storage.AuditEvent{Type: EventClientChanged, ClientID: c.ID, Details: map[string]string{"change": "created"}})
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
	c, err := a.cfg.Store.ClientByID(r.Context(), id)
	if err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	var in clientInput
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
	next := in.apply(c)
	next.UpdatedAt = a.cfg.Now().UTC()
	if next.Public {
		next.SecretHash = ""
	}
	if bad := ClientProblems(next, "", a.cfg.algorithms()); len(bad) > 0 {
		writeProblemFields(w, http.StatusBadRequest, "invalid-client", "the client is not valid", bad)
		return
	}
	if !a.ifMatch(w, r, "client:"+id, toClientDoc(c)) {
		return
	}
	next.Version = c.Version + 1
	if err := a.cfg.Store.PutClient(r.Context(), next); err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	a.audit(r, storage.AuditEvent{Type: EventClientChanged, ClientID: id, Details: map[string]string{"change": "updated"}})
	doc := toClientDoc(next)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) deleteClient(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	if _, err := a.cfg.Store.ClientByID(r.Context(), id); err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	if err := a.cfg.Store.DeleteClient(r.Context(), id); err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	a.audit(r, storage.AuditEvent{Type: EventClientChanged, ClientID: id, Details: map[string]string{"change": "deleted"}})
	w.WriteHeader(http.StatusNoContent)
}

// rotateClientSecret makes a new secret and shows it once; the old one stops
// working at once.
func (a *API) rotateClientSecret(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	c, err := a.cfg.Store.ClientByID(r.Context(), id)
	if err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	if c.Public || !slices.Contains([]string{"client_secret_basic", "client_secret_post"}, c.AuthMethod) {
		writeProblem(w, http.StatusConflict, "no-secret", "this client does not authenticate with a secret")
		return
	}
	secret := rand.Text() + rand.Text()
	c.SecretHash, c.UpdatedAt, c.Version = a.cfg.HashSecret(secret), a.cfg.Now().UTC(), c.Version+1
	if err := a.cfg.Store.PutClient(r.Context(), c); err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	a.audit(r, storage.AuditEvent{Type: EventClientChanged, ClientID: id, Details: map[string]string{"change": "secret rotated"}})
	doc := toClientDoc(c)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, clientWithSecret{clientDoc: doc, Secret: secret})
}
