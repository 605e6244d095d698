package ruid

import (
	"regexp"
	"testing"
)

func TestRequisites(t *testing.T) {
	tests := []struct {
		name  string
		check func() bool
		valid bool
	}{
		{"kpp digits", func() bool { return ValidKPP("772801001") }, true},
		{"kpp letters in the reason", func() bool { return ValidKPP("7728AB001") }, true},
		{"kpp letter elsewhere", func() bool { return ValidKPP("77A801001") }, false},
		{"kpp lower-case reason", func() bool { return ValidKPP("7728ab001") }, false},
		{"kpp 8 characters", func() bool { return ValidKPP("77280100") }, false},
		{"bik Sberbank", func() bool { return ValidBIK("044525225") }, true},
		{"bik not Russian", func() bool { return ValidBIK("123456789") }, false},
		{"bik 8 digits", func() bool { return ValidBIK("04452522") }, false},
		{"correspondent Sberbank", func() bool { return ValidCorrespondentAccount("30101810400000000225", "044525225") }, true},
		{"correspondent T-Bank", func() bool { return ValidCorrespondentAccount("30101810145250000974", "044525974") }, true},
		{"correspondent of a bank in another region", func() bool { return ValidCorrespondentAccount("30101810400000000225", "044030653") }, false},
		{"correspondent wrong digit", func() bool { return ValidCorrespondentAccount("30101810400000000226", "044525225") }, false},
		{"correspondent not 301", func() bool { return ValidCorrespondentAccount("40702810400000000225", "044525225") }, false},
		{"settlement valid", func() bool { return ValidSettlementAccount("40702810938000012345", "044525225") }, true},
		{"settlement wrong key", func() bool { return ValidSettlementAccount("40702810038000012345", "044525225") }, false},
		{"settlement of another bank", func() bool { return ValidSettlementAccount("40702810938000012345", "044525974") }, false},
		{"settlement 19 digits", func() bool { return ValidSettlementAccount("4070281093800001234", "044525225") }, false},
		{"okpo Sberbank (8)", func() bool { return ValidOKPO("00032537") }, true},
		{"okpo wrong digit", func() bool { return ValidOKPO("00032538") }, false},
		{"okpo remainder 10, then weights from 3", func() bool { return ValidOKPO("00000035") }, true},
		{"okpo remainder 10 twice → 0", func() bool { return ValidOKPO("00002810") }, true},
		{"okpo 10 digits", func() bool { return ValidOKPO("0123456789") }, true},
		{"okpo 10 digits, wrong digit", func() bool { return ValidOKPO("0123456781") }, false},
		{"okpo 9 digits", func() bool { return ValidOKPO("000325370") }, false},
		{"okved class", func() bool { return ValidOKVED("62") }, true},
		{"okved group", func() bool { return ValidOKVED("62.01") }, true},
		{"okved subgroup", func() bool { return ValidOKVED("46.90.1") }, true},
		{"okved kind", func() bool { return ValidOKVED("01.11.11") }, true},
		{"okved one digit then more", func() bool { return ValidOKVED("01.1.11") }, false},
		{"okved four levels", func() bool { return ValidOKVED("01.11.11.1") }, false},
		{"okved letters", func() bool { return ValidOKVED("A1.11") }, false},
		{"okved empty group", func() bool { return ValidOKVED("62.") }, false},
		{"postcode Moscow", func() bool { return ValidPostcode("125009") }, true},
		{"postcode starting 0", func() bool { return ValidPostcode("025009") }, false},
		{"postcode 5 digits", func() bool { return ValidPostcode("12500") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(); got != tt.valid {
				t.Errorf("got %v, want %v", got, tt.valid)
			}
		})
	}
}

// The rules take anything a form sends: none may panic, and whatever one accepts
// has the shape its documentation promises (so a rule that accepts too much fails
// here, not in a form that trusts it).
func FuzzRules(f *testing.F) {
	for _, s := range []string{"7728824599", "772425522949", "1177746151021", "319508135058602", "56559136127",
		"772801001", "044525225", "30101810400000000225", "00032537", "62.01", "125009", "", "٣٣"} {
		f.Add(s, "044525225")
	}
	shapes := []struct {
		name  string
		valid func(s, bik string) bool
		shape *regexp.Regexp
	}{
		{"INN", func(s, _ string) bool { return ValidINN(s) }, regexp.MustCompile(`^(\d{10}|\d{12})$`)},
		{"OGRN", func(s, _ string) bool { return ValidOGRN(s) }, regexp.MustCompile(`^[15]\d{12}$`)},
		{"OGRNIP", func(s, _ string) bool { return ValidOGRNIP(s) }, regexp.MustCompile(`^3\d{14}$`)},
		{"SNILS", func(s, _ string) bool { return ValidSNILS(s) }, regexp.MustCompile(`^\d{11}$`)},
		{"KPP", func(s, _ string) bool { return ValidKPP(s) }, regexp.MustCompile(`^\d{4}[0-9A-Z]{2}\d{3}$`)},
		{"BIK", func(s, _ string) bool { return ValidBIK(s) }, regexp.MustCompile(`^04\d{7}$`)},
		{"settlement account", ValidSettlementAccount, regexp.MustCompile(`^\d{20}$`)},
		{"correspondent account", ValidCorrespondentAccount, regexp.MustCompile(`^301\d{17}$`)},
		{"OKPO", func(s, _ string) bool { return ValidOKPO(s) }, regexp.MustCompile(`^(\d{8}|\d{10})$`)},
		{"OKVED", func(s, _ string) bool { return ValidOKVED(s) }, regexp.MustCompile(`^\d{2}(\.\d{1,2}|\.\d{2}\.\d{1,2})?$`)},
		{"postcode", func(s, _ string) bool { return ValidPostcode(s) }, regexp.MustCompile(`^[1-6]\d{5}$`)},
	}
	f.Fuzz(func(t *testing.T, s, bik string) {
		for _, sh := range shapes {
			if sh.valid(s, bik) && !sh.shape.MatchString(s) {
				t.Errorf("%s accepts %q", sh.name, s)
			}
		}
		if n := NormalizeSNILS(s); ValidSNILS(n) && !regexp.MustCompile(`^\d{11}$`).MatchString(n) {
			t.Errorf("SNILS accepts %q normalised from %q", n, s)
		}
	})
}
