package account

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// companySteps are the wizard's steps in order (their moves: flows.KindCompany in directory/flows).
var companySteps = []flows.State{flows.StepINN, flows.StepGeneral, flows.StepBank, flows.StepAddress, flows.StepContact, flows.StepReview}

// companyFlowLifetime: a registration may take a while (finding the bank details).
const companyFlowLifetime = 2 * time.Hour

type companyRegPage struct {
	base
	Flow, Step    string
	Steps         []stepLink
	Org           storage.Organisation
	Aux, Other    string
	Errors        map[string]string
	Notice, Error string
	// Existing: companies with this INN already here (join instead).
	Existing []companyView
	JoinLink string
	// AskKPP: the INN is known and the KPP is asked, chosen from the
	// register's Branches (head office first), or typed when the register
	// cannot tell.
	AskKPP   bool
	Branches []branchOption
	// Back is where "Back" leads from the INN step (the companies list);
	// the other steps post action=back and keep what was typed.
	Back string
}

type stepLink struct {
	Name, URL string
	Current   bool
}

// Err is the message of a field's error, "" when it is fine.
func (p companyRegPage) Err(field string) string {
	if k, ok := p.Errors[field]; ok {
		return p.T(k)
	}
	return ""
}

func companyStepURL(flowID string, step flows.State) string {
	return "/account/companies/register/" + url.PathEscape(flowID) + "?step=" + string(step)
}

// companyRegisterStart opens a new registration (GET /account/companies/register),
// prefilled with ?inn= and ?ogrn= when a certificate names them.
func (h *Handler) companyRegisterStart(w http.ResponseWriter, r *http.Request) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return
	}
	now := h.now().UTC()
	org := &storage.Organisation{INN: r.URL.Query().Get("inn"), OGRN: r.URL.Query().Get("ogrn")}
	f := flow{Flow: storage.Flow{ID: directory.NewID(), Kind: string(flows.KindCompany), State: string(flows.StepINN), UserID: u.ID,
		BrowserHash: h.cookies.BrowserHash(r.Context()), Locale: accountLang(r, u).String(), Org: org,
		Steps: []storage.FlowStep{{At: now, To: string(flows.StepINN)}}, CreatedAt: now, ExpiresAt: now.Add(companyFlowLifetime)}}
	if err := h.store.CreateFlow(r.Context(), f.Flow); err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	http.Redirect(w, r, companyStepURL(f.ID, flows.StepINN), http.StatusSeeOther)
}

// companyFlow loads the person's registration of this browser.
func (h *Handler) companyFlow(w http.ResponseWriter, r *http.Request) (flow, storage.User, bool) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return flow{}, u, false
	}
	stored, err := h.store.FlowByID(r.Context(), mux.Vars(r)["flow"])
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.pages.Fail(w, r, accountLang(r, u), &web.UserError{Status: http.StatusBadRequest, Key: "login.flow_expired", Err: err})
		return flow{}, u, false
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return flow{}, u, false
	case stored.Kind != string(flows.KindCompany) || stored.UserID != u.ID || stored.BrowserHash != h.cookies.BrowserHash(r.Context()) || stored.Org == nil:
		h.pages.Fail(w, r, accountLang(r, u), &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("not this person's registration")})
		return flow{}, u, false
	}
	// A registration begun (or a company stored) before addresses had parts
	// shows its one-line addresses in the parts' fields.
	*stored.Org = orgs.WithAddressParts(*stored.Org)
	return flow{Flow: stored}, u, true
}

// companyRegisterShow shows a step (GET /account/companies/register/{flow}?step=…).
func (h *Handler) companyRegisterShow(w http.ResponseWriter, r *http.Request) {
	f, u, ok := h.companyFlow(w, r)
	if !ok {
		return
	}
	step := flows.State(r.URL.Query().Get("step"))
	if !slices.Contains(companySteps, step) || (f.In(flows.StepINN) && step != flows.StepINN) || f.In(flows.StateCodeSent) {
		step = flows.State(f.State)
	}
	h.renderCompanyStep(w, r, http.StatusOK, f, u, step, nil, "", "")
}

func (h *Handler) renderCompanyStep(w http.ResponseWriter, r *http.Request, status int, f flow, u storage.User, step flows.State, errs map[string]string, notice, errKey string) {
	page := companyRegPage{base: h.newBase(r, u, accountLang(r, u), "register_company.title"), Flow: f.ID, Step: string(step), Org: *f.Org,
		Aux: strings.Join(f.Org.OKVED.Auxiliary, ", "), Other: strings.Join(f.Org.OKVED.Other, ", "), Errors: errs}
	if !f.In(flows.StepINN) && !f.In(flows.StateCodeSent) {
		for _, s := range companySteps {
			page.Steps = append(page.Steps, stepLink{Name: page.T("register_company.step." + string(s)), URL: companyStepURL(f.ID, s), Current: s == step})
		}
	}
	if f.In(flows.StateCodeSent) {
		page.Step = "code"
	}
	if notice != "" {
		page.Notice = page.T(notice, "To", f.Recipient)
	}
	if errKey == "" && len(errs) > 0 {
		errKey = "forms.fix_fields"
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	page.Back = "/account/companies"
	h.pages.Render(w, r, status, "company_register", page)
}

// companyRegisterStep takes one step's form (POST /account/companies/register/{flow}/{step}).
func (h *Handler) companyRegisterStep(w http.ResponseWriter, r *http.Request) {
	f, u, ok := h.companyFlow(w, r)
	if !ok {
		return
	}
	step := flows.State(mux.Vars(r)["step"])
	if f.In(flows.StateCodeSent) && step != "code" && step != flows.StepReview {
		h.renderCompanyStep(w, r, http.StatusBadRequest, f, u, flows.State(f.State), nil, "", "error.bad_request")
		return
	}
	o := f.Org
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	var errs map[string]string
	next := step
	switch step {
	case flows.StepINN:
		h.companyINN(w, r, f, u)
		return
	case flows.StepGeneral:
		o.LegalForm, o.FullName, o.Name, o.OGRN = v("legal_form"), v("full_name"), v("name"), v("ogrn")
		o.Director = storage.Director{Name: v("director_name"), NameGenitive: v("director_genitive"), Title: v("director_title"), ActingOn: v("acting_on")}
		o.OKVED = storage.OKVED{Main: v("okved_main"), Auxiliary: splitCodes(v("okved_aux")), Other: splitCodes(v("okved_other"))}
		errs = pick(orgs.RequisiteErrors(*o), "ogrn", "okved_main", "okved_aux", "okved_other")
		required(errs, map[string]string{"name": o.Name, "full_name": o.FullName, "director_name": o.Director.Name})
		next = flows.StepBank
	case flows.StepBank:
		o.Bank = storage.Bank{BIK: v("bik"), Name: v("bank_name"), CorrAccount: v("corr_account"), Account: v("account")}
		o.OKPO = v("okpo")
		if v("action") == "lookup" || (o.Bank.BIK != "" && (o.Bank.Name == "" || o.Bank.CorrAccount == "")) {
			notice := h.fillBank(r, o)
			if v("action") == "lookup" {
				h.saveCompanyFlow(w, r, &f, u, step, nil, notice)
				return
			}
		}
		errs = pick(orgs.RequisiteErrors(*o), "bik", "corr_account", "account", "okpo")
		next = flows.StepAddress
	case flows.StepAddress:
		a := &o.Addresses
		a.Legal, a.Actual, a.Postal = addressForm(v, "legal"), addressForm(v, "actual"), addressForm(v, "postal")
		a.ActualSameAsLegal, a.PostalSameAsLegal = v("actual_same") == "yes", v("postal_same") == "yes"
		if v("action") == "lookup" || (a.Legal.Postcode != "" && a.Legal.City == "") {
			notice := h.fillPlace(r, &a.Legal)
			if v("action") == "lookup" {
				h.saveCompanyFlow(w, r, &f, u, step, nil, notice)
				return
			}
		}
		errs = pick(orgs.RequisiteErrors(*o), addressFields...)
		required(errs, map[string]string{"legal_postcode": a.Legal.Postcode, "legal_street": a.Legal.Street, "legal_house": a.Legal.House})
		next = flows.StepContact
	case flows.StepContact:
		o.Contact = storage.Contact{Name: v("contact_name"), Email: v("contact_email"), Phone: v("contact_phone")}
		o.Email = v("email")
		errs = map[string]string{}
		if e, err := directory.NormalizeEmail(o.Email); err != nil {
			errs["email"] = "company.invalid.email"
		} else {
			o.Email = e
		}
		required(errs, map[string]string{"contact_name": o.Contact.Name})
		next = flows.StepReview
	case flows.StepReview:
		if v("action") == "back" {
			h.saveCompanyFlow(w, r, &f, u, previousStep(step), nil, "")
			return
		}
		h.companySubmit(w, r, f, u)
		return
	case "code":
		h.companyConfirm(w, r, f, u)
		return
	default:
		h.renderCompanyStep(w, r, http.StatusNotFound, f, u, flows.State(f.State), nil, "", "error.not_found")
		return
	}
	if v("action") == "back" {
		// Back keeps what was typed, errors and all, for when the person returns.
		h.saveCompanyFlow(w, r, &f, u, previousStep(step), nil, "")
		return
	}
	if len(errs) > 0 {
		h.saveCompanyFlow(w, r, &f, u, step, errs, "")
		return
	}
	h.saveCompanyFlow(w, r, &f, u, next, nil, "")
}

// previousStep is the step before step (the INN step has none).
func previousStep(step flows.State) flows.State {
	if i := slices.Index(companySteps, step); i > 0 {
		return companySteps[i-1]
	}
	return flows.StepINN
}

// saveCompanyFlow keeps what was typed (also when it has errors: nothing typed
// is lost) and shows the step.
func (h *Handler) saveCompanyFlow(w http.ResponseWriter, r *http.Request, f *flow, u storage.User, step flows.State, errs map[string]string, notice string) {
	if uerr := h.move(r, f, step); uerr != nil {
		h.pages.Fail(w, r, accountLang(r, u), uerr)
		return
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusBadRequest
	}
	if len(errs) == 0 && notice == "" && r.Method == http.MethodPost {
		http.Redirect(w, r, companyStepURL(f.ID, step), http.StatusSeeOther)
		return
	}
	h.renderCompanyStep(w, r, status, *f, u, step, errs, notice, "")
}

// prefillCompany fills the company from the registry; a failed look-up only
// means typing (the notice says so).
func (h *Handler) prefillCompany(r *http.Request, o *storage.Organisation) string {
	if h.cfg.Registry == nil {
		return ""
	}
	list, err := h.cfg.Registry.CompaniesByINN(r.Context(), o.INN)
	if err != nil {
		h.log.InfoContext(r.Context(), "registry look-up", "inn", o.INN, "err", err)
		if errors.Is(err, registry.ErrNotFound) {
			return "register_company.registry_not_found"
		}
		return "register_company.registry_down"
	}
	i := slices.IndexFunc(list, func(c registry.Company) bool { return c.KPP == o.KPP })
	if i < 0 {
		i = slices.IndexFunc(list, func(c registry.Company) bool { return !c.Branch })
	}
	if i < 0 {
		return "register_company.registry_not_found"
	}
	c := list[i]
	o.Name, o.FullName, o.LegalForm, o.OGRN, o.OKPO = c.Name, c.FullName, c.LegalForm, c.OGRN, c.OKPO
	o.Director.Name, o.Director.Title = c.DirectorName, c.DirectorTitle
	o.OKVED.Main, o.OKVED.Other = c.OKVED, c.OKVEDOther
	a := c.Address.WithParts() // a register that gives the address as one line
	o.Addresses.Legal = storage.Address{Postcode: a.Postcode, Region: a.Region, City: a.City, Street: a.Street, House: a.House, Office: a.Office}
	if c.Branch {
		if head := slices.IndexFunc(list, func(c registry.Company) bool { return !c.Branch }); head >= 0 {
			o.OGRN = list[head].OGRN
		}
	}
	return "register_company.prefilled"
}

func (h *Handler) fillBank(r *http.Request, o *storage.Organisation) string {
	if h.cfg.Registry == nil {
		return ""
	}
	b, err := h.cfg.Registry.BankByBIK(r.Context(), o.Bank.BIK)
	if err != nil {
		return "register_company.bank_unknown"
	}
	o.Bank.Name, o.Bank.CorrAccount = b.Name, b.CorrAccount
	return "register_company.bank_filled"
}

func (h *Handler) fillPlace(r *http.Request, a *storage.Address) string {
	if h.cfg.Registry == nil {
		return ""
	}
	p, err := h.cfg.Registry.PlaceByPostcode(r.Context(), a.Postcode)
	if err != nil {
		return "register_company.postcode_unknown"
	}
	a.Region, a.City = p.Region, p.City
	return "register_company.postcode_filled"
}

// companySubmit checks the whole company once more and sends a code to its
// email: a company counts only once its address is confirmed.
func (h *Handler) companySubmit(w http.ResponseWriter, r *http.Request, f flow, u storage.User) {
	o := f.Org
	errs := orgs.RequisiteErrors(*o)
	required(errs, map[string]string{"name": o.Name, "full_name": o.FullName, "director_name": o.Director.Name,
		"legal_street": o.Addresses.Legal.Street, "legal_house": o.Addresses.Legal.House, "email": o.Email, "contact_name": o.Contact.Name})
	if len(errs) > 0 {
		h.renderCompanyStep(w, r, http.StatusBadRequest, f, u, flows.StepReview, errs, "", "register_company.incomplete")
		return
	}
	if h.cfg.Email == nil {
		h.renderCompanyStep(w, r, http.StatusServiceUnavailable, f, u, flows.StepReview, nil, "", "register_company.no_email")
		return
	}
	r, err := h.checkSend(r, notify.ChannelEmail, o.Email)
	if errors.Is(err, notify.ErrLimited) {
		h.renderCompanyStep(w, r, http.StatusTooManyRequests, f, u, flows.StepReview, nil, "", "email.send_limited")
		return
	}
	if err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	code, uerr := h.issueCode(r, &f, o.Email, flows.CodeLifetime)
	if uerr != nil {
		h.pages.Fail(w, r, accountLang(r, u), uerr)
		return
	}
	t := h.catalog.Translator(accountLang(r, u))
	if err := h.cfg.Email.SendEmail(r.Context(), notify.Email{To: o.Email, Subject: t.T("register_company.code_subject"),
		Text: t.T("register_company.code_text", "Code", code, "Company", o.Name)}); err != nil {
		h.log.WarnContext(r.Context(), "company email code not delivered", "flow", f.ID, "err", err)
	}
	h.renderCompanyStep(w, r, http.StatusOK, f, u, flows.StateCodeSent, nil, "register_company.code_sent", "")
}

// companyConfirm checks the email code and files the registration: pending for
// a moderator, unless the registry confirms that the person's qualified
// certificate belongs to the company's head.
func (h *Handler) companyConfirm(w http.ResponseWriter, r *http.Request, f flow, u storage.User) {
	refusal, uerr := h.spendCodeAttempt(r, &f, strings.TrimSpace(r.PostFormValue("code")))
	if uerr != nil {
		h.pages.Fail(w, r, accountLang(r, u), uerr)
		return
	}
	if refusal != "" {
		h.renderCompanyStep(w, r, http.StatusUnauthorized, f, u, flows.StateCodeSent, nil, "", refusal)
		return
	}
	o := *f.Org
	o.EmailVerified = true
	var org storage.Organisation
	var err error
	if resubmitting(f) {
		org, err = h.cfg.Companies.Resubmit(r.Context(), o.ID, o, h.actor(r, u.ID))
	} else {
		org, err = h.cfg.Companies.Register(r.Context(), o, h.actor(r, u.ID))
	}
	switch {
	case errors.Is(err, orgs.ErrResubmitINN):
		h.renderCompanyStep(w, r, http.StatusConflict, f, u, flows.StateCodeSent, nil, "", "register_company.resubmit_inn")
		return
	case errors.Is(err, orgs.ErrNotPending) || errors.Is(err, storage.ErrNotFound):
		h.renderCompanyStep(w, r, http.StatusConflict, f, u, flows.StateCodeSent, nil, "", "companies.no_resubmit")
		return
	case errors.Is(err, orgs.ErrExists):
		h.renderCompanyStep(w, r, http.StatusConflict, f, u, flows.StateCodeSent, nil, "", "register_company.exists")
		return
	case errors.Is(err, orgs.ErrInvalidRequisite):
		h.renderCompanyStep(w, r, http.StatusBadRequest, f, u, flows.StateCodeSent, nil, "", "register_company.incomplete")
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	f.Challenge = ""
	if uerr := h.move(r, &f, flows.StateDone); uerr != nil {
		h.pages.Fail(w, r, accountLang(r, u), uerr)
		return
	}
	if reason := h.headOf(r, u, org); reason != "" {
		by := h.actor(r, "registry")
		by.Details = map[string]string{"reason": reason}
		if _, err := h.cfg.Companies.ApproveOrganisation(r.Context(), org.ID, by); err == nil {
			http.Redirect(w, r, "/account/companies?notice=joined", http.StatusSeeOther)
			return
		}
	}
	notice := "submitted"
	if resubmitting(f) {
		notice = "resubmitted"
	}
	http.Redirect(w, r, "/account/companies?notice="+notice, http.StatusSeeOther)
}

// headOf says why the person is the company's head, "" when nothing says so:
// a qualified certificate of the company, or an outside provider (Госуслуги)
// that names the person its head; either way the registry must name the same
// person as the head.
func (h *Handler) headOf(r *http.Request, u storage.User, org storage.Organisation) string {
	if h.headByCertificate(r, u, org) {
		return "the head's qualified certificate, confirmed by the registry"
	}
	for _, l := range u.Links {
		if l.Person != "" && slices.ContainsFunc(l.Orgs, func(o storage.OutsideOrg) bool { return o.Chief && o.INN == org.INN && o.OGRN == org.OGRN }) &&
			h.registryHead(r, org, l.Person) {
			return "the head according to " + l.Provider + ", confirmed by the registry"
		}
	}
	return ""
}

// headByCertificate: the person holds a qualified certificate of this company
// (its legal-entity INN and OGRN) and the registry names its holder as the head.
func (h *Handler) headByCertificate(r *http.Request, u storage.User, org storage.Organisation) bool {
	i := slices.IndexFunc(u.Certificates, func(c storage.BoundCertificate) bool {
		return c.Qualified && dnValue(c.Subject, "INNLE") == org.INN && dnValue(c.Subject, "OGRN") == org.OGRN
	})
	if i < 0 {
		return false
	}
	holder := strings.Join(strings.Fields(dnValue(u.Certificates[i].Subject, "SN")+" "+dnValue(u.Certificates[i].Subject, "G")), " ")
	return h.registryHead(r, org, holder)
}

// registryHead: the registry names holder as the head of the company's head office.
func (h *Handler) registryHead(r *http.Request, org storage.Organisation, holder string) bool {
	if h.cfg.Registry == nil || org.KPP == "" {
		return false
	}
	list, err := h.cfg.Registry.CompaniesByINN(r.Context(), org.INN)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(list, func(c registry.Company) bool {
		return !c.Branch && c.OGRN == org.OGRN && strings.EqualFold(strings.Join(strings.Fields(c.DirectorName), " "), holder)
	})
}

func splitCodes(s string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// pick keeps the errors of some fields.
func pick(errs map[string]string, fields ...string) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		if k, ok := errs[f]; ok {
			out[f] = k
		}
	}
	return out
}

// required adds "required" errors for empty fields.
func required(errs map[string]string, fields map[string]string) {
	for f, v := range fields {
		if v == "" {
			errs[f] = "company.required"
		}
	}
}

// addressFields are the fields of the address step, for its errors.
var addressFields = func() []string {
	var out []string
	for _, prefix := range []string{"legal", "actual", "postal"} {
		for _, part := range []string{"postcode", "region", "city", "street", "house", "office"} {
			out = append(out, prefix+"_"+part)
		}
	}
	return out
}()

// addressForm reads one address of the address step: its fields are named
// prefix_postcode, prefix_region, …, prefix_office.
func addressForm(v func(string) string, prefix string) storage.Address {
	return storage.Address{Postcode: v(prefix + "_postcode"), Region: v(prefix + "_region"), City: v(prefix + "_city"),
		Street: v(prefix + "_street"), House: v(prefix + "_house"), Office: v(prefix + "_office")}
}
