package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/storage"
)

// onceStore is the one part of the store DPoP uses: the shared jti claims.
type onceStore struct {
	Store
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

func dpopFixture(t testing.TB) (*Storage, func(typ string, claims map[string]any) string) {
	s := &Storage{store: &onceStore{seen: map[string]bool{}}, cfg: Config{Issuer: testIssuer}}
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
		{"wrong typ", "JWT", func(map[string]any) {}, errInvalidDPoPProof},
		{"other method", "dpop+jwt", func(m map[string]any) { m["htm"] = "GET" }, errInvalidDPoPProof},
		{"other URL", "dpop+jwt", func(m map[string]any) { m["htu"] = testIssuer + "/userinfo" }, errInvalidDPoPProof},
		{"old", "dpop+jwt", func(m map[string]any) { m["iat"] = now.Add(-5 * time.Minute).Unix() }, errInvalidDPoPProof},
		{"from the future", "dpop+jwt", func(m map[string]any) { m["iat"] = now.Add(5 * time.Minute).Unix() }, errInvalidDPoPProof},
		{"no jti", "dpop+jwt", func(m map[string]any) { delete(m, "jti") }, errInvalidDPoPProof},
		{"no nonce", "dpop+jwt", func(m map[string]any) { delete(m, "nonce") }, errUseDPoPNonce},
		{"stale nonce", "dpop+jwt", func(m map[string]any) { m["nonce"] = s.dpopNonce(now.Unix()/300 - 2) }, errUseDPoPNonce},
		{"previous nonce still good", "dpop+jwt", func(m map[string]any) { m["nonce"] = s.dpopNonce(now.Unix()/300 - 1) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]any{"jti": "j" + string(rune('a'+i)), "htm": "POST", "htu": htu, "iat": now.Unix(), "nonce": s.currentDPoPNonce(now)}
			tc.change(m)
			r, _ := http.NewRequest(http.MethodPost, htu, nil)
			r.Header.Set("DPoP", sign(tc.typ, m))
			jkt, err := s.dpopProof(t.Context(), r, htu, "", true)
			switch {
			case tc.code == "" && (err != nil || jkt == ""):
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (err == nil || err.code != tc.code):
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if tc.code == "" {
				if _, again := s.dpopProof(t.Context(), r, htu, "", true); again == nil {
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
		jkt, err := s.dpopProof(context.Background(), r, htu, "", false)
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
		if _, err := s.dpopProof(context.Background(), r, htu, "", false); err != nil {
			b.Fatal(err)
		}
	}
}
