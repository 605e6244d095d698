package directory

import (
	"strings"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

func TestIdentifierKey(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
		wantErr           bool
	}{
		{name: "login", input: "Ivanov", want: "login:ivanov"},
		{name: "login with digits", input: "ivan2000", want: "login:ivan2000"},
		{name: "email", input: " Ivanov@Example.com ", want: "email:ivanov@example.com"},
		{name: "phone with 8 and brackets", input: "8 (909) 000-00-00", want: "phone:+79090000000"},
		{name: "phone +7 with spaces", input: "+7 909 000 00 00", want: "phone:+79090000000"},
		{name: "phone 8 digits only", input: "89090000000", want: "phone:+79090000000"},
		{name: "phone 7 digits only", input: "79090000000", want: "phone:+79090000000"},
		{name: "phone ten digits", input: "9090000000", want: "phone:+79090000000"},
		{name: "phone dashes", input: "+7-909-000-00-00", want: "phone:+79090000000"},
		{name: "foreign phone", input: "+44 20 7946 0958", want: "phone:+442079460958"},
		{name: "digits that are no phone stay a login", input: "1234567890123", want: "login:1234567890123"},
		{name: "empty", input: "  ", wantErr: true},
		{name: "bad email", input: "a@@b", wantErr: true},
		{name: "space in login", input: "ivan ivanov", wantErr: true},
		{name: "colon in login", input: "phone:+7909", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := IdentifierKey(tc.input)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("IdentifierKey(%q) = %q, want an error", tc.input, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("IdentifierKey(%q) = %q, %v; want %q", tc.input, got, err, tc.want)
			}
		})
	}
}

func FuzzIdentifierKey(f *testing.F) {
	for _, s := range []string{"ivanov", "8 (909) 000-00-00", "a@b.c", "+7 909", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := IdentifierKey(s)
		if err != nil {
			return
		}
		// A key is a fixed point: normalising its own value gives the value back.
		kind, value, _ := strings.Cut(key, ":")
		norm := map[string]func(string) (string, error){"login": NormalizeLogin, "email": NormalizeEmail, "phone": NormalizePhone}[kind]
		if norm == nil {
			t.Fatalf("unknown kind in %q", key)
		}
		if again, err := norm(value); err != nil || again != value {
			t.Fatalf("%q → %q, renormalised %q, %v", s, key, again, err)
		}
	})
}

func TestContractNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"лс 12-345", "ЛС12345"}, {"ЛС12345", "ЛС12345"}, {" 7700/15 ", "7700/15"}, {"A.1-b", "A.1B"},
	} {
		if got, err := NormalizeContract(tc.in); err != nil || got != tc.want {
			t.Errorf("NormalizeContract(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "  ", "a;b", "--"} {
		if _, err := NormalizeContract(bad); err == nil {
			t.Errorf("NormalizeContract(%q) accepted", bad)
		}
	}
	keys, _ := CandidateKeys("1234567890123")
	if len(keys) != 2 || keys[0] != "login:1234567890123" || keys[1] != "contract:1234567890123" {
		t.Fatalf("candidates %v", keys)
	}
	if keys, _ := CandidateKeys("лс 12-345"); len(keys) != 1 || keys[0] != "contract:ЛС12345" {
		t.Fatalf("a spaced contract number: %v", keys)
	}
	if keys, _ := CandidateKeys("a@b.ru"); len(keys) != 1 {
		t.Fatalf("an email is never a contract: %v", keys)
	}
}

func FuzzCandidateKeys(f *testing.F) {
	for _, s := range []string{"лс 12-345", "1234567890123", "a@b.ru", "7700/15", " - ", "ǅ", "ß"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := CandidateKeys(s)
		if err != nil {
			if len(keys) != 0 {
				t.Fatalf("%q: keys %v with error %v", s, keys, err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatalf("%q: no keys and no error", s)
		}
		for _, key := range keys {
			kind, value, _ := strings.Cut(key, ":")
			if kind != storage.IdentContract {
				continue
			}
			// A stored contract number is found again when typed as stored.
			if again, err := NormalizeContract(value); err != nil || again != value {
				t.Fatalf("%q → %q, renormalised %q, %v", s, key, again, err)
			}
		}
	})
}
