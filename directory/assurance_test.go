package directory

import (
	"slices"
	"testing"
)

// TestACROrder pins the order DESIGN.md gives: password < phone < mfa <
// certificate < qualified-certificate.
func TestACROrder(t *testing.T) {
	want := []string{"urn:vhod:acr:password", "urn:vhod:acr:phone", "urn:vhod:acr:mfa",
		"urn:vhod:acr:certificate", "urn:vhod:acr:qualified-certificate"}
	if !slices.Equal(ACRLevels, want) {
		t.Fatalf("ACRLevels %v, want %v", ACRLevels, want)
	}
	for i, have := range want {
		for j, need := range want {
			if got := ACRSatisfies(have, need); got != (i >= j) {
				t.Errorf("ACRSatisfies(%s, %s) = %v", have, need, got)
			}
		}
	}
	for _, c := range []struct{ have, want string }{{"", ACRPassword}, {ACRMFA, "urn:other"}, {"urn:other", "urn:other"}} {
		if ACRSatisfies(c.have, c.want) {
			t.Errorf("ACRSatisfies(%q, %q) with an unknown class", c.have, c.want)
		}
	}
}

// TestAMRValues pins the RFC 8176 spellings tokens carry.
func TestAMRValues(t *testing.T) {
	got := []string{AMRPassword, AMRSMS, AMROTP, AMRMFA, AMRHardKey, AMRSoftKey, AMRUser}
	if want := []string{"pwd", "sms", "otp", "mfa", "hwk", "swk", "user"}; !slices.Equal(got, want) {
		t.Fatalf("amr values %v, want %v", got, want)
	}
}

func TestACRFromAMR(t *testing.T) {
	for _, tc := range []struct {
		name string
		amr  []string
		want string
	}{
		{name: "nothing", amr: nil, want: ""},
		{name: "unknown only", amr: []string{"face"}, want: ""},
		{name: "password", amr: []string{"pwd"}, want: ACRPassword},
		{name: "sms code", amr: []string{"sms", "otp"}, want: ACRPhone},
		{name: "app code alone", amr: []string{"otp"}, want: ACRPhone},
		{name: "passkey without user verification", amr: []string{"hwk"}, want: ACRPhone},
		{name: "password and app code", amr: []string{"pwd", "otp"}, want: ACRMFA},
		{name: "password and sms", amr: []string{"pwd", "sms", "otp"}, want: ACRMFA},
		{name: "password and passkey", amr: []string{"pwd", "swk"}, want: ACRMFA},
		{name: "hardware passkey with user verification", amr: []string{"hwk", "user"}, want: ACRMFA},
		{name: "synced passkey with user verification", amr: []string{"swk", "user"}, want: ACRMFA},
		{name: "user verification alone is no key", amr: []string{"user"}, want: ""},
		{name: "explicit mfa", amr: []string{"pwd", "mfa"}, want: ACRMFA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ACRFromAMR(tc.amr); got != tc.want {
				t.Errorf("ACRFromAMR(%v) = %q, want %q", tc.amr, got, tc.want)
			}
		})
	}
}

func TestStrongerACRAndWithMFA(t *testing.T) {
	if got := StrongerACR(ACRCertificate, ACRMFA); got != ACRCertificate {
		t.Errorf("a certificate session with a second factor fell to %q", got)
	}
	if got := StrongerACR(ACRPassword, ACRMFA); got != ACRMFA {
		t.Errorf("password then mfa gave %q", got)
	}
	if got := StrongerACR("", ACRPassword); got != ACRPassword {
		t.Errorf("empty then password gave %q", got)
	}
	if got := WithMFA([]string{"pwd"}, []string{"otp", "pwd"}); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Errorf("WithMFA = %v", got)
	}
	if got := ACRFromAMR(WithMFA([]string{"pwd"}, []string{"sms", "otp"})); got != ACRMFA {
		t.Errorf("password then sms is %q", got)
	}
}
