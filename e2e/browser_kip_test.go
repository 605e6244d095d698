package e2e

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/directory/registry/registrytest"
)

// TestBrowserKIP runs the КИП-Сервис journey of issue 18
// (e2e/browser/kip.test.mjs) in chromium: a person signs up, registers the
// company by its INN, chooses one of the register's branches (its own KPP and
// address, the address split into street, house and office), a moderator
// approves it, the new org admin sets an accountant's contract and PIN, and
// the accountant signs in to the relying app by INN + contract; the app sees
// the branch (INN and KPP) and the role "accountant". In Russian the whole
// journey, in English a shorter path through another branch.
func TestBrowserKIP(t *testing.T) {
	data := kipRegistry(t)
	standIn := registrytest.StandIn(t, data, 0, http.StatusOK)
	runBrowser(t, browserSetup{Config: func(cfg, _ string) string {
		// The registry stand-in is this test's, which knows КИП-Сервис.
		return regexp.MustCompile(`registry: \{provider: dadata, url: "[^"]*"`).
			ReplaceAllLiteralString(cfg, `registry: {provider: dadata, url: "`+standIn.URL+`"`)
	}}, "browser/kip.test.mjs")
}

// kipRegistry is the test data of the other browser tests plus АО «КИП-Сервис»:
// a head office in Moscow and branches in Yekaterinburg and Kazan, each with
// its KPP and its address as the register gives it, one line.
func kipRegistry(t *testing.T) *registry.Offline {
	data, err := registry.LoadOffline("../directory/registry/testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	const inn, ogrn = "7709458121", "1027709458127"
	data.Companies = append(data.Companies,
		registry.Company{INN: inn, KPP: "770901001", OGRN: ogrn, Name: "АО «КИП-Сервис»", FullName: "Акционерное общество «КИП-Сервис»",
			LegalForm: "Акционерное общество", Active: true, DirectorName: "Киповский Олег Петрович", DirectorTitle: "Генеральный директор",
			OKVED: "33.13", Address: registry.Address{Postcode: "109004", Region: "г Москва", City: "г Москва",
				Line: "109004, г Москва, ул Станиславского, д 21, стр 3"}},
		registry.Company{INN: inn, KPP: "667102001", OGRN: ogrn, Name: "Уральский филиал АО «КИП-Сервис»",
			FullName: "Уральский филиал акционерного общества «КИП-Сервис»", LegalForm: "Акционерное общество", Branch: true, Active: true,
			DirectorName: "Уральцева Наталья Ивановна", DirectorTitle: "Директор филиала", OKVED: "33.13",
			Address: registry.Address{Postcode: "620014", Region: "Свердловская обл", City: "г Екатеринбург",
				Line: "620014, Свердловская обл, г Екатеринбург, ул Малышева, д 51, офис 1204"}},
		registry.Company{INN: inn, KPP: "165502001", OGRN: ogrn, Name: "Казанский филиал АО «КИП-Сервис»",
			FullName: "Казанский филиал акционерного общества «КИП-Сервис»", LegalForm: "Акционерное общество", Branch: true, Active: true,
			DirectorName: "Казанцев Ринат Маратович", DirectorTitle: "Директор филиала", OKVED: "33.13",
			Address: registry.Address{Postcode: "420111", Region: "Респ Татарстан", City: "г Казань",
				Line: "420111, Респ Татарстан, г Казань, ул Баумана, д 19"}},
	)
	data.Places = append(data.Places,
		registry.Place{Postcode: "620014", Region: "Свердловская обл", City: "г Екатеринбург"},
		registry.Place{Postcode: "420111", Region: "Респ Татарстан", City: "г Казань"})
	return data
}
