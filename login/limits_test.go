package login

import (
	"slices"
	"testing"

	"github.com/vhod-id/vhod/directory/orgs"
)

// TestLimitKeysContractRespellingsShareOneCounter: every spelling of one contract
// number counts under one key, in the accountant sign-in (INN, contract, PIN), in
// activation, and in the password form (where the lookup also tries contract
// numbers); else each spelling would get its own allowance of guesses.
func TestLimitKeysContractRespellingsShareOneCounter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		spellings []string
	}{
		{"dashes and spaces", []string{"Д-15", "Д 15", "Д--1-5", "д15", " д - 1 5 "}},
		{"slash and letters", []string{"Д-2026/15", "д 2026/15", "Д2026/1-5"}},
		{"latin", []string{"LS-12345", "ls 12 345", "Ls12345"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.spellings[0]
			acc := orgs.AccountantLimitKey("7728824599", first)
			act := contractKeys(first)
			pwd := identKeys(first)
			for _, s := range tc.spellings[1:] {
				if got := orgs.AccountantLimitKey(" 7728824599 ", s); got != acc {
					t.Errorf("accountant sign-in: %q counts under %q, %q under %q", first, acc, s, got)
				}
				if got := contractKeys(s); !slices.Equal(got, act) {
					t.Errorf("activation: %q counts under %q, %q under %q", first, act, s, got)
				}
				if got := identKeys(s); !slices.ContainsFunc(got, func(k string) bool { return slices.Contains(pwd, k) }) {
					t.Errorf("password: %q counts under %q, %q under %q: no key shared", first, pwd, s, got)
				}
			}
		})
	}
	// Another contract or company is another counter.
	if orgs.AccountantLimitKey("7728824599", "Д-15") == orgs.AccountantLimitKey("7728824599", "Д-16") ||
		orgs.AccountantLimitKey("7728824599", "Д-15") == orgs.AccountantLimitKey("7707083893", "Д-15") {
		t.Error("different contracts share a counter")
	}
}
