package registry_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory/registry"
)

func TestSplitLine(t *testing.T) {
	for _, tc := range []struct {
		name, line, postcode, region, city string
		street, house, office              string
	}{
		{name: "register line with place", line: "125009, г Москва, ул Тверская, д 7, пом 1", postcode: "125009", region: "г Москва", city: "г Москва",
			street: "ул Тверская", house: "д 7", office: "пом 1"},
		{name: "typed with dots", line: "ул. Заводская, д. 3", street: "ул. Заводская", house: "д. 3"},
		{name: "building parts and a flat", line: "пр-кт Мира, д. 15, корп. 2, стр. 1, кв. 40",
			street: "пр-кт Мира", house: "д. 15, корп. 2, стр. 1", office: "кв. 40"},
		{name: "office and floor", line: "ул Ленина, дом 1, этаж 3, офис 305", street: "ул Ленина", house: "дом 1", office: "этаж 3, офис 305"},
		{name: "city and district kept with the street", line: "191186, г Санкт-Петербург, Центральный р-н, Невский пр-кт, д 1",
			postcode: "191186", region: "г Санкт-Петербург", city: "г Санкт-Петербург", street: "Центральный р-н, Невский пр-кт", house: "д 1"},
		{name: "house without a marker", line: "ул Мира, 15", street: "ул Мира, 15"},
		{name: "no commas", line: "ул Мира д 15 кв 2", street: "ул Мира д 15 кв 2"},
		{name: "unknown part after the house", line: "ул Мира, д 15, вход со двора", street: "ул Мира, д 15, вход со двора"},
		{name: "office before the house", line: "ул Мира, офис 2, д 15", street: "ул Мира, офис 2, д 15"},
		{name: "building after the office", line: "ул Мира, д 15, кв 2, корп 3", street: "ул Мира, д 15, кв 2, корп 3"},
		{name: "nothing before the house", line: "д 15, кв 2", street: "д 15, кв 2"},
		{name: "village is not a house", line: "Московская обл, д Ивановка, ул Луговая, д 5", region: "Московская обл",
			street: "д Ивановка, ул Луговая", house: "д 5"},
		{name: "place other than the fields kept", line: "101000, г Москва, а/я 15", postcode: "101000", city: "г Санкт-Петербург",
			street: "г Москва, а/я 15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, h, o := registry.SplitLine(tc.line, tc.postcode, tc.region, tc.city)
			if s != tc.street || h != tc.house || o != tc.office {
				t.Fatalf("SplitLine(%q) = %q | %q | %q, want %q | %q | %q", tc.line, s, h, o, tc.street, tc.house, tc.office)
			}
		})
	}
}

// TestDaDataAddressParts: the parts DaData gives win over splitting its line.
func TestDaDataAddressParts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"suggestions": []map[string]any{{"value": "ООО «Кип»", "data": map[string]any{
			"inn": "7728824599", "kpp": "772801001", "type": "LEGAL", "branch_type": "MAIN", "state": map[string]any{"status": "ACTIVE"},
			"name": map[string]any{"short_with_opf": "ООО «Кип»"},
			"address": map[string]any{"value": "125009, г Москва, ул Тверская, влд 7 стр 2 пом I", "data": map[string]any{"postal_code": "125009",
				"city_with_type": "г Москва", "street_with_type": "ул Тверская", "house_type": "влд", "house": "7", "block_type": "стр",
				"block": "2", "flat_type": "пом", "flat": "I"}}}}}})
	}))
	defer srv.Close()
	d := &registry.DaData{BaseURL: srv.URL, Token: "t"}
	cs, err := d.CompaniesByINN(context.Background(), "7728824599")
	if err != nil || len(cs) != 1 {
		t.Fatalf("%v %+v", err, cs)
	}
	a := cs[0].Address
	if a.Street != "ул Тверская" || a.House != "влд 7, стр 2" || a.Office != "пом I" || !strings.HasPrefix(a.Line, "125009") {
		t.Fatalf("address: %+v", a)
	}
}
