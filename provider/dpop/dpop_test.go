package dpop

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/storage"
)

const testIssuer = "https://id.example"

// onceStore is the one part of the store DPoP uses: the shared jti claims.
type onceStore struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (o *onceStore) ClaimOnce(_ context.Context, key string, _ time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen[key] {
		return storage.ErrConflict
	}
	o.seen[key] = true
	return nil
}

func dpopFixture(t testing.TB) (*Verifier, func(typ string, claims map[string]any) string) {
	var key32 [32]byte
	key32[0] = 3
	s := New(key32, &onceStore{seen: map[string]bool{}})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sign := func(typ string, claims map[string]any) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{EmbedJWK: true}).WithType(jose.ContentType(typ)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(claims)
		jws, err := signer.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := jws.CompactSerialize()
		return out
	}
	return s, sign
}

// TestDPoPProofRules: each rule of RFC 9449 section 4.3 refuses on its own.
func TestDPoPProofRules(t *testing.T) {
	s, sign := dpopFixture(t)
	htu := testIssuer + "/oauth/token"
	now := time.Now()
	for i, tc := range []struct {
		name   string
		typ    string
		change func(m map[string]any)
		code   string
	}{
		{"valid", "dpop+jwt", func(map[string]any) {}, ""},
		{"query ignored in htu", "dpop+jwt", func(m map[string]any) { m["htu"] = htu + "?x=1" }, ""},
		{"wrong typ", "JWT", func(map[string]any) {}, CodeInvalidProof},
		{"other method", "dpop+jwt", func(m map[string]any) { m["htm"] = "GET" }, CodeInvalidProof},
		{"other URL", "dpop+jwt", func(m map[string]any) { m["htu"] = testIssuer + "/userinfo" }, CodeInvalidProof},
		{"old", "dpop+jwt", func(m map[string]any) { m["iat"] = now.Add(-5 * time.Minute).Unix() }, CodeInvalidProof},
		{"from the future", "dpop+jwt", func(m map[string]any) { m["iat"] = now.Add(5 * time.Minute).Unix() }, CodeInvalidProof},
		{"no jti", "dpop+jwt", func(m map[string]any) { delete(m, "jti") }, CodeInvalidProof},
		{"no nonce", "dpop+jwt", func(m map[string]any) { delete(m, "nonce") }, CodeUseNonce},
		{"stale nonce", "dpop+jwt", func(m map[string]any) { m["nonce"] = s.nonce(now.Unix()/300 - 2) }, CodeUseNonce},
		{"previous nonce still good", "dpop+jwt", func(m map[string]any) { m["nonce"] = s.nonce(now.Unix()/300 - 1) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]any{"jti": "j" + string(rune('a'+i)), "htm": "POST", "htu": htu, "iat": now.Unix(), "nonce": s.Nonce(now)}
			tc.change(m)
			r, _ := http.NewRequest(http.MethodPost, htu, nil)
			r.Header.Set("DPoP", sign(tc.typ, m))
			jkt, err := s.Check(t.Context(), r, htu, "", true)
			var refused *Error
			switch {
			case tc.code == "" && (err != nil || jkt == ""):
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &refused) || refused.Code != tc.code):
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if tc.code == "" {
				if _, again := s.Check(t.Context(), r, htu, "", true); !errors.As(again, &refused) {
					t.Fatal("replayed proof accepted")
				}
			}
		})
	}
}

// FuzzDPoPProof: any DPoP header is refused or accepted without a panic, and
// nothing unsigned passes.
func FuzzDPoPProof(f *testing.F) {
	s, sign := dpopFixture(f)
	htu := testIssuer + "/userinfo"
	f.Add(sign("dpop+jwt", map[string]any{"jti": "x", "htm": "GET", "htu": htu, "iat": time.Now().Unix()}))
	f.Add("eyJhbGciOiJub25lIiwidHlwIjoiZHBvcCtqd3QifQ.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, proof string) {
		r, _ := http.NewRequest(http.MethodGet, htu, nil)
		r.Header.Set("DPoP", proof)
		jkt, err := s.Check(context.Background(), r, htu, "", false)
		if err == nil && jkt == "" {
			t.Fatal("accepted without a key")
		}
	})
}

// BenchmarkDPoPProof: the cost a DPoP proof adds to a token or userinfo call
// (parse, ES256 verification, thumbprint; the jti claim is in memory here).
func BenchmarkDPoPProof(b *testing.B) {
	s, sign := dpopFixture(b)
	htu := testIssuer + "/userinfo"
	r, _ := http.NewRequest(http.MethodGet, htu, nil)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		r.Header.Set("DPoP", sign("dpop+jwt", map[string]any{"jti": strconv.Itoa(i), "htm": "GET", "htu": htu, "iat": time.Now().Unix()}))
		b.StartTimer()
		if _, err := s.Check(context.Background(), r, htu, "", false); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNonceRemembered: the remembered nonce is the step's own, whichever step
// was asked last, and it changes with the step.
func TestNonceRemembered(t *testing.T) {
	var key [32]byte
	key[0] = 1
	v := New(key, nil)
	now := time.Unix(1_800_000_000, 0)
	a := v.Nonce(now)
	if a != v.makeNonce(now.Unix()/300) || v.Nonce(now) != a {
		t.Fatal("the nonce of the step differs")
	}
	if h := v.NonceHeader(now); len(h) != 1 || cap(h) != 1 || h[0] != a {
		t.Fatalf("header %v", h)
	}
	b := v.Nonce(now.Add(nonceStep))
	if b == a || b != v.makeNonce(now.Unix()/300+1) {
		t.Fatal("the next step has the same nonce")
	}
	// An older step asked later (a slow request) gets its own, and the newer stays remembered.
	if v.nonce(now.Unix()/300) != a || v.Nonce(now.Add(nonceStep)) != b {
		t.Fatal("an older step's nonce")
	}
	other := New([32]byte{2}, nil)
	if other.Nonce(now) == a {
		t.Fatal("another key, the same nonce")
	}
}
