package directory

import (
	"testing"
)

func TestOTP(t *testing.T) {
	key := []byte("k")
	seen := map[string]bool{}
	for range 200 {
		c, err := NewOTP()
		if err != nil || len(c) != OTPDigits {
			t.Fatalf("code %q, %v", c, err)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct codes of 200", len(seen))
	}
	h := OTPHash(key, "flow1", "+79090000000", "123456")
	for _, tc := range []struct {
		name, flow, to, code string
		want                 bool
	}{
		{"right", "flow1", "+79090000000", "123456", true},
		{"wrong code", "flow1", "+79090000000", "123457", false},
		{"other flow", "flow2", "+79090000000", "123456", false},
		{"other number", "flow1", "+79091111111", "123456", false},
	} {
		if got := OTPMatches(key, tc.flow, tc.to, tc.code, h); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

func TestWellFormedOTP(t *testing.T) {
	for s, want := range map[string]bool{
		"123456": true, "000000": true, "12345": false, "1234567": false,
		"12345a": false, "": false, "１２３４５６": false, "12 456": false,
	} {
		if got := WellFormedOTP(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}
