package accesstoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

type anyKey struct {
	alg  jose.SignatureAlgorithm
	kid  string
	priv crypto.Signer
}

func (k anyKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k anyKey) ID() string                                  { return k.kid }
func (k anyKey) Key() any                                    { return k.priv }

// The compact signer writes what go-jose writes: the same header and payload
// segments, and a signature go-jose verifies with the public key.
func TestCompactIsGoJOSE(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	payload := []byte(`{"iss":"https://id.example","jti":"j\u003c1","sub":"Ω"}`)
	for _, k := range []anyKey{{jose.ES256, "k1", ec}, {jose.EdDSA, `k"2/ю`, ed}} {
		got, ok, err := compact(k, payload)
		if !ok || err != nil {
			t.Fatalf("%s: %v %v", k.alg, ok, err)
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}},
			(&jose.SignerOptions{}).WithType(Type))
		if err != nil {
			t.Fatal(err)
		}
		jws, _ := signer.Sign(payload)
		want, _ := jws.CompactSerialize()
		g, w := strings.Split(got, "."), strings.Split(want, ".")
		if g[0] != w[0] || g[1] != w[1] || len(g[2]) != len(w[2]) {
			t.Fatalf("%s:\n got %s\nwant %s", k.alg, got, want)
		}
		parsed, err := jose.ParseSigned(got, []jose.SignatureAlgorithm{k.alg})
		if err != nil {
			t.Fatal(err)
		}
		out, err := parsed.Verify(k.priv.Public())
		if err != nil || string(out) != string(payload) {
			t.Fatalf("%s: does not verify: %v", k.alg, err)
		}
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, ok, _ := compact(anyKey{jose.RS256, "k3", rsaKey}, payload); ok {
		t.Fatal("RS256 is go-jose's")
	}
	if _, ok, _ := compact(anyKey{jose.ES384, "k4", ec}, payload); ok {
		t.Fatal("an algorithm that is not the key's was signed")
	}
}

// TestRawSignatureAsBigInts: R and S written from the DER signature are the
// integers ecdsa.Sign returns, for short ones too; malformed DER is refused.
func TestRawSignatureAsBigInts(t *testing.T) {
	for _, c := range []struct{ r, s string }{{"1", "2"}, {"ff", "7f"}, {strings.Repeat("ff", 32), strings.Repeat("01", 32)}, {"00ff", "01"}} {
		r, _ := new(big.Int).SetString(c.r, 16)
		s, _ := new(big.Int).SetString(c.s, 16)
		der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		if err != nil {
			t.Fatal(err)
		}
		var got, want [64]byte
		r.FillBytes(want[:32])
		s.FillBytes(want[32:])
		if !rawSignature(der, &got) || got != want {
			t.Errorf("R %s S %s: %x, want %x", c.r, c.s, got, want)
		}
	}
	long, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)})
	negative, _ := asn1.Marshal(struct{ R, S *big.Int }{big.NewInt(-1), big.NewInt(1)})
	for _, der := range [][]byte{long, negative, {0x30, 0x03, 0x02, 0x01}, nil} {
		var got [64]byte
		if rawSignature(der, &got) {
			t.Errorf("%x was taken", der)
		}
	}
}
