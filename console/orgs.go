package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// consoleOrgs lists organisations by status and by a part of the name or INN,
// a page at a time (GET /console/organisations?status=&q=&cursor=). Decisions on pending ones are taken
// in the moderation queue; members are managed on each company's members page.
func (h *Handler) consoleOrgs(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	status, q := r.URL.Query().Get("status"), strings.TrimSpace(r.URL.Query().Get("q"))
	if !slices.Contains([]string{"", storage.OrgPending, storage.OrgActive, storage.OrgRejected, storage.OrgSuspended}, status) {
		status = ""
	}
	order := newListSort("/console/organisations", r.URL.Query(), url.Values{"status": {status}, "q": {q}}, "", "name", "inn")
	list, next, err := h.cfg.Orgs.Find(r.Context(), storage.OrgQuery{Status: status, Text: q, After: r.URL.Query().Get("cursor"),
		Sort: order.Storage(map[string]string{"name": storage.SortName, "inn": storage.SortINN})})
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.renderConsole(w, r, http.StatusOK, u, consolePage{Section: "orgs", Orgs: list, Status: status, Query: q, Sort: order,
		Next:   web.NextPageURL("/console/organisations", "cursor", next, order.Search()),
		Notice: notice(r, "suspend", "reactivate")})
}

// consoleOrgStatus suspends or reactivates an organisation
// (POST /console/organisations/{id}/{suspend|reactivate}).
func (h *Handler) consoleOrgStatus(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id, decision := mux.Vars(r)["id"], mux.Vars(r)["decision"]
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if decision == "suspend" && !h.confirmed(w, r, u, web.Confirmation{Key: "confirm.org_suspend", Args: []string{"Org"}, Cancel: "/console/organisations"},
		func() (string, error) { o, err := h.cfg.Orgs.Get(r.Context(), id); return o.Name, err }) {
		return
	}
	if _, err := h.cfg.Orgs.SetStatus(r.Context(), id, decision, reason, h.consoleActor(r, u)); errors.Is(err, orgs.ErrNotPending) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusConflict, Key: "console.wrong_status", Err: err})
		return
	} else if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, "/console/organisations?notice="+decision, http.StatusSeeOther)
}

// catalogueForm is a role catalogue as the console edits it: one role per
// line, "key | name in Russian | name in English | description in Russian |
// description in English" (the descriptions may be left out; one serves both).
// A key ending in "*" is a default role (ticked in advance when an org admin
// approves a join request), so that saving a catalogue keeps its defaults.
type catalogueForm struct {
	New                bool
	ID, Clients, Roles string
}

func toCatalogueForm(c storage.RoleCatalogue) *catalogueForm {
	f := &catalogueForm{ID: c.ID, Clients: strings.Join(c.Clients, " ")}
	var lines []string
	for _, r := range c.Roles {
		key := r.Key
		if r.Default {
			key += defaultMark
		}
		line := key + " | " + r.Name["ru"] + " | " + r.Name["en"]
		ru, en := r.Description["ru"], r.Description["en"]
		switch {
		case ru != "" && en != "" && ru != en:
			line += " | " + ru + " | " + en
		case ru+en != "":
			line += " | " + firstOf(ru, en)
		}
		lines = append(lines, line)
	}
	f.Roles = strings.Join(lines, "\n")
	return f
}

// defaultMark ends the key of a default role in the roles textarea.
const defaultMark = "*"

// parseRoles reads the roles textarea; a line without three parts is an error.
func parseRoles(text string) ([]storage.Role, string) {
	var roles []storage.Role
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) < 3 || len(parts) > 5 {
			return nil, "“" + strings.TrimSpace(line) + "”: key | name in Russian | name in English | description"
		}
		role := storage.Role{Key: parts[0], Name: map[string]string{"ru": parts[1], "en": parts[2]}}
		if k, ok := strings.CutSuffix(role.Key, defaultMark); ok {
			role.Key, role.Default = strings.TrimSpace(k), true
		}
		if len(parts) >= 4 && parts[3] != "" {
			en := parts[3]
			if len(parts) == 5 && parts[4] != "" {
				en = parts[4]
			}
			role.Description = map[string]string{"ru": parts[3], "en": en}
		}
		roles = append(roles, role)
	}
	return roles, ""
}

// consoleCatalogues lists role catalogues with the form for a new one (GET /console/catalogues).
func (h *Handler) consoleCatalogues(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	h.consoleCatalogueList(w, r, http.StatusOK, u, consolePage{Catalogue: &catalogueForm{New: true}, Notice: notice(r, "deleted")})
}

func (h *Handler) consoleCatalogueList(w http.ResponseWriter, r *http.Request, status int, u storage.User, page consolePage) {
	list, err := h.cfg.Catalogues.List(r.Context())
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	slices.SortFunc(list, func(a, b storage.RoleCatalogue) int { return strings.Compare(a.ID, b.ID) })
	page.Section, page.Catalogues = "catalogues", list
	h.renderConsole(w, r, status, u, page)
}

// consoleCatalogue shows one catalogue's form (GET /console/catalogues/{id}).
func (h *Handler) consoleCatalogue(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	list, err := h.cfg.Catalogues.List(r.Context())
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	i := slices.IndexFunc(list, func(c storage.RoleCatalogue) bool { return c.ID == mux.Vars(r)["id"] })
	if i < 0 {
		h.consoleFailure(w, r, u, storage.ErrNotFound)
		return
	}
	h.renderConsole(w, r, http.StatusOK, u, consolePage{Section: "catalogue", Catalogue: toCatalogueForm(list[i]), Notice: notice(r, "saved")})
}

// consoleCatalogueSave makes or replaces a catalogue (POST /console/catalogues).
func (h *Handler) consoleCatalogueSave(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	form := &catalogueForm{New: r.PostFormValue("new") == "yes", ID: strings.TrimSpace(r.PostFormValue("id")),
		Clients: r.PostFormValue("clients"), Roles: r.PostFormValue("roles")}
	roles, lineErr := parseRoles(form.Roles)
	bad := map[string]string{}
	if lineErr != "" {
		bad["roles"] = lineErr
	}
	if form.ID == "" {
		bad["id"] = "a catalogue needs an id"
	}
	if len(bad) == 0 {
		if list, err := h.cfg.Catalogues.List(r.Context()); err == nil && form.New &&
			slices.ContainsFunc(list, func(c storage.RoleCatalogue) bool { return c.ID == form.ID }) {
			bad["id"] = "a catalogue with this id exists"
		}
	}
	if len(bad) == 0 {
		more, err := h.cfg.Catalogues.Put(r.Context(), storage.RoleCatalogue{ID: form.ID, Clients: words(form.Clients), Roles: roles})
		if err != nil {
			h.consoleFailure(w, r, u, err)
			return
		}
		bad = more
	}
	if len(bad) > 0 {
		h.consoleCatalogueList(w, r, http.StatusBadRequest, u, consolePage{Catalogue: form, Errors: bad, Error: "console.invalid"})
		return
	}
	h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventCatalogueChanged, Details: map[string]string{"catalogue": form.ID}})
	http.Redirect(w, r, "/console/catalogues/"+url.PathEscape(form.ID)+"?notice=saved", http.StatusSeeOther)
}

// consoleCatalogueDelete removes a catalogue (POST /console/catalogues/{id}/delete).
func (h *Handler) consoleCatalogueDelete(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	if err := h.cfg.Catalogues.Delete(r.Context(), id); err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventCatalogueChanged, Details: map[string]string{"catalogue": id, "change": "deleted"}})
	http.Redirect(w, r, "/console/catalogues?notice=deleted", http.StatusSeeOther)
}

// orgFromForm reads the console's organisation form over o.
func orgFromForm(r *http.Request, o storage.Organisation) storage.Organisation {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	o.Kind, o.ParentID, o.Name, o.FullName, o.LegalForm = v("kind"), v("parent_id"), v("name"), v("full_name"), v("legal_form")
	if o.ID == "" { // INN and KPP are set once
		o.INN, o.KPP = v("inn"), v("kpp")
	}
	o.OGRN, o.OKPO, o.OKVED.Main, o.Email = v("ogrn"), v("okpo"), v("okved_main"), v("email")
	o.Director.Name, o.Director.Title, o.Director.ActingOn = v("director_name"), v("director_title"), v("acting_on")
	o.Bank = storage.Bank{BIK: v("bik"), Name: v("bank_name"), CorrAccount: v("corr_account"), Account: v("account")}
	// The parts replace a one-line address stored before addresses had parts
	// (the form shows that line split into them).
	o.Addresses.Legal = storage.Address{Postcode: v("legal_postcode"), Region: v("legal_region"), City: v("legal_city"),
		Street: v("legal_street"), House: v("legal_house"), Office: v("legal_office")}
	o.Contact.Name, o.Contracts = v("contact_name"), words(r.PostFormValue("contracts"))
	return o
}

// consoleOrgForm shows an organisation's form, or an empty one for a new
// organisation (GET /console/organisations/new, /console/organisations/{id}).
func (h *Handler) consoleOrgForm(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	o := storage.Organisation{Kind: storage.OrgLegalEntity}
	if id := mux.Vars(r)["id"]; id != "" {
		var err error
		if o, err = h.cfg.Orgs.Get(r.Context(), id); err != nil {
			h.consoleFailure(w, r, u, err)
			return
		}
	}
	// A legal address stored as one line (before addresses had parts) is shown
	// as that line and split into the parts' fields, which saving keeps.
	if a := &o.Addresses.Legal; a.Line != "" && a.Street == "" && a.House == "" && a.Office == "" {
		split := orgs.WithAddressParts(o).Addresses.Legal
		a.Street, a.House, a.Office = split.Street, split.House, split.Office
	}
	h.renderConsole(w, r, http.StatusOK, u, consolePage{Section: "org", Org: &o, Notice: notice(r, "saved", "created")})
}

// consoleOrgSave makes an organisation (POST /console/organisations/new) or
// saves its requisites (POST /console/organisations/{id}/save).
func (h *Handler) consoleOrgSave(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	var o storage.Organisation
	var bad map[string]string
	var err error
	if id == "" {
		by := h.consoleActor(r, u)
		by.Details["change"] = "created"
		o, bad, err = h.cfg.Orgs.Create(r.Context(), orgFromForm(r, storage.Organisation{}), by)
		if errors.Is(err, storage.ErrAlreadyExists) {
			bad, err = map[string]string{"inn": "console.org_exists"}, nil
		}
	} else {
		var cur storage.Organisation
		if cur, err = h.cfg.Orgs.Get(r.Context(), id); err == nil {
			next := orgFromForm(r, cur)
			next.Version, _ = strconv.Atoi(r.PostFormValue("version"))
			o, bad, err = h.cfg.Orgs.UpdateRequisites(r.Context(), next)
			if bad != nil {
				o = next
			}
		}
	}
	if bad != nil {
		page := consolePage{Section: "org", Org: &o, Errors: map[string]string{}, Error: "console.invalid"}
		page.Base = h.base(r, u, "console.title")
		for field, key := range bad {
			page.Errors[field] = page.T(key)
		}
		if id == "" {
			o.ID = ""
		}
		h.renderConsole(w, r, http.StatusBadRequest, u, page)
		return
	}
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	change := map[bool]string{true: "created", false: "saved"}[id == ""]
	if id != "" { // a creation is audited by orgs.Service
		h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventOrgChanged, OrgID: o.ID, Details: map[string]string{"change": change, "inn": o.INN, "kpp": o.KPP}})
	}
	http.Redirect(w, r, "/console/organisations/"+url.PathEscape(o.ID)+"?notice="+change, http.StatusSeeOther)
}
