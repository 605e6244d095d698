package passkey

import (
	"slices"
	"testing"

	"github.com/vhod-id/vhod/directory"
)

// TestAssurance pins what a passkey alone earns (RFC 8176 values): with user
// verification two factors, acr mfa; without, no more than a password.
func TestAssurance(t *testing.T) {
	for _, tc := range []struct {
		in, amr []string
		acr     string
	}{
		{[]string{"hwk", "user"}, []string{"hwk", "user", "mfa"}, directory.ACRMFA},
		{[]string{"swk", "user"}, []string{"swk", "user", "mfa"}, directory.ACRMFA},
		{[]string{"hwk"}, []string{"hwk"}, directory.ACRPassword},
		{[]string{"swk"}, []string{"swk"}, directory.ACRPassword},
	} {
		amr, acr := Assurance(tc.in)
		if !slices.Equal(amr, tc.amr) || acr != tc.acr {
			t.Errorf("Assurance(%v) = %v, %s; want %v, %s", tc.in, amr, acr, tc.amr, tc.acr)
		}
		if got := directory.ACRFromAMR(amr); tc.acr == directory.ACRMFA && got != directory.ACRMFA {
			t.Errorf("ACRFromAMR(%v) = %s", amr, got)
		}
	}
}
