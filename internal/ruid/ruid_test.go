package ruid

import "testing"

// The vectors are the table of ../shared/fixtures/README.md plus edge cases.
func TestCheckDigits(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) bool
		value string
		valid bool
	}{
		{"inn10", ValidINN10, "7728824599", true},
		{"inn10 wrong digit", ValidINN10, "7728824598", false},
		{"inn10 short", ValidINN10, "772882459", false},
		{"inn10 letters", ValidINN10, "77288245a9", false},
		{"inn10 CA", ValidINN10, "7709998286", true},
		{"inn12", ValidINN12, "772425522949", true},
		{"inn12 ip", ValidINN12, "500371521396", true},
		{"inn12 employee", ValidINN12, "781056697681", true},
		{"inn12 11th wrong", ValidINN12, "772425522939", false},
		{"inn12 legacy 00 form", ValidINN12, "001234567890", false},
		{"inn any 10", ValidINN, "7728824599", true},
		{"inn any 12", ValidINN, "772425522949", true},
		{"inn any 11", ValidINN, "77242552294", false},
		{"ogrn", ValidOGRN, "1177746151021", true},
		{"ogrn remainder 10", ValidOGRN, "1177749702240", true},
		{"ogrn CA", ValidOGRN, "1027700887378", true},
		{"ogrn wrong digit", ValidOGRN, "1177746151022", false},
		{"ogrn first digit 3", ValidOGRN, "3177746151020", false},
		{"ogrnip", ValidOGRNIP, "319508135058602", true},
		{"ogrnip wrong digit", ValidOGRNIP, "319508135058603", false},
		{"ogrnip first digit 4", ValidOGRNIP, "419508135058602", false},
		{"ogrnip short", ValidOGRNIP, "31950813505860", false},
		{"snils", ValidSNILS, "56559136127", true},
		{"snils mod 101 = 0", ValidSNILS, "33922499500", true},
		{"snils below 100", ValidSNILS, "11070434193", true},
		{"snils 101", ValidSNILS, "01610339600", true},
		{"snils 100 after mod", ValidSNILS, "82098123300", true},
		{"snils docs example", ValidSNILS, "11223344595", true},
		{"snils wrong control", ValidSNILS, "56559136128", false},
		{"snils unchecked range", ValidSNILS, "00100199800", true},
		{"snils 12 digits", ValidSNILS, "565591361270", false},
		{"snils empty", ValidSNILS, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(tt.value); got != tt.valid {
				t.Errorf("%s(%q) = %v, want %v", tt.name, tt.value, got, tt.valid)
			}
		})
	}
}

func TestNormalizeSNILS(t *testing.T) {
	for in, want := range map[string]string{
		"565-591-361 27": "56559136127",
		"56559136127":    "56559136127",
		"565.591.361 27": "565.591.361 27",
	} {
		if got := NormalizeSNILS(in); got != want {
			t.Errorf("NormalizeSNILS(%q) = %q, want %q", in, got, want)
		}
	}
}
