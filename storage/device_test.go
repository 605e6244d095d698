package storage

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeUserCode(t *testing.T) {
	for in, want := range map[string]string{
		"BCDF-GHJK":                    "BCDFGHJK",
		"bcdf ghjk":                    "BCDFGHJK",
		" bcdf–ghjk\n":                 "BCDFGHJK",
		"":                             "",
		"ЖЖЖЖ-1234":                    "1234",
		"<script>x":                    "SCRIPTX",
		"a" + strings.Repeat("b", 100): "A" + strings.Repeat("B", 31),
	} {
		if got := NormalizeUserCode(in); got != want {
			t.Errorf("NormalizeUserCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalizeUserCode(f *testing.F) {
	f.Add("BCDF-GHJK")
	f.Add("ж\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeUserCode(s)
		if len(got) > 32 || !utf8.ValidString(got) || strings.Trim(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Fatalf("NormalizeUserCode(%q) = %q", s, got)
		}
		if NormalizeUserCode(got) != got {
			t.Fatalf("not idempotent on %q", s)
		}
	})
}
