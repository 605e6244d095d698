package account

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// systems are a company's integration systems (orgs.Systems).
type systems interface {
	Register(ctx context.Context, orgID string, in orgs.SystemInput) (storage.Client, error)
	Of(ctx context.Context, orgID string) ([]storage.Client, error)
	SetRoles(ctx context.Context, orgID, clientID string, roles []string) (storage.Client, error)
	Remove(ctx context.Context, orgID, clientID string) error
}

// maxSystemCertificate bounds the pasted certificate (with its chain).
const maxSystemCertificate = 64 << 10

type systemView struct {
	ID, Name, AuthMethod, Subject, Fingerprint, KeyID string
	Roles                                             map[string]bool
}

type systemsPage struct {
	base
	Org            storage.Organisation
	Systems        []systemView
	Roles          []roleView
	TokenEndpoint  string
	MTLSEndpoint   string
	Form           orgs.SystemInput
	Notice, Error  string
	CertificatePEM string
}

// orgSystems shows the company's integration systems to its org_admin
// (GET /account/companies/{org}/systems).
func (h *Handler) orgSystems(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	notice := ""
	if n := r.URL.Query().Get("notice"); slices.Contains([]string{"registered", "saved", "removed"}, n) {
		notice = "systems.notice." + n
	}
	h.renderSystems(w, r, http.StatusOK, org, u, systemsPage{Notice: notice, Form: orgs.SystemInput{AuthMethod: orgs.SystemAuthTLS}})
}

func (h *Handler) renderSystems(w http.ResponseWriter, r *http.Request, status int, org storage.Organisation, u storage.User, page systemsPage) {
	lang := accountLang(r, u)
	list, err := h.cfg.Systems.Of(r.Context(), org.ID)
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	roles, err := h.roleViews(r, lang, false)
	if err != nil {
		h.pages.Fail(w, r, lang, web.Unavailable(err))
		return
	}
	page.base, page.Org, page.Roles = h.newBase(r, u, lang, "systems.title"), org, roles
	page.TokenEndpoint = h.cfg.Issuer + "/oauth/token"
	if h.cfg.Verifier != nil && h.cfg.TLSURL != "" {
		page.MTLSEndpoint = strings.TrimSuffix(h.cfg.TLSURL, "/") + "/oauth/token"
	}
	for _, c := range list {
		v := systemView{ID: c.ID, Name: c.Name, AuthMethod: c.AuthMethod, Subject: c.TLSSubjectDN, Roles: map[string]bool{}}
		if len(c.CertificatePins) > 0 {
			v.Fingerprint = c.CertificatePins[0]
		}
		if c.AuthMethod == orgs.SystemAuthJWT {
			if b, err := hex.DecodeString(v.Fingerprint); err == nil {
				v.KeyID = base64.RawURLEncoding.EncodeToString(b)
			}
		}
		for _, role := range c.Roles {
			v.Roles[role] = true
		}
		page.Systems = append(page.Systems, v)
	}
	if page.Notice != "" {
		page.Notice = page.T(page.Notice)
	}
	if page.Error != "" {
		page.Error = page.T(page.Error)
	}
	h.pages.Render(w, r, status, "company_systems", page)
}

// orgSystemRegister registers an integration system with its certificate
// (POST /account/companies/{org}/systems/register). The certificate must be trusted now:
// the same check as at every token request of a tls_client_auth system.
func (h *Handler) orgSystemRegister(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.renderSystems(w, r, http.StatusBadRequest, org, u, systemsPage{Error: "error.bad_request"})
		return
	}
	pemText := strings.TrimSpace(r.PostFormValue("certificate"))
	in := orgs.SystemInput{Name: r.PostFormValue("name"), Code: strings.TrimSpace(r.PostFormValue("code")),
		AuthMethod: r.PostFormValue("auth_method"), Roles: r.PostForm["role"]}
	again := func(status int, key string) {
		h.renderSystems(w, r, status, org, u, systemsPage{Error: key, Form: in, CertificatePEM: pemText})
	}
	certs, err := certauth.ParseCertificates([]byte(pemText))
	if err != nil || len(pemText) > maxSystemCertificate {
		again(http.StatusBadRequest, "systems.error.certificate")
		return
	}
	if !h.certificatesOn() {
		again(http.StatusBadRequest, "systems.error.no_anchors")
		return
	}
	if _, err := h.cfg.Verifier.Verify(r.Context(), certs[0], certs[1:], certauth.PurposeClientAuth); err != nil {
		h.log.InfoContext(r.Context(), "system certificate refused", "org", org.ID, "err", err)
		again(http.StatusBadRequest, "cert.error."+string(certauth.ReasonOf(err)))
		return
	}
	in.Certificate = certs[0]
	c, err := h.cfg.Systems.Register(r.Context(), org.ID, in)
	switch {
	case errors.Is(err, orgs.ErrSystemName):
		again(http.StatusBadRequest, "systems.error.name")
		return
	case errors.Is(err, orgs.ErrSystemCode):
		again(http.StatusBadRequest, "systems.error.code")
		return
	case errors.Is(err, orgs.ErrSystemKey):
		again(http.StatusBadRequest, "systems.error.key")
		return
	case errors.Is(err, orgs.ErrSystemMethod), errors.Is(err, orgs.ErrUnknownRole):
		again(http.StatusBadRequest, "error.bad_request")
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		again(http.StatusConflict, "systems.error.taken")
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	h.systemsChanged()
	h.audit(r, storage.AuditEvent{Type: directory.EventSystemRegistered, Outcome: directory.OutcomeSuccess, Actor: u.ID, OrgID: org.ID, ClientID: c.ID,
		Details: map[string]string{"auth_method": c.AuthMethod, "certificate": c.CertificatePins[0], "roles": strings.Join(c.Roles, " ")}})
	http.Redirect(w, r, "/account/companies/"+org.ID+"/systems?notice=registered", http.StatusSeeOther)
}

// orgSystemAction saves a system's roles or removes it
// (POST /account/companies/{org}/systems/{client}/{roles|remove}).
func (h *Handler) orgSystemAction(w http.ResponseWriter, r *http.Request) {
	org, u, ok := h.orgAdminOf(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.renderSystems(w, r, http.StatusBadRequest, org, u, systemsPage{Error: "error.bad_request"})
		return
	}
	id, action := mux.Vars(r)["client"], mux.Vars(r)["action"]
	var err error
	event, notice := directory.EventSystemChanged, "saved"
	details := map[string]string{}
	if action == "remove" {
		event, notice = directory.EventSystemRemoved, "removed"
		err = h.cfg.Systems.Remove(r.Context(), org.ID, id)
	} else {
		details["roles"] = strings.Join(r.PostForm["role"], " ")
		_, err = h.cfg.Systems.SetRoles(r.Context(), org.ID, id, r.PostForm["role"])
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.renderSystems(w, r, http.StatusNotFound, org, u, systemsPage{Error: "error.not_found"})
		return
	case errors.Is(err, orgs.ErrUnknownRole):
		h.renderSystems(w, r, http.StatusBadRequest, org, u, systemsPage{Error: "members.unknown_role"})
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	h.systemsChanged()
	h.audit(r, storage.AuditEvent{Type: event, Outcome: directory.OutcomeSuccess, Actor: u.ID, OrgID: org.ID, ClientID: id, Details: details})
	http.Redirect(w, r, "/account/companies/"+org.ID+"/systems?notice="+notice, http.StatusSeeOther)
}

// systemsChanged makes this instance see the change at once (others within a second).
func (h *Handler) systemsChanged() {
	if h.cfg.ClientsChanged != nil {
		h.cfg.ClientsChanged()
	}
}
