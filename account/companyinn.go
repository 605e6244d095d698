package account

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// branchOption is one unit of a company in the register, for the KPP choice.
type branchOption struct {
	KPP, Name, Address string
	Head, Chosen       bool
}

// companyINN takes the INN first. A legal entity's KPP is asked next, chosen
// from the register's head office and branches (one unit: taken at once), or
// typed when the register cannot tell; a KPP posted with the INN is taken as
// it is. A company that is here already is offered for joining; a new one is
// prefilled from the register, and its head's name and title from the
// person's certificate when they signed in with one of this company.
func (h *Handler) companyINN(w http.ResponseWriter, r *http.Request, f flow, u storage.User) {
	o := f.Org
	inn, kpp := strings.TrimSpace(r.PostFormValue("inn")), strings.ToUpper(strings.TrimSpace(r.PostFormValue("kpp")))
	if inn != o.INN {
		o.KPP = "" // another company: its KPP is asked again
	}
	o.INN, o.KPP = inn, kpp
	o.Kind = storage.OrgLegalEntity
	if len(o.INN) == 12 {
		o.Kind, o.KPP = storage.OrgEntrepreneur, ""
	}
	if resubmitting(f) {
		// A corrected registration keeps its INN and KPP: another company
		// is a registration of its own.
		if cur, err := h.cfg.OrgStore.OrganisationByID(r.Context(), o.ID); err == nil && (cur.INN != o.INN || (r.PostFormValue("kpp") != "" && cur.KPP != o.KPP)) {
			o.INN, o.KPP, o.Kind = cur.INN, cur.KPP, cur.Kind
			h.renderCompanyStep(w, r, http.StatusConflict, f, u, flows.StepINN, nil, "", "register_company.resubmit_inn")
			return
		} else if err == nil {
			o.INN, o.KPP, o.Kind = cur.INN, cur.KPP, cur.Kind
		}
		h.saveCompanyFlow(w, r, &f, u, flows.StepGeneral, nil, "")
		return
	}
	if errs := pick(orgs.RequisiteErrors(storage.Organisation{Kind: o.Kind, INN: o.INN, KPP: "770101001"}), "inn"); len(errs) > 0 {
		h.saveCompanyFlow(w, r, &f, u, flows.StepINN, errs, "")
		return
	}
	if o.Kind == storage.OrgLegalEntity && o.KPP == "" && r.PostFormValue("kpp_asked") == "1" {
		units, _ := h.registryUnits(r, o.INN)
		h.askKPP(w, r, f, u, units, map[string]string{"kpp": "company.required"}, "")
		return
	}
	if o.Kind == storage.OrgLegalEntity && o.KPP == "" {
		units, notice := h.registryUnits(r, o.INN)
		if len(units) == 1 {
			o.KPP = units[0].KPP
		} else {
			h.askKPP(w, r, f, u, units, nil, notice)
			return
		}
	}
	if errs := pick(orgs.RequisiteErrors(storage.Organisation{Kind: o.Kind, INN: o.INN, KPP: o.KPP}), "inn", "kpp"); len(errs) > 0 {
		units, _ := h.registryUnits(r, o.INN)
		h.askKPP(w, r, f, u, units, errs, "")
		return
	}
	here, err := h.cfg.OrgStore.OrganisationsByINN(r.Context(), o.INN)
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	here = slices.DeleteFunc(here, func(x storage.Organisation) bool { return x.Status == storage.OrgRejected })
	if i := slices.IndexFunc(here, func(x storage.Organisation) bool { return x.KPP == o.KPP }); i >= 0 {
		page := companyRegPage{base: h.newBase(r, u, accountLang(r, u), "register_company.title"), Flow: f.ID, Step: string(flows.StepINN), Org: *o,
			Back: "/account/companies"}
		key := "register_company.exists"
		if here[i].Status != storage.OrgActive {
			key = "register_company.pending"
		}
		page.Error = page.T(key)
		for _, x := range here {
			if x.Status == storage.OrgActive {
				page.Existing = append(page.Existing, companyView{ID: x.ID, Name: x.Name, INN: x.INN, KPP: x.KPP})
			}
		}
		page.JoinLink = "/account/companies/join?inn=" + url.QueryEscape(o.INN)
		h.pages.Render(w, r, http.StatusConflict, "company_register", page)
		return
	}
	notice := h.prefillCompany(r, o)
	h.directorFromCertificate(r, o)
	h.saveCompanyFlow(w, r, &f, u, flows.StepGeneral, nil, notice)
}

// registryUnits are the register's active head office and branches of a
// legal entity's INN, the head first; none (and a notice why) when the
// register is off, down or does not know the INN.
func (h *Handler) registryUnits(r *http.Request, inn string) ([]registry.Company, string) {
	if h.cfg.Registry == nil {
		return nil, ""
	}
	list, err := h.cfg.Registry.CompaniesByINN(r.Context(), inn)
	if err != nil {
		h.log.InfoContext(r.Context(), "registry look-up", "inn", inn, "err", err)
		if errors.Is(err, registry.ErrNotFound) {
			return nil, "register_company.registry_not_found"
		}
		return nil, "register_company.registry_down"
	}
	list = slices.DeleteFunc(slices.Clone(list), func(c registry.Company) bool { return c.KPP == "" || c.Entrepreneur })
	slices.SortStableFunc(list, func(a, b registry.Company) int {
		switch {
		case a.Branch == b.Branch:
			return 0
		case !a.Branch:
			return -1
		}
		return 1
	})
	return list, ""
}

// askKPP shows the INN step again with the KPP asked: a choice of the
// register's units, or a field to type it in.
func (h *Handler) askKPP(w http.ResponseWriter, r *http.Request, f flow, u storage.User, units []registry.Company, errs map[string]string, notice string) {
	if uerr := h.move(r, &f, flows.StepINN); uerr != nil {
		h.pages.Fail(w, r, accountLang(r, u), uerr)
		return
	}
	page := companyRegPage{base: h.newBase(r, u, accountLang(r, u), "register_company.title"), Flow: f.ID, Step: string(flows.StepINN),
		Org: *f.Org, Errors: errs, AskKPP: true, Back: "/account/companies"}
	for _, c := range units {
		// The register's line repeats the postcode and city: its parts do not.
		a := c.Address.WithParts()
		page.Branches = append(page.Branches, branchOption{KPP: c.KPP, Name: c.Name, Head: !c.Branch, Chosen: c.KPP == f.Org.KPP,
			Address: strings.Join(nonEmpty(a.Postcode, a.City, a.Street, a.House, a.Office), ", ")})
	}
	if notice != "" {
		page.Notice = page.T(notice)
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status, page.Error = http.StatusBadRequest, page.T("forms.fix_fields")
	}
	h.pages.Render(w, r, status, "company_register", page)
}

// directorFromCertificate fills the head's name and title from the qualified
// certificate the person signed in with, when it is this company's head's
// (its legal-entity INN, or the entrepreneur's own INN).
func (h *Handler) directorFromCertificate(r *http.Request, o *storage.Organisation) {
	sess, err := h.store.SessionByID(r.Context(), h.cookies.SessionID(r.Context()))
	if err != nil || sess.Certificate == nil {
		return
	}
	dn := sess.Certificate.Subject
	own := dnValue(dn, "INNLE") == o.INN || (o.Kind == storage.OrgEntrepreneur && dnValue(dn, "INN") == o.INN)
	name := strings.Join(strings.Fields(dnValue(dn, "SN")+" "+dnValue(dn, "G")), " ")
	if !own || name == "" {
		return
	}
	o.Director.Name = name
	if t := dnValue(dn, "T"); t != "" {
		o.Director.Title = t
	}
}

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}
