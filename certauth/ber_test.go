package certauth

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/fixtures"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestBERToDER(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		limit          bool // refused as too complex, not as malformed
	}{
		{name: "definite primitive", in: "04 03 61 62 63", want: "04 03 61 62 63"},
		{name: "definite nested", in: "30 06 30 04 02 02 01 00", want: "30 06 30 04 02 02 01 00"},
		{name: "high tag number", in: "3f 81 01 03 02 01 05", want: "3f 81 01 03 02 01 05"},
		{name: "indefinite", in: "30 80 02 01 05 00 00", want: "30 03 02 01 05"},
		{name: "indefinite nested", in: "30 80 a0 80 30 80 02 01 05 00 00 00 00 04 00 00 00",
			want: "30 09 a0 05 30 03 02 01 05 04 00"},
		{name: "long-form length made short", in: "04 82 00 02 61 62", want: "04 02 61 62"},
		{name: "long-form length kept", in: "04 81 80" + strings.Repeat(" 61", 128), want: "04 81 80" + strings.Repeat(" 61", 128)},
		{name: "indefinite with a long child", in: "30 80 04 81 80" + strings.Repeat(" 61", 128) + " 00 00",
			want: "30 81 83 04 81 80" + strings.Repeat(" 61", 128)},
		{name: "constructed string flattened", in: "24 80 04 02 61 62 04 01 63 00 00", want: "04 03 61 62 63"},
		{name: "constructed string nested", in: "24 80 04 01 61 24 80 04 01 62 00 00 24 03 04 01 63 00 00", want: "04 03 61 62 63"},
		{name: "constructed string in a sequence", in: "30 80 24 80 04 01 61 00 00 02 01 01 00 00", want: "30 06 04 01 61 02 01 01"},
		{name: "constructed implicit tag kept", in: "a0 80 04 01 61 00 00", want: "a0 03 04 01 61"},
		{name: "trailing zeros and newline", in: "30 00 00 00 0a", want: "30 00"},

		{name: "empty"},
		{name: "truncated tag", in: "1f 81"},
		{name: "truncated length", in: "04 82 01"},
		{name: "truncated content", in: "04 05 61 62"},
		{name: "truncated child", in: "30 05 04 04 61"},
		{name: "missing end-of-contents", in: "30 80 02 01 05"},
		{name: "missing inner end-of-contents", in: "30 80 30 80 02 01 05 00 00"},
		{name: "stray end-of-contents", in: "30 04 00 00 02 00"},
		{name: "indefinite primitive", in: "04 80 61 00 00"},
		{name: "length of five bytes", in: "04 85 00 00 00 00 01 61"},
		{name: "length beyond the end", in: "04 84 7f ff ff ff 61"},
		{name: "tag number too large", in: "1f ff ff ff ff 01 00"},
		{name: "integer in a constructed string", in: "24 80 02 01 01 00 00"},
		{name: "trailing data", in: "30 00 30 00"},
		{name: "depth overflow", in: strings.Repeat("30 80 ", maxBERDepth+1) + strings.Repeat("00 00 ", maxBERDepth+1), limit: true},
		{name: "too many elements", in: "30 80" + strings.Repeat(" 05 00", maxBERElements) + " 00 00", limit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := berToDER(unhex(tc.in))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("converted to % x, want an error", got)
				}
				if errors.Is(err, errTooComplex) != tc.limit {
					t.Fatalf("error %v, limit %v", err, tc.limit)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, unhex(tc.want)) {
				t.Fatalf("got  % x\nwant % x", got, unhex(tc.want))
			}
		})
	}
	// At the limits, not over them.
	if _, err := berToDER(unhex(strings.Repeat("30 80 ", maxBERDepth) + strings.Repeat("00 00 ", maxBERDepth))); err != nil {
		t.Fatalf("depth %d refused: %v", maxBERDepth, err)
	}
	if _, err := berToDER(unhex("30 80" + strings.Repeat(" 05 00", maxBERElements-1) + " 00 00")); err != nil {
		t.Fatalf("%d elements refused: %v", maxBERElements, err)
	}
}

// Every DER fixture comes out of the converter unchanged, and the BER one as
// the DER one of the same signature.
func TestBERToDERKeepsDER(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures.Dir(t), "cms", "*.der"))
	for _, name := range files {
		in, _ := os.ReadFile(name)
		out, err := berToDER(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasSuffix(name, "-ber.der") && !bytes.Equal(in, out) {
			t.Errorf("%s changed", filepath.Base(name))
		}
	}
	ber := fixtures.Read(t, "cms/gost-director-attached-ber.der")
	der, err := berToDER(ber)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := berToDER(der); !bytes.Equal(der, again) {
		t.Fatal("the converter's output is not DER")
	}
}

// berBombs are inputs of n bytes (the size limit in the tests, a few
// kilobytes as fuzz seeds) built to be slow to parse.
func berBombs(n int) map[string][]byte {
	nested := bytes.Repeat([]byte{0x30, 0x80}, n/2)
	// Zero bytes everywhere but never two together: a search for
	// end-of-contents ahead of the reader stops at every other byte.
	flat := append([]byte{0x30, 0x80}, bytes.Repeat([]byte{0x04, 0x01, 0x00}, (n-2)/3)...)
	strs := append([]byte{0x30, 0x80, 0x24, 0x80}, bytes.Repeat([]byte{0x24, 0x80, 0x04, 0x00}, (n-2)/4)...)
	// Definite lengths: DER-shaped, and as deep.
	var lengths []int
	for l := 0; l+6 < n-2; l += 6 {
		lengths = append(lengths, l)
	}
	definite := []byte{0x30, 0x80}
	for i := len(lengths) - 1; i >= 0; i-- {
		l := lengths[i]
		definite = append(definite, 0x24, 0x84, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
	b64 := []byte(base64.StdEncoding.EncodeToString(flat[:n*3/4]))
	pemmed := pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: nested[:n*3/4]})
	return map[string][]byte{
		"indefinite nesting":        nested,
		"indefinite flat":           flat,
		"constructed strings":       strs,
		"definite nesting":          definite,
		"base64":                    b64,
		"pem":                       pemmed,
		"pem headers without end":   bytes.Repeat([]byte("-----BEGIN CMS-----\n"), n/20),
		"indefinite nesting closed": append(bytes.Repeat([]byte{0x30, 0x80}, n/4), bytes.Repeat([]byte{0, 0}, n/4)...),
	}
}

// A 256 KiB BER bomb is refused for a few milliseconds of CPU; go-cryptobin's
// Ber2der spent 0.5 to 1.5 s on each. The bound is the process's CPU time (not
// the wall clock, which other load stretches) and generous.
func TestBERBombBoundedCPU(t *testing.T) {
	const budget = 100 * time.Millisecond
	for name, b := range berBombs(MaxCMSBytes) {
		t.Run(name, func(t *testing.T) {
			runtime.GC() // the collector's work for earlier garbage is not this input's
			before := cpuTime()
			_, err := ParseCMS(b)
			spent := cpuTime() - before
			t.Logf("%s, %d bytes: %v of CPU: %v", name, len(b), spent, err)
			if err == nil {
				t.Fatal("a bomb parsed")
			}
			if spent > budget {
				t.Fatalf("%v of CPU, budget %v", spent, budget)
			}
		})
	}
	// The converter's limits surface as their own reason, with a sentence of their own.
	if _, err := ParseCMS(berBombs(MaxCMSBytes)["indefinite nesting"]); ReasonOf(err) != ReasonTooLarge {
		t.Fatalf("reason %v, want %v", ReasonOf(err), ReasonTooLarge)
	}
}

func BenchmarkBERBomb(b *testing.B) {
	for name, in := range berBombs(MaxCMSBytes) {
		b.Run(strings.ReplaceAll(name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				ParseCMS(in)
			}
		})
	}
}

func BenchmarkBERToDER(b *testing.B) {
	in := fixtures.Read(b, "cms/gost-director-attached-ber.der")
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := berToDER(in); err != nil {
			b.Fatal(err)
		}
	}
}
