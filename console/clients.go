package console

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// clientForm is a client as the console's form shows it.
type clientForm struct {
	New                                 bool
	ID, Name, RedirectURIs, PostLogout  string
	GrantTypes                          map[string]bool
	AuthMethod, AccessTokenFormat       string
	SigningAlg, MinACR, Scopes          string
	Backchannel, Frontchannel           string
	RequirePAR                          bool
	Public, FirstParty, ClaimsInIDToken bool
	JWKS                                string
	TLSSubjectDN, CertificatePins       string
	TLSBoundTokens                      bool
	Authorities                         map[string]bool
	Version                             int
}

func toClientForm(c storage.Client) *clientForm {
	f := &clientForm{ID: c.ID, Name: c.Name, RedirectURIs: strings.Join(c.RedirectURIs, "\n"), PostLogout: strings.Join(c.PostLogoutRedirectURIs, "\n"),
		GrantTypes: map[string]bool{}, AuthMethod: c.AuthMethod, AccessTokenFormat: c.AccessTokenFormat, SigningAlg: c.SigningAlg,
		MinACR: c.MinACR, Scopes: strings.Join(c.Scopes, " "), Public: c.Public, FirstParty: c.FirstParty, Version: c.Version,
		ClaimsInIDToken: c.IDTokenUserinfoClaims, JWKS: c.JWKS, Authorities: map[string]bool{},
		Backchannel: c.BackchannelLogoutURI, Frontchannel: c.FrontchannelLogoutURI, RequirePAR: c.RequirePAR,
		TLSSubjectDN: c.TLSSubjectDN, CertificatePins: strings.Join(c.CertificatePins, "\n"), TLSBoundTokens: c.TLSBoundTokens}
	for _, g := range c.GrantTypes {
		f.GrantTypes[g] = true
	}
	for _, a := range c.Authorities {
		f.Authorities[a] = true
	}
	return f
}

// words splits a field on spaces and line breaks.
func words(s string) []string { return strings.Fields(s) }

// clientInput reads the console's client form.
func clientInput(r *http.Request) directory.ClientInput {
	return directory.ClientInput{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		RedirectURIs: words(r.PostFormValue("redirect_uris")), PostLogoutRedirectURIs: words(r.PostFormValue("post_logout_redirect_uris")),
		GrantTypes: r.PostForm["grant_type"], AuthMethod: r.PostFormValue("auth_method"), Public: r.PostFormValue("public") == "yes",
		AccessTokenFormat: r.PostFormValue("access_token_format"), SigningAlg: r.PostFormValue("signing_alg"),
		MinACR: strings.TrimSpace(r.PostFormValue("min_acr")), FirstParty: r.PostFormValue("first_party") == "yes",
		Scopes: words(r.PostFormValue("scopes")), IDTokenUserinfoClaims: r.PostFormValue("id_token_claims") == "yes",
		Authorities: r.PostForm["authority"], JWKS: strings.TrimSpace(r.PostFormValue("jwks")),
		BackchannelLogoutURI:  strings.TrimSpace(r.PostFormValue("backchannel_logout_uri")),
		FrontchannelLogoutURI: strings.TrimSpace(r.PostFormValue("frontchannel_logout_uri")),
		RequirePAR:            r.PostFormValue("require_par") == "yes",
		TLSSubjectDN:          strings.TrimSpace(r.PostFormValue("tls_client_auth_subject_dn")),
		CertificatePins:       words(strings.ToLower(r.PostFormValue("tls_client_certificate_sha256"))),
		TLSBoundTokens:        r.PostFormValue("tls_bound_tokens") == "yes"}
}

// consoleClients lists clients with the form for a new one (GET /console/clients).
func (h *Handler) consoleClients(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	form := &clientForm{New: true, GrantTypes: map[string]bool{"authorization_code": true, "refresh_token": true},
		AuthMethod: "client_secret_basic", AccessTokenFormat: storage.TokenFormatOpaque}
	h.consoleClientList(w, r, http.StatusOK, u, consolePage{Client: form, Notice: notice(r, "deleted")})
}

func (h *Handler) consoleClientList(w http.ResponseWriter, r *http.Request, status int, u storage.User, page consolePage) {
	list, err := h.cfg.Clients.List(r.Context())
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	// The clients are few and read whole: sorted here, no paging.
	page.Sort = newListSort("/console/clients", r.URL.Query(), nil, "id", "id", "name")
	sortClients(list, page.Sort)
	page.Section, page.Clients, page.Algorithms = "clients", list, h.cfg.Clients.Algorithms()
	h.renderConsole(w, r, status, u, page)
}

// consoleClientCreate makes a client and shows its secret once (POST /console/clients).
func (h *Handler) consoleClientCreate(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	in := clientInput(r)
	c, secret, bad, err := h.cfg.Clients.Create(r.Context(), in)
	if errors.Is(err, storage.ErrAlreadyExists) {
		bad, err = map[string]string{"id": "a client with this id exists"}, nil
	}
	if len(bad) > 0 {
		form := toClientForm(in.Apply(storage.Client{ID: in.ID}))
		form.New = true
		h.consoleClientList(w, r, http.StatusBadRequest, u, consolePage{Client: form, Errors: bad, Error: "console.invalid"})
		return
	}
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: c.ID, Details: map[string]string{"change": "created"}})
	h.renderConsole(w, r, http.StatusCreated, u, consolePage{Section: "client", Client: toClientForm(c), Secret: secret,
		Notice: "console.client_created", Algorithms: h.cfg.Clients.Algorithms()})
}

// consoleClient shows one client's form (GET /console/clients/{id}).
func (h *Handler) consoleClient(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	c, err := h.cfg.Clients.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.renderConsole(w, r, http.StatusOK, u, consolePage{Section: "client", Client: toClientForm(c), Notice: notice(r, "saved"),
		Algorithms: h.cfg.Clients.Algorithms()})
}

// consoleClientAction saves, rotates the secret of, or deletes a client
// (POST /console/clients/{id}/{action}).
func (h *Handler) consoleClientAction(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	clients := h.cfg.Clients
	id, action := mux.Vars(r)["id"], mux.Vars(r)["action"]
	switch action {
	case "save":
		current, err := clients.Get(r.Context(), id)
		if err != nil {
			h.consoleFailure(w, r, u, err)
			return
		}
		in := clientInput(r)
		// An update is the whole client, and the form has no fields for the
		// company of an integration system and its roles (its company sets
		// those): they stay as they are.
		in.OrgID, in.Roles = current.OrgID, current.Roles
		version, _ := strconv.Atoi(r.PostFormValue("version"))
		_, bad, err := clients.Update(r.Context(), id, in, version)
		if len(bad) > 0 {
			h.renderConsole(w, r, http.StatusBadRequest, u, consolePage{Section: "client", Client: toClientForm(in.Apply(current)), Errors: bad,
				Error: "console.invalid", Algorithms: h.cfg.Clients.Algorithms()})
			return
		}
		if err != nil {
			h.consoleFailure(w, r, u, err)
			return
		}
		h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: id, Details: map[string]string{"change": "updated"}})
		http.Redirect(w, r, "/console/clients/"+url.PathEscape(id)+"?notice=saved", http.StatusSeeOther)
	case "secret":
		c, secret, err := clients.RotateSecret(r.Context(), id)
		if errors.Is(err, directory.ErrNoSecret) {
			h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusConflict, Key: "console.no_secret", Err: err})
			return
		}
		if err != nil {
			h.consoleFailure(w, r, u, err)
			return
		}
		h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: id, Details: map[string]string{"change": "secret rotated"}})
		h.renderConsole(w, r, http.StatusOK, u, consolePage{Section: "client", Client: toClientForm(c), Secret: secret, Notice: "console.secret_rotated",
			Algorithms: h.cfg.Clients.Algorithms()})
	case "delete":
		if !h.confirmed(w, r, u, web.Confirmation{Key: "confirm.client_delete", Args: []string{"Client"}, Cancel: "/console/clients/" + url.PathEscape(id)},
			func() (string, error) { c, err := clients.Get(r.Context(), id); return firstOf(c.Name, c.ID), err }) {
			return
		}
		if err := clients.Delete(r.Context(), id); err != nil {
			h.consoleFailure(w, r, u, err)
			return
		}
		h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventClientChanged, ClientID: id, Details: map[string]string{"change": "deleted"}})
		http.Redirect(w, r, "/console/clients?notice=deleted", http.StatusSeeOther)
	}
}

// sortClients orders the clients list by ID or by name (then ID), either way.
func sortClients(list []storage.Client, s listSort) {
	slices.SortFunc(list, func(a, b storage.Client) int {
		c := strings.Compare(a.ID, b.ID)
		if s.Key == "name" {
			c = cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), c)
		}
		if s.Desc {
			return -c
		}
		return c
	})
}
