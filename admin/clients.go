package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"slices"
	"strings"
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

// ClientInput is what may be written (API body, console form).
type ClientInput struct {
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
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri"`
	FrontchannelLogoutURI  string   `json:"frontchannel_logout_uri"`
	RequirePAR             bool     `json:"require_pushed_authorization_requests"`
	FirstParty             bool     `json:"first_party"`
	IDTokenUserinfoClaims  bool     `json:"id_token_userinfo_claims"`
	Scopes                 []string `json:"scopes"`
	Authorities            []string `json:"authorities"`
	JWKS                   string   `json:"jwks"`
	TLSSubjectDN           string   `json:"tls_client_auth_subject_dn"`
	CertificatePins        []string `json:"tls_client_certificate_sha256"`
	TLSBoundTokens         bool     `json:"tls_client_certificate_bound_access_tokens"`
	OrgID                  string   `json:"org_id"`
	Roles                  []string `json:"roles"`
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

// apply writes the input over a client, with the defaults of the file format.
func (in ClientInput) Apply(c storage.Client) storage.Client {
	c.Name, c.RedirectURIs, c.PostLogoutRedirectURIs, c.GrantTypes = in.Name, in.RedirectURIs, in.PostLogoutRedirectURIs, in.GrantTypes
	c.AuthMethod, c.Public, c.AccessTokenFormat, c.SigningAlg = in.AuthMethod, in.Public, in.AccessTokenFormat, in.SigningAlg
	c.MinACR, c.FirstParty, c.IDTokenUserinfoClaims, c.Scopes, c.Authorities, c.JWKS = in.MinACR, in.FirstParty, in.IDTokenUserinfoClaims, in.Scopes, in.Authorities, in.JWKS
	c.BackchannelLogoutURI, c.FrontchannelLogoutURI, c.RequirePAR = in.BackchannelLogoutURI, in.FrontchannelLogoutURI, in.RequirePAR
	c.TLSSubjectDN, c.CertificatePins, c.TLSBoundTokens = in.TLSSubjectDN, in.CertificatePins, in.TLSBoundTokens
	c.OrgID, c.Roles = in.OrgID, in.Roles
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
	var in ClientInput
	if !decode(w, r, &in) {
		return
	}
	c, secret, bad, err := a.Clients().Create(r.Context(), in)
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
	c, err := a.cfg.Store.ClientByID(r.Context(), id)
	if err != nil {
		a.storeError(w, r, err, "client")
		return
	}
	var in ClientInput
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
	next := in.Apply(c)
	if next.Public {
		next.SecretHash = ""
	}
	if bad := ClientProblems(next, "", a.cfg.Algorithms); len(bad) > 0 {
		writeProblemFields(w, http.StatusBadRequest, "invalid-client", "the client is not valid", bad)
		return
	}
	if !a.ifMatch(w, r, "client:"+id, toClientDoc(c)) {
		return
	}
	saved, _, err := a.Clients().Update(r.Context(), id, in, c.Version)
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
	if err := a.Clients().Delete(r.Context(), id); err != nil {
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
	c, secret, err := a.Clients().RotateSecret(r.Context(), id)
	if errors.Is(err, ErrNoSecret) {
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

// ErrNoSecret: the client does not authenticate with a secret.
var ErrNoSecret = errors.New("the client has no secret")

// ClientService holds the client operations the API and the console share, so
// that each can do what the other does, by the same rules.
type ClientService struct {
	Store      storage.Clients
	HashSecret func(string) string
	Algorithms []string
	Now        func() time.Time
	// Changed makes the provider reread clients at once (nil: nothing to tell).
	Changed func()
}

// changed passes on a successful write.
func (s ClientService) changed(err error) error {
	if err == nil && s.Changed != nil {
		s.Changed()
	}
	return err
}

// Clients is the API's client service.
func (a *API) Clients() ClientService {
	return ClientService{Store: a.cfg.Store, HashSecret: a.cfg.HashSecret, Algorithms: a.cfg.Algorithms, Now: a.cfg.Now, Changed: a.cfg.ClientsChanged}
}

// Create checks and stores a new client; a confidential one without a secret
// of its own gets a generated one, returned once. bad names invalid fields.
func (s ClientService) Create(ctx context.Context, in ClientInput) (c storage.Client, secret string, bad map[string]string, err error) {
	now := s.Now().UTC()
	c = in.Apply(storage.Client{ID: strings.TrimSpace(in.ID), CreatedAt: now, UpdatedAt: now})
	secret = in.Secret
	if secret == "" && !c.Public && c.AuthMethod != "private_key_jwt" {
		secret = rand.Text() + rand.Text()
	}
	if bad = ClientProblems(c, secret, s.Algorithms); len(bad) > 0 {
		return c, "", bad, nil
	}
	if secret != "" {
		c.SecretHash = s.HashSecret(secret)
	}
	return c, secret, nil, s.changed(s.Store.CreateClient(ctx, c))
}

// RotateSecret gives a client a new generated secret, returned once; the old
// one stops working (within a second on every instance).
func (s ClientService) RotateSecret(ctx context.Context, id string) (storage.Client, string, error) {
	c, err := s.Store.ClientByID(ctx, id)
	if err != nil {
		return c, "", err
	}
	if c.Public || !slices.Contains([]string{"client_secret_basic", "client_secret_post"}, c.AuthMethod) {
		return c, "", ErrNoSecret
	}
	secret := rand.Text() + rand.Text()
	c.SecretHash = s.HashSecret(secret)
	saved, err := s.Store.UpdateClient(ctx, c)
	return saved, secret, s.changed(err)
}

// Update makes a client exactly what in says, when it is still at version (the
// console's form carries it; -1: any); storage.ErrConflict when someone changed
// it since. bad names invalid fields.
//
// Every setting of the client document is taken from in: one left out is
// cleared (an authority not listed is removed), not kept. What is not a setting
// stays: the id, the creation time and the secret hash, which is never shown
// and is set only on creation or by rotation (POST …/secret), so that a PUT of
// the document read cannot lose it; a client made public loses its secret.
func (s ClientService) Update(ctx context.Context, id string, in ClientInput, version int) (storage.Client, map[string]string, error) {
	c, err := s.Store.ClientByID(ctx, id)
	if err != nil {
		return c, nil, err
	}
	if version >= 0 && c.Version != version {
		return c, nil, storage.ErrConflict
	}
	next := in.Apply(storage.Client{ID: c.ID, SecretHash: c.SecretHash, Version: c.Version, CreatedAt: c.CreatedAt})
	if next.Public {
		next.SecretHash = ""
	}
	if bad := ClientProblems(next, "", s.Algorithms); len(bad) > 0 {
		return c, bad, nil
	}
	saved, err := s.Store.UpdateClient(ctx, next)
	return saved, nil, s.changed(err)
}

// List gives every client, by id.
func (s ClientService) List(ctx context.Context) ([]storage.Client, error) {
	list, err := s.Store.ListClients(ctx)
	slices.SortFunc(list, func(a, b storage.Client) int { return strings.Compare(a.ID, b.ID) })
	return list, err
}

// Get reads one client.
func (s ClientService) Get(ctx context.Context, id string) (storage.Client, error) {
	return s.Store.ClientByID(ctx, id)
}

// Delete removes a client; its tokens stop working at their next check.
func (s ClientService) Delete(ctx context.Context, id string) error {
	if _, err := s.Store.ClientByID(ctx, id); err != nil {
		return err
	}
	return s.changed(s.Store.DeleteClient(ctx, id))
}
