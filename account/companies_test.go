package account

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/storage"
)

// fakeRegistry knows the company 7728824599 (its head, Петров Иван Сергеевич),
// one bank and one postcode.
type fakeRegistry struct{}

func (fakeRegistry) CompaniesByINN(_ context.Context, inn string) ([]registry.Company, error) {
	if inn != "7728824599" {
		return nil, registry.ErrNotFound
	}
	return []registry.Company{{INN: inn, KPP: "772801001", OGRN: "1177746151021", Name: "ООО «Ромашка»",
		FullName: "Общество с ограниченной ответственностью «Ромашка»", DirectorName: "Петров Иван Сергеевич",
		DirectorTitle: "Генеральный директор", OKVED: "62.01", Active: true,
		Address: registry.Address{Postcode: "125009", Region: "г Москва", City: "г Москва", Line: "ул. Тверская, д. 7"}}}, nil
}

func (fakeRegistry) CompanyByOGRN(context.Context, string) (registry.Company, error) {
	return registry.Company{}, registry.ErrNotFound
}

func (fakeRegistry) BankByBIK(_ context.Context, bik string) (registry.Bank, error) {
	if bik != "044525225" {
		return registry.Bank{}, registry.ErrNotFound
	}
	return registry.Bank{BIK: bik, Name: "ПАО Сбербанк", CorrAccount: "30101810400000000225"}, nil
}

func (fakeRegistry) PlaceByPostcode(_ context.Context, postcode string) (registry.Place, error) {
	if postcode != "125009" {
		return registry.Place{}, registry.ErrNotFound
	}
	return registry.Place{Postcode: postcode, Region: "г Москва", City: "г Москва"}, nil
}

// The company wizard: INN (prefilled from the registry), general, bank,
// address, contact, review; a code to the company's email files it for a
// moderator.
func TestCompanyRegistration(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Registry = fakeRegistry{} })
	p := ts.get("/account/companies/register")
	if p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/account/companies/register/") {
		t.Fatalf("start: %d %s", p.code, p.location)
	}
	flowPath := strings.SplitN(p.location, "?", 2)[0]
	if p := ts.get(p.location); p.code != http.StatusOK {
		t.Fatalf("first step: %d", p.code)
	}
	step := func(name string, form url.Values, want int) page {
		t.Helper()
		p := ts.post(flowPath+"/"+name, form)
		if p.code != want {
			t.Fatalf("step %s: %d, want %d: %.1500s", name, p.code, want, p.body)
		}
		return p
	}
	step("inn", url.Values{"inn": {"7728824598"}, "kpp": {"772801001"}}, http.StatusBadRequest)
	step("inn", url.Values{"inn": {"7728824599"}, "kpp": {"772801001"}}, http.StatusOK).has(t, `value="Петров Иван Сергеевич"`)
	step("general", url.Values{"legal_form": {"ООО"}, "full_name": {"Общество с ограниченной ответственностью «Ромашка»"},
		"name": {"ООО «Ромашка»"}, "director_name": {"Петров Иван Сергеевич"}, "ogrn": {"1177746151021"}, "okved_main": {"62.01"},
		"okved_aux": {"62.02, 63.11"}}, http.StatusSeeOther)
	step("bank", url.Values{"bik": {"044525225"}, "action": {"lookup"}}, http.StatusOK).has(t, `value="30101810400000000225"`)
	step("bank", url.Values{"bik": {"044525225"}, "bank_name": {"ПАО Сбербанк"}, "corr_account": {"30101810400000000225"},
		"account": {"40702810038000012345"}}, http.StatusBadRequest)
	step("bank", url.Values{"bik": {"044525225"}, "bank_name": {"ПАО Сбербанк"}, "corr_account": {"30101810400000000225"},
		"account": {"40702810938000012345"}, "okpo": {"00032537"}}, http.StatusSeeOther)
	// The register's one line is split into street and house; the house is
	// required, the parts bounded, each error at its field.
	ts.get(flowPath+"?step=address").has(t, `id="legal_street" name="legal_street" type="text" value="ул. Тверская"`,
		`id="legal_house" name="legal_house" type="text" value="д. 7"`)
	step("address", url.Values{"legal_postcode": {"125009"}, "action": {"lookup"}}, http.StatusOK).has(t, `value="г Москва"`)
	step("address", url.Values{"legal_postcode": {"125009"}, "legal_street": {"ул. Тверская"}, "legal_office": {strings.Repeat("о", 61)},
		"actual_same": {"yes"}, "postal_same": {"yes"}}, http.StatusBadRequest).has(t,
		`<p class="field-error" id="legal_house-error">Required.</p>`,
		`<p class="field-error" id="legal_office-error">Office, room, flat: at most 60 characters.</p>`)
	step("address", url.Values{"legal_postcode": {"125009"}, "legal_region": {"г Москва"}, "legal_city": {"г Москва"},
		"legal_street": {"ул. Тверская"}, "legal_house": {"д. 7"}, "legal_office": {"офис 3"}, "actual_same": {"yes"}, "postal_same": {"yes"}}, http.StatusSeeOther)
	step("contact", url.Values{"contact_name": {"Петров Иван"}, "email": {"not-an-email"}}, http.StatusBadRequest)
	step("contact", url.Values{"contact_name": {"Петров Иван"}, "email": {"office@romashka.example"}}, http.StatusSeeOther)
	if p := ts.get(flowPath + "?step=general"); p.code != http.StatusOK || !strings.Contains(p.body, `value="Петров Иван Сергеевич"`) {
		t.Fatalf("revisited step: %d", p.code)
	}
	step("nope", nil, http.StatusNotFound)
	step("review", nil, http.StatusOK)
	m, ok := ts.sent.lastEmail("office@romashka.example")
	if !ok || codeIn(m.Text) == "" {
		t.Fatalf("no code to the company: %+v", ts.sent.emails)
	}
	step("code", url.Values{"code": {"000000"}}, http.StatusUnauthorized)
	if p := step("code", url.Values{"code": {codeIn(m.Text)}}, http.StatusSeeOther); p.location != "/account/companies?notice=submitted" {
		t.Fatalf("filed: %s", p.location)
	}
	list := ts.get("/account/companies?notice=submitted")
	list.has(t, "ООО\u00a0«Ромашка»")
	// The flow is done: it takes no more steps.
	step("code", url.Values{"code": {codeIn(m.Text)}}, http.StatusBadRequest)
	// Another person's browser does not see the registration.
	other, _ := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "petrov", Password: testPassword})
	ts.signIn(other.ID, 0)
	if p := ts.get(flowPath); p.code != http.StatusBadRequest {
		t.Fatalf("another person's flow: %d", p.code)
	}
	if p := ts.get("/account/companies/register/nope"); p.code != http.StatusBadRequest {
		t.Fatalf("unknown flow: %d", p.code)
	}
}

// A company here already is offered for joining instead.
func TestCompanyRegistrationOfExisting(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.activeOrg("7728824599")
	p := ts.get("/account/companies/register?inn=7728824599")
	flowPath := strings.SplitN(p.location, "?", 2)[0]
	p = ts.post(flowPath+"/inn", url.Values{"inn": {"7728824599"}, "kpp": {"772801001"}})
	if p.code != http.StatusConflict {
		t.Fatalf("%d", p.code)
	}
	p.has(t, "/account/companies/join?inn=7728824599")
}

// Joining: by INN, among branches, then the request waits; leaving ends it.
func TestCompanyJoinAndLeave(t *testing.T) {
	ts := newTestServer(t, nil)
	org := ts.activeOrg("7728824599")
	petrov, _ := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "petrov", Password: testPassword})
	ts.signIn(petrov.ID, 0)
	if p := ts.get("/account/companies/join?inn=7728824599"); p.code != http.StatusOK {
		t.Fatalf("form: %d", p.code)
	}
	if p := ts.post("/account/companies/join", url.Values{"inn": {"7707083893"}}); p.code != http.StatusNotFound {
		t.Fatalf("unknown INN: %d", p.code)
	}
	p := ts.post("/account/companies/join", url.Values{"inn": {"7728824599"}})
	if p.code != http.StatusSeeOther || p.location != "/account/companies?notice=requested" {
		t.Fatalf("join: %d %s", p.code, p.location)
	}
	if p := ts.post("/account/companies/join", url.Values{"org": {org.ID}}); p.code != http.StatusConflict {
		t.Fatalf("again: %d", p.code)
	}
	if !ts.audited(directory.EventJoinRequested, directory.OutcomeSuccess) {
		t.Fatal("not audited")
	}
	ts.get("/account/companies").has(t, "ООО\u00a0«Ромашка»")
	ts.get("/account/companies").has(t, "Leave the company")
	confirmed := ts.asks("/account/companies/"+org.ID+"/leave", nil, "Leave the company?", "You will leave ООО\u00a0«Ромашка»:", `href="/account/companies"`)
	if m, _ := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID); m.Status == storage.MemberRemoved {
		t.Fatal("left before the confirmation")
	}
	if p := ts.post("/account/companies/"+org.ID+"/leave", confirmed); p.location != "/account/companies?notice=left" {
		t.Fatalf("leave: %d %s", p.code, p.location)
	}
	if m, err := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID); err == nil && m.Status != storage.MemberRemoved {
		t.Fatalf("membership %+v", m)
	}
}

// The company pages answer 404 when organisations are off.
func TestCompaniesOff(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Companies, c.Systems = nil, nil })
	if p := ts.get("/account/companies"); p.code != http.StatusNotFound {
		t.Fatalf("%d", p.code)
	}
	if strings.Contains(ts.get("/account").body, "/account/companies") {
		t.Fatal("the account page links the company pages")
	}
}
