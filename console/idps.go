package console

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/idp"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// identityProviders are directory/idp's rules, the same the API calls.
type identityProviders interface {
	List(ctx context.Context) ([]idp.Provider, error)
	Get(ctx context.Context, id string) (idp.Provider, error)
	Create(ctx context.Context, in idp.Input, by directory.Actor) (idp.Provider, map[string]string, error)
	Update(ctx context.Context, id string, in idp.Input, version int, by directory.Actor) (idp.Provider, map[string]string, error)
	SetEnabled(ctx context.Context, id string, on bool, by directory.Actor) (idp.Provider, error)
	Delete(ctx context.Context, id string, by directory.Actor) error
	Types() []string
}

// idpPage is the providers' list or one provider's form.
type idpPage struct {
	web.Base
	Notice, Error string
	Errors        map[string]string
	Providers     []idp.Provider
	Form          *idpForm
	Types         []string
	// Levels are the assurance levels a sign-in may reach, weakest first.
	Levels []string
}

// idpForm is a provider as the form shows it: the lists as text, the secrets
// only as set or not.
type idpForm struct {
	idp.Provider
	New            bool
	Scopes, Claims string
	TimeoutSeconds string
}

func toIDPForm(p idp.Provider) *idpForm {
	f := &idpForm{Provider: p, Scopes: strings.Join(p.Scopes, " ")}
	for _, k := range slices.Sorted(maps.Keys(p.Claims)) {
		f.Claims += k + "=" + p.Claims[k] + "\n"
	}
	if p.Timeout > 0 {
		f.TimeoutSeconds = strconv.Itoa(int(p.Timeout / time.Second))
	}
	return f
}

// idpInput reads the form over base (the provider's current settings; none
// for a new one): the form's fields replace base's, and a setting the form
// does not show is kept, not cleared. Secret fields left empty keep the
// stored ones.
func idpInput(r *http.Request, base idp.Settings) (idp.Input, map[string]string) {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	bad := map[string]string{}
	c := base
	c.ID, c.Type = v("id"), v("type")
	c.DisplayName = idp.DisplayName{RU: v("display_name_ru"), EN: v("display_name_en")}
	c.ClientID, c.Scopes, c.Claims = v("client_id"), words(r.PostFormValue("scopes")), nil
	c.Issuer, c.BaseURL, c.AuthURL, c.TokenURL, c.UserinfoURL = v("issuer"), v("base_url"), v("auth_url"), v("token_url"), v("userinfo_url")
	c.TLSCertFile, c.TLSKeyFile, c.RootCAFile = v("tls_cert_file"), v("tls_key_file"), v("root_ca_file")
	c.CertFile, c.KeyFile, c.ProviderCertFile = v("cert_file"), v("key_file"), v("provider_cert_file")
	c.CertificateHash, c.SecretFormat, c.AccessType = v("certificate_hash"), v("secret_format"), v("access_type")
	c.ACR, c.ACRConfirmed, c.Timeout = v("acr"), v("acr_confirmed"), 0
	in := idp.Input{Config: c, ClientSecret: r.PostFormValue("client_secret"), Key: strings.TrimSpace(r.PostFormValue("key"))}
	enabled := r.PostFormValue("enabled") == "yes"
	in.Enabled = &enabled
	if s := v("order"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			bad["order"] = "must be a whole number"
		}
		in.Order = n
	}
	if s := v("timeout"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			bad["timeout"] = "must be a whole number of seconds"
		}
		in.Timeout = time.Duration(n) * time.Second
	}
	for _, line := range strings.Split(r.PostFormValue("claims"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		field, claim, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(field) == "" || strings.TrimSpace(claim) == "" {
			bad["claims"] = fmt.Sprintf("%q is not field=claim", line)
			continue
		}
		if in.Claims == nil {
			in.Claims = map[string]string{}
		}
		in.Claims[strings.TrimSpace(field)] = strings.TrimSpace(claim)
	}
	if len(bad) == 0 {
		bad = nil
	}
	return in, bad
}

func (h *Handler) mountIdentityProviders(pages *mux.Router) {
	if h.cfg.IdentityProviders == nil {
		return
	}
	pages.HandleFunc("/console/identity-providers", h.idpList).Methods(http.MethodGet)
	pages.HandleFunc("/console/identity-providers/new", h.idpNew).Methods(http.MethodGet)
	pages.HandleFunc("/console/identity-providers/new", h.idpCreate).Methods(http.MethodPost)
	pages.HandleFunc("/console/identity-providers/{id}", h.idpShow).Methods(http.MethodGet)
	pages.HandleFunc("/console/identity-providers/{id}/{action:save|enable|disable|delete}", h.idpAction).Methods(http.MethodPost)
}

func (h *Handler) renderIDP(w http.ResponseWriter, r *http.Request, status int, u storage.User, page idpPage) {
	page.Base = h.base(r, u, "console.idp.title")
	if page.Notice != "" {
		page.Notice = page.T(page.Notice)
	}
	if page.Error != "" {
		page.Error = page.T(page.Error)
	}
	page.Types, page.Levels = h.cfg.IdentityProviders.Types(), directory.ACRLevels
	h.pages.Render(w, r, status, "idps", page)
}

// idpList shows every provider (GET /console/identity-providers).
func (h *Handler) idpList(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	list, err := h.cfg.IdentityProviders.List(r.Context())
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.renderIDP(w, r, http.StatusOK, u, idpPage{Providers: list, Notice: idpNotice(r, "deleted")})
}

// idpNew shows an empty form (GET /console/identity-providers/new).
func (h *Handler) idpNew(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	p := idp.Provider{Enabled: true, Source: idp.FromAPI}
	p.Type = r.URL.Query().Get("type")
	if !slices.Contains(h.cfg.IdentityProviders.Types(), p.Type) {
		p.Type = idp.DefaultType
	}
	f := toIDPForm(p)
	f.New = true
	h.renderIDP(w, r, http.StatusOK, u, idpPage{Form: f})
}

// idpCreate adds a provider (POST /console/identity-providers/new).
func (h *Handler) idpCreate(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	in, bad := idpInput(r, idp.Settings{})
	var p idp.Provider
	var err error
	if bad == nil {
		p, bad, err = h.cfg.IdentityProviders.Create(r.Context(), in, h.consoleActor(r, u))
	}
	if errors.Is(err, storage.ErrAlreadyExists) {
		bad, err = map[string]string{"id": "a provider with this id exists (here or in the configuration file)"}, nil
	}
	if len(bad) > 0 {
		f := toIDPForm(idp.Provider{Config: in.Config, Enabled: *in.Enabled, Order: in.Order, Source: idp.FromAPI})
		f.New = true
		h.renderIDP(w, r, http.StatusBadRequest, u, idpPage{Form: f, Errors: bad, Error: "console.invalid"})
		return
	}
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, "/console/identity-providers/"+url.PathEscape(p.ID)+"?notice=created", http.StatusSeeOther)
}

// idpShow shows one provider's form, read-only for the file's
// (GET /console/identity-providers/{id}).
func (h *Handler) idpShow(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	p, err := h.cfg.IdentityProviders.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.renderIDP(w, r, http.StatusOK, u, idpPage{Form: toIDPForm(p), Notice: idpNotice(r, "created", "saved", "enabled", "disabled")})
}

// idpAction saves, switches on or off, or deletes a provider (after a page
// of its own asking to confirm) (POST /console/identity-providers/{id}/{action}).
func (h *Handler) idpAction(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	svc, by := h.cfg.IdentityProviders, h.consoleActor(r, u)
	id, action := mux.Vars(r)["id"], mux.Vars(r)["action"]
	back := "/console/identity-providers/" + url.PathEscape(id)
	current, err := svc.Get(r.Context(), id)
	if err == nil && current.Source == idp.FromConfig {
		err = idp.ErrConfigured
	}
	if err != nil {
		h.idpFailure(w, r, u, err)
		return
	}
	switch action {
	case "save":
		in, bad := idpInput(r, current.Config)
		version, _ := strconv.Atoi(r.PostFormValue("version"))
		if bad == nil {
			_, bad, err = svc.Update(r.Context(), id, in, version, by)
		}
		if len(bad) > 0 {
			in.ID = id
			f := toIDPForm(idp.Provider{Config: in.Config, Enabled: *in.Enabled, Order: in.Order, Source: idp.FromAPI, Version: version})
			f.ClientSecretSet, f.KeySet = current.ClientSecretSet, current.KeySet
			h.renderIDP(w, r, http.StatusBadRequest, u, idpPage{Form: f, Errors: bad, Error: "console.invalid"})
			return
		}
		back += "?notice=saved"
	case "enable", "disable":
		_, err = svc.SetEnabled(r.Context(), id, action == "enable", by)
		back += "?notice=" + action + "d"
	case "delete":
		if !h.confirmed(w, r, u, web.Confirmation{Key: "confirm.idp_delete", Args: []string{"Provider"}, Cancel: back},
			func() (string, error) { return current.DisplayName.RU, nil }) {
			return
		}
		err = svc.Delete(r.Context(), id, by)
		back = "/console/identity-providers?notice=deleted"
	}
	if err != nil {
		h.idpFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// idpFailure says that a file's provider changes only in the file, or what
// consoleFailure says.
func (h *Handler) idpFailure(w http.ResponseWriter, r *http.Request, u storage.User, err error) {
	if errors.Is(err, idp.ErrConfigured) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusConflict, Key: "console.idp.configured", Err: err})
		return
	}
	h.consoleFailure(w, r, u, err)
}

// idpNotice reads ?notice= when it is one of the known ones.
func idpNotice(r *http.Request, known ...string) string {
	if n := r.URL.Query().Get("notice"); slices.Contains(known, n) {
		return "console.idp.done." + n
	}
	return ""
}
