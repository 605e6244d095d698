package orgs_test

import (
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// The parts of an address are bounded, each error at its own field.
func TestAddressLengths(t *testing.T) {
	o := romashka()
	o.Addresses.Legal = storage.Address{Street: strings.Repeat("ю", 200), House: strings.Repeat("д", 60), Office: strings.Repeat("о", 60)}
	if bad := orgs.RequisiteErrors(o); len(bad) != 0 {
		t.Fatalf("parts at their limits refused: %v", bad)
	}
	o.Addresses.Legal.House += "1"
	o.Addresses.Postal.Office = strings.Repeat("о", 61)
	o.Addresses.Actual.Street = strings.Repeat("ю", 201)
	o.Addresses.Actual.City = strings.Repeat("г", 121)
	bad := orgs.RequisiteErrors(o)
	for field, key := range map[string]string{"legal_house": "company.invalid.house", "postal_office": "company.invalid.office",
		"actual_street": "company.invalid.street", "actual_city": "company.invalid.city"} {
		if bad[field] != key {
			t.Errorf("%s: %q, want %q (%v)", field, bad[field], key, bad)
		}
	}
	if len(bad) != 4 {
		t.Errorf("errors: %v", bad)
	}
}

// What the directory writes has the parts: an address written as one line is
// split where it is safe, else kept whole as the street.
func TestRegisterSplitsAddressLine(t *testing.T) {
	o, st := newOrgs(t)
	in := romashka()
	in.Addresses.Legal = storage.Address{Postcode: "125009", City: "г Москва", Line: "125009, г Москва, ул Тверская, д 7, пом 1"}
	in.Addresses.Postal = storage.Address{Postcode: "101000", Line: "а/я 15"}
	org, err := o.Register(t.Context(), in, directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.OrganisationByID(t.Context(), org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Addresses.Legal; a.Street != "ул Тверская" || a.House != "д 7" || a.Office != "пом 1" || a.Line != "" {
		t.Fatalf("legal address: %+v", a)
	}
	if a := got.Addresses.Postal; a.Street != "а/я 15" || a.House != "" || a.Line != "" {
		t.Fatalf("postal address: %+v", a)
	}
}
