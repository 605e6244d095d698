package account

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/storage"
)

// Linked providers are listed by name; unlinking one asks first, waits for a
// fresh sign-in, is audited and told; the last way in stays; the companies a
// provider lists are offered for joining (or registering, for their head).
func TestAccountLinkedProviders(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.ProviderName = func(_ context.Context, id, lang string) string {
			if id == "esia" && lang == "en" {
				return "Gosuslugi"
			}
			return ""
		}
	})
	ts.h.cfg.Links = ts.dir
	ctx := t.Context()
	// A company someone else registered.
	head, err := ts.dir.CreateUser(ctx, directory.NewUser{Login: "petrov", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	romashka, err := ts.orgs.Register(ctx, storage.Organisation{Kind: storage.OrgLegalEntity, INN: "7707083893", KPP: "772801001",
		Name: "ООО «Ромашка»", FullName: "Общество «Ромашка»", Email: "office@example.com", EmailVerified: true}, directory.Actor{ID: head.ID})
	if err == nil {
		romashka, err = ts.orgs.ApproveOrganisation(ctx, romashka.ID, directory.Actor{ID: "moderator"})
	}
	if err != nil {
		t.Fatal(err)
	}
	esia := directory.OutsideIdentity{Provider: "esia", Subject: "1000", Email: "ivanov@gosuslugi.test",
		Orgs: []storage.OutsideOrg{{Name: romashka.Name, INN: romashka.INN, OGRN: romashka.OGRN},
			{Name: "ИП Иванов", INN: "500100732259", Chief: true}, {Name: "Not here, not head", INN: "7728168971"}}}
	if err := ts.dir.LinkIdentity(ctx, ts.user.ID, esia); err != nil {
		t.Fatal(err)
	}
	ts.get("/account").has(t, "Gosuslugi", "ivanov@gosuslugi.test", "/account/provider/remove")
	companies := ts.get("/account/companies")
	companies.has(t, "According to “Gosuslugi”, you work at", "/account/companies/join?inn=7707083893", "/account/companies/register?inn=500100732259")
	if strings.Contains(companies.body, "7728168971") {
		t.Error("a company neither here nor headed by the person is offered")
	}

	ts.signIn(ts.user.ID, time.Hour)
	confirmed := ts.asks("/account/provider/remove", url.Values{"link": {"esia:1000"}}, "Unlink the outside service?", "“Gosuslugi”")
	p := ts.post("/account/provider/remove", confirmed)
	if p.code != http.StatusSeeOther || !strings.Contains(p.location, "state=reauth") {
		t.Fatalf("stale unlink: %d %s", p.code, p.location)
	}
	if u, _ := ts.dir.UserByID(ctx, ts.user.ID); len(u.Links) != 1 {
		t.Fatal("unlinked before the new sign-in")
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(p.location, "/authorize?"))
	ts.signIn(ts.user.ID, 0)
	if p := ts.get("/account/callback?code=c&state=" + url.QueryEscape(q.Get("state"))); p.code != http.StatusOK {
		t.Fatalf("resume: %d", p.code)
	}
	if u, _ := ts.dir.UserByID(ctx, ts.user.ID); len(u.Links) != 0 {
		t.Fatalf("links %+v", u.Links)
	}
	if !ts.audited(directory.EventIdentityUnlinked, directory.OutcomeSuccess) {
		t.Fatal("not audited")
	}
	if _, ok := ts.sent.lastEmail("ivanov@example.com"); !ok {
		t.Error("the owner was not told")
	}
	if p := ts.post("/account/provider/remove", url.Values{"link": {"esia:1000"}, "confirm": {"1"}}); p.code != http.StatusNotFound {
		t.Fatalf("unlink again: %d", p.code)
	}

	// An account made through a provider has no other way in: its link stays.
	only, err := ts.dir.CreateUserFromIdentity(ctx, directory.OutsideIdentity{Provider: "yandex", Subject: "7", Name: "Пётр"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	ts.signIn(only.ID, 0)
	p = ts.post("/account/provider/remove", url.Values{"link": {"yandex:7"}, "confirm": {"1"}})
	if p.code != http.StatusConflict || !strings.Contains(p.body, "only way to sign in") {
		t.Fatalf("last way in: %d %.300s", p.code, p.body)
	}
}

// The head by Госуслуги: a company the provider says the person heads is
// approved at registration only when the registry names the same person (the
// name the provider gave, not the account's editable one) as its head.
func TestHeadByProvider(t *testing.T) {
	reg, err := registry.LoadOffline("../directory/registry/testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(c *Config) { c.Registry = reg })
	org := storage.Organisation{INN: "7728824599", KPP: "772801001", OGRN: "1177746151021"}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	link := func(person string, chief bool) storage.User {
		return storage.User{FamilyName: "Петров", GivenName: "Иван", Links: []storage.LinkedIdentity{{Provider: "esia", Subject: "1",
			Person: person, Orgs: []storage.OutsideOrg{{INN: org.INN, OGRN: org.OGRN, Chief: chief}}}}}
	}
	if got := ts.h.headOf(req, link("Петров Иван Сергеевич", true), org); !strings.Contains(got, "esia") {
		t.Fatalf("the head by ESIA and the registry: %q", got)
	}
	for name, u := range map[string]storage.User{
		"not the head by ESIA":       link("Петров Иван Сергеевич", false),
		"another person":             link("Сидоров Пётр Ильич", true),
		"no name from the provider":  link("", true),
		"another company's OGRN too": {Links: []storage.LinkedIdentity{{Person: "Петров Иван Сергеевич", Orgs: []storage.OutsideOrg{{INN: org.INN, OGRN: "1027700132195", Chief: true}}}}},
	} {
		if got := ts.h.headOf(req, u, org); got != "" {
			t.Errorf("%s: approved (%q)", name, got)
		}
	}
}
