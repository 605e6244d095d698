package account

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// branchRegistry is fakeRegistry whose company 7728824599 has a branch too;
// 7707083893 is unknown to it and 7736207543 makes it fail.
type branchRegistry struct{ fakeRegistry }

func (b branchRegistry) CompaniesByINN(ctx context.Context, inn string) ([]registry.Company, error) {
	if inn == "7736207543" {
		return nil, registry.ErrUnavailable
	}
	list, err := b.fakeRegistry.CompaniesByINN(ctx, inn)
	if err != nil {
		return nil, err
	}
	return append([]registry.Company{{INN: inn, KPP: "784201001", Branch: true, Name: "ООО «Ромашка» (филиал)", Active: true,
		Address: registry.Address{Postcode: "190000", City: "г Санкт-Петербург", Line: "Невский пр., д. 1"}}}, list...), nil
}

// wizard starts a registration and returns its path and a step poster.
func wizard(t *testing.T, ts *testServer) (string, func(step string, form url.Values, want int) page) {
	t.Helper()
	p := ts.get("/account/companies/register?ui_locales=ru")
	path := strings.SplitN(p.location, "?", 2)[0]
	return path, func(step string, form url.Values, want int) page {
		t.Helper()
		p := ts.post(path+"/"+step+"?ui_locales=ru", form)
		if p.code != want {
			t.Fatalf("step %s: %d, want %d: %.1500s", step, p.code, want, p.body)
		}
		return p
	}
}

// The INN comes first; the KPP is then chosen from the register's head office
// and branches (the head first), a choice is required, and the chosen unit's
// data prefill the next step.
func TestCompanyWizardINNThenKPP(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Registry = branchRegistry{} })
	path, step := wizard(t, ts)
	first := ts.get(path + "?step=inn&ui_locales=ru")
	first.has(t, `name="inn"`, `class="req"`, "Поля, отмеченные звёздочкой (*), обязательны.")
	if strings.Contains(first.body, `name="kpp"`) {
		t.Fatal("the KPP is asked before the INN")
	}
	choice := step("inn", url.Values{"inn": {"7728824599"}}, http.StatusOK)
	choice.has(t, `type="radio" name="kpp" value="772801001"`, `value="784201001"`, "Головная организация", "Филиал", "Невский пр., д. 1")
	if strings.Index(choice.body, "772801001") > strings.Index(choice.body, "784201001") {
		t.Error("the head office is not first")
	}
	step("inn", url.Values{"inn": {"7728824599"}, "kpp_asked": {"1"}}, http.StatusBadRequest).has(t, `id="kpp-error"`, "Исправьте поля")
	general := step("inn", url.Values{"inn": {"7728824599"}, "kpp_asked": {"1"}, "kpp": {"772801001"}}, http.StatusOK)
	general.has(t, `value="Петров Иван Сергеевич"`, `value="Генеральный директор"`)
	// Without the register the KPP is typed.
	_, step2 := wizard(t, ts)
	step2("inn", url.Values{"inn": {"7736207543"}}, http.StatusOK).has(t, `id="kpp" name="kpp" type="text"`, "Реестр сейчас не подсказал КПП")
	if f, err := ts.store.FlowByID(t.Context(), strings.TrimPrefix(path, "/account/companies/register/")); err != nil || f.Org.KPP != "772801001" {
		t.Fatalf("flow %+v %v", f.Org, err)
	}
}

// "Назад" on a step keeps what was typed (errors and all) and shows the step
// before; required fields are marked and a refused step says so at the top.
func TestCompanyWizardBack(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Registry = fakeRegistry{} })
	path, step := wizard(t, ts)
	step("inn", url.Values{"inn": {"7728824599"}, "kpp": {"772801001"}}, http.StatusOK)
	refused := step("general", url.Values{"name": {""}, "full_name": {"Общество «Ромашка»"}}, http.StatusBadRequest)
	refused.has(t, "Исправьте поля, отмеченные ниже.", `id="name-error"`, `aria-required="true"`, `class="field invalid"`, `value="back"`)
	step("general", url.Values{"legal_form": {"ООО"}, "full_name": {"Общество с ограниченной ответственностью «Ромашка»"},
		"name": {"ООО «Ромашка»"}, "director_name": {"Петров Иван Сергеевич"}, "ogrn": {"1177746151021"}, "okved_main": {"62.01"}}, http.StatusSeeOther)
	// Half the bank typed, then back: the general step shows, and the bank keeps its account.
	p := step("bank", url.Values{"bik": {"044525225"}, "account": {"40702810938000012345"}, "action": {"back"}}, http.StatusSeeOther)
	if !strings.Contains(p.location, "step=general") {
		t.Fatalf("back led to %s", p.location)
	}
	ts.get(p.location).has(t, `value="ООО «Ромашка»"`)
	ts.get(path+"?step=bank").has(t, `value="40702810938000012345"`)
	// Back from the first step leads to the companies.
	ts.get(path+"?step=inn").has(t, `href="/account/companies"`)
}

// A person who signed in with the head's qualified certificate gets the head's
// name and title from it.
func TestCompanyWizardDirectorFromCertificate(t *testing.T) {
	ts := newTestServer(t, nil) // no register: only the certificate can tell
	value := web.RandomValue()
	now := time.Now().UTC()
	subject := "CN=Сидорова Анна Викторовна,SN=Сидорова,G=Анна Викторовна,T=Директор,O=ООО «Ромашка»,INNLE=7728824599,OGRN=1177746151021"
	s := storage.Session{ID: web.HashValue(value), SID: directory.NewID(), UserID: ts.user.ID, AMR: []string{"swk"},
		ACR: directory.ACRQualifiedCertificate, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		Certificate: &storage.CertificateRef{SHA256: "ab", Subject: subject}}
	if err := ts.store.CreateSession(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(ts.srv.URL)
	ts.client.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: value, Path: "/"}})
	_, step := wizard(t, ts)
	p := step("inn", url.Values{"inn": {"7728824599"}, "kpp": {"772801001"}}, http.StatusSeeOther)
	ts.get(p.location).has(t, `value="Сидорова Анна Викторовна"`, `value="Директор"`)
	// Another company's INN: the certificate is not its head's.
	_, other := wizard(t, ts)
	p = other("inn", url.Values{"inn": {"7707083893"}, "kpp": {"773601001"}}, http.StatusSeeOther)
	if p := ts.get(p.location); p.code != http.StatusOK || strings.Contains(p.body, "Сидорова") {
		t.Error("a certificate of another company filled the head")
	}
}
