package account

import "testing"

func TestDNValue(t *testing.T) {
	dn := `CN=ООО «Ромашка\, и Ко»,O=ООО «Ромашка»,STREET=ул. Тверская\, д. 7,SNILS=56559136127`
	for key, want := range map[string]string{"CN": "ООО «Ромашка, и Ко»", "O": "ООО «Ромашка»", "STREET": "ул. Тверская, д. 7",
		"SNILS": "56559136127", "OU": dn} {
		if got := dnValue(dn, key); got != want {
			t.Errorf("dnValue(%s) = %q, want %q", key, got, want)
		}
	}
}
