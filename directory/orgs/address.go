package orgs

import (
	"unicode/utf8"

	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/storage"
)

// Longest parts of an address, in characters: long enough for any Russian
// address (ФИАС's longest street names are under 120), short enough that a
// form cannot be used to store pages of text.
var addressLimits = []struct {
	part string
	max  int
	of   func(storage.Address) string
}{
	{"region", 120, func(a storage.Address) string { return a.Region }},
	{"city", 120, func(a storage.Address) string { return a.City }},
	{"street", 200, func(a storage.Address) string { return a.Street }},
	{"house", 60, func(a storage.Address) string { return a.House }},
	{"office", 60, func(a storage.Address) string { return a.Office }},
}

// addressErrors names the parts of the legal, actual and postal addresses that
// are too long ("legal_street": "company.invalid.street").
func addressErrors(o storage.Organisation, bad map[string]string) {
	for prefix, a := range map[string]storage.Address{"legal": o.Addresses.Legal, "actual": o.Addresses.Actual, "postal": o.Addresses.Postal} {
		for _, l := range addressLimits {
			if utf8.RuneCountInString(l.of(a)) > l.max {
				bad[prefix+"_"+l.part] = "company.invalid." + l.part
			}
		}
	}
}

// WithAddressParts is the organisation with every address that is one line
// only (stored before addresses had parts, or written so through the API)
// split into its street, house and office where that is safe, else kept
// whole as the street (registry.SplitLine): what the directory writes has parts.
func WithAddressParts(o storage.Organisation) storage.Organisation {
	for _, a := range []*storage.Address{&o.Addresses.Legal, &o.Addresses.Actual, &o.Addresses.Postal} {
		if a.Line != "" && a.Street == "" && a.House == "" && a.Office == "" {
			a.Street, a.House, a.Office = registry.SplitLine(a.Line, a.Postcode, a.Region, a.City)
		}
		a.Line = ""
	}
	return o
}
