package console

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/storage"
)

// moderationRegistry knows 7728824599 with another director than the one
// registered, and nothing else.
type moderationRegistry struct{ registry.Registry }

func (moderationRegistry) CompaniesByINN(_ context.Context, inn string) ([]registry.Company, error) {
	if inn != "7728824599" {
		return nil, registry.ErrNotFound
	}
	return []registry.Company{{INN: inn, KPP: "772801001", OGRN: "1177746151021", Name: "ООО «Ромашка»", Active: true,
		FullName: "Общество с ограниченной ответственностью «Ромашка»", DirectorName: "Сидоров Пётр Ильич", DirectorTitle: "Генеральный директор",
		OKVED: "62.01", Address: registry.Address{Postcode: "125009", Line: "125009, г Москва, ул. Тверская, д. 7"}}}, nil
}

// TestModerationShowsEveryRequisite: a moderator sees every requisite of a
// company waiting (bank, addresses, contacts, director, codes), what the state
// register says with the differences marked, and a resubmitted registration
// as such, with the reason it was rejected for.
func TestModerationShowsEveryRequisite(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Registry = moderationRegistry{} })
	ts.user("mod", storage.AuthorityModerator)
	ts.user("director")
	ctx := t.Context()
	romashka := storage.Organisation{Kind: storage.OrgLegalEntity, Name: "ООО «Ромашка»", FullName: "Общество с ограниченной ответственностью «Ромашка»",
		LegalForm: "ООО", INN: "7728824599", KPP: "772801001", OGRN: "1177746151021", OKPO: "00032537",
		OKVED:    storage.OKVED{Main: "62.01", Auxiliary: []string{"62.02", "63.11"}, Other: []string{"58.29"}},
		Director: storage.Director{Name: "Петров Иван Сергеевич", NameGenitive: "Петрова Ивана Сергеевича", Title: "Генеральный директор", ActingOn: "Устава"},
		Bank:     storage.Bank{BIK: "044525225", Name: "ПАО Сбербанк", CorrAccount: "30101810400000000225", Account: "40702810938000012345"},
		Addresses: storage.Addresses{Legal: storage.Address{Postcode: "125009", Region: "г Москва", City: "г Москва", Street: "ул. Тверская", House: "д. 7, стр. 2", Office: "офис 1"},
			ActualSameAsLegal: true, Postal: storage.Address{Postcode: "101000", City: "г Москва", Line: "а/я 15"}},
		Contact: storage.Contact{Name: "Петров Иван", Email: "ivan@romashka.example", Phone: "+79090000000"},
		Email:   "office@romashka.example", EmailVerified: true}
	org, err := ts.orgs.Register(ctx, romashka, directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	ts.signIn("mod")
	code, body := ts.get("/moderation")
	want(t, "queue", code, body, http.StatusOK,
		"Общество с ограниченной ответственностью «Ромашка»", "00032537", "62.02, 63.11", "58.29",
		"Петрова Ивана Сергеевича", "Генеральный директор", "Устава",
		"044525225", "ПАО\u00a0Сбербанк", "30101810400000000225", "40702810938000012345",
		"125009, г Москва\n<br>Street: ул. Тверская<br>House, block, building: д. 7, стр. 2<br>Office, room, flat: офис 1", "Same as legal",
		"101000, г Москва\n<br>Street: а/я 15<br>House, block, building: —<br>Office, room, flat: —",
		"Петров Иван", "ivan@romashka.example", "+79090000000", "office@romashka.example (confirmed)",
		"What the state register says", "Some details differ from the state register", "<strong>Сидоров Пётр Ильич</strong> (differs)")
	if strings.Contains(body, "Resubmitted") {
		t.Fatal("a first registration is marked as resubmitted")
	}
	// A company stored before addresses had parts shows its one line.
	old := storage.Organisation{ID: "old", Kind: storage.OrgLegalEntity, Status: storage.OrgPending, Name: "ООО «Старое»", INN: "7707083893", KPP: "773601001",
		Addresses: storage.Addresses{Legal: storage.Address{Postcode: "117312", City: "г Москва", Line: "ул. Вавилова, д. 19"}}, CreatedAt: time.Now()}
	if err := ts.st.CreateOrganisation(ctx, old); err != nil {
		t.Fatal(err)
	}
	code, body = ts.get("/moderation")
	want(t, "one line", code, body, http.StatusOK, "117312, г Москва\n<br>Address as one line (stored before it had parts): ул. Вавилова, д. 19")
	// Rejected, corrected and sent again: marked, with the earlier reason.
	code, body = ts.post("/moderation", "/moderation/orgs/"+org.ID+"/reject", map[string][]string{"reason": {"Директор не тот"}})
	want(t, "reject", code, body, http.StatusSeeOther)
	romashka.Director.Name = "Сидоров Пётр Ильич"
	if _, err := ts.orgs.Resubmit(ctx, org.ID, romashka, directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	code, body = ts.get("/moderation")
	want(t, "resubmitted", code, body, http.StatusOK, "Resubmitted", "The reason given then: Директор не тот")
	if strings.Contains(body, "(differs)") {
		t.Fatal("a corrected director still differs")
	}
}
