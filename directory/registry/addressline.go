package registry

import (
	"strings"
	"unicode"
)

// WithParts is the address with its street, house and office filled from Line
// when the register gave the address as one line only (SplitLine).
func (a Address) WithParts() Address {
	if a.Street == "" && a.House == "" && a.Office == "" && a.Line != "" {
		a.Street, a.House, a.Office = SplitLine(a.Line, a.Postcode, a.Region, a.City)
	}
	return a
}

// SplitLine splits an address written as one line ("125009, г Москва, ул
// Тверская, д 7, корп 2, пом 1") into its street ("ул Тверская"), house ("д 7,
// корп 2") and office ("пом 1"). Leading parts equal to the postcode, region or
// city (kept in fields of their own) are dropped. A line is split only when
// every part after the street is recognised as a part of the house or of the
// office, in that order; otherwise (no commas, an unknown part, no house) the
// whole rest is the street, so nothing is guessed and nothing is lost: the
// three parts joined with ", " give back what was written.
func SplitLine(line, postcode, region, city string) (street, house, office string) {
	var parts []string
	for _, p := range strings.Split(line, ",") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			parts = append(parts, p)
		}
	}
	for len(parts) > 0 && (parts[0] == postcode || sameWords(parts[0], region) || sameWords(parts[0], city)) {
		parts = parts[1:]
	}
	whole := strings.Join(parts, ", ")
	h := -1
	for i, p := range parts {
		if hasMarker(p, houseMarkers) {
			h = i
			break
		}
	}
	if h < 1 { // no house, or nothing before it to be the street
		return whole, "", ""
	}
	o := len(parts)
	for i := h + 1; i < len(parts); i++ {
		switch {
		case o == len(parts) && hasMarker(parts[i], buildingMarkers):
		case hasMarker(parts[i], officeMarkers):
			if o == len(parts) {
				o = i
			}
		default:
			return whole, "", ""
		}
	}
	for _, p := range parts[:h] {
		if hasMarker(p, buildingMarkers) || hasMarker(p, officeMarkers) {
			return whole, "", ""
		}
	}
	return strings.Join(parts[:h], ", "), strings.Join(parts[h:o], ", "), strings.Join(parts[o:], ", ")
}

// Markers of the parts of a Russian address, lower case without the dot
// ("д", "д." and "дом 7" all start a house), as the register and people write them.
var (
	houseMarkers    = []string{"д", "дом", "вл", "влд", "владение", "зд", "здание", "уч", "участок"}
	buildingMarkers = []string{"к", "корп", "корпус", "стр", "строение", "лит", "литера", "соор", "сооружение"}
	officeMarkers   = []string{"оф", "офис", "пом", "помещ", "помещение", "кв", "квартира", "ком", "комната", "каб", "кабинет", "этаж", "эт", "ч", "часть"}
)

// hasMarker: the part starts with one of the markers, then a dot, a space or
// a digit, and holds a digit ("д 7", "д.7", "офис 12", "пом. I" is not one:
// a part without a number is not split off).
func hasMarker(part string, markers []string) bool {
	p := strings.ToLower(part)
	if !strings.ContainsFunc(p, unicode.IsDigit) {
		return false
	}
	for _, m := range markers {
		rest, ok := strings.CutPrefix(p, m)
		if !ok || rest == "" {
			continue
		}
		if r := []rune(rest)[0]; r == '.' || r == ' ' || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func sameWords(a, b string) bool {
	return b != "" && strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}
