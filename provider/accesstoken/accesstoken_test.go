package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

const issuer = "https://id.example"

// testKey is one ES256 key, as signing key and as published key.
type testKey struct{ priv *ecdsa.PrivateKey }

func (k testKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k testKey) Algorithm() jose.SignatureAlgorithm          { return jose.ES256 }
func (k testKey) ID() string                                  { return "k1" }
func (k testKey) Use() string                                 { return "sig" }
func (k testKey) Key() any                                    { return k.priv }

type published []op.Key

func (p published) Published(context.Context) ([]op.Key, error) { return p, nil }

type publicKey struct{ testKey }

func (k publicKey) Key() any { return &k.priv.PublicKey }

// TestSignedTokenReadsBack: every claim Sign writes, Verify reads back, so
// userinfo and revocation work from the token alone.
func TestSignedTokenReadsBack(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now().Truncate(time.Second)
	at := storage.AccessToken{ID: "jti1", CreatedAt: now, ExpiresAt: now.Add(time.Hour), Grant: storage.Grant{
		ClientID: "shop", Subject: "u1", Audience: []string{"shop", "api"}, Scopes: []string{"openid", "profile"},
		Family: "g1", SessionID: "s1", OrgID: "o1", JKT: "jkt", X5T: "x5t", UILocale: "en", ACR: "1", AMR: []string{"pwd"},
		AuthTime: now, Certificate: &storage.CertificateRef{SHA256: "abc"}}}
	raw, err := Sign(testKey{priv}, issuer, at, &orgs.Claims{})
	if err != nil {
		t.Fatal(err)
	}
	keys := published{publicKey{testKey{priv}}}
	got, ok := Verify(t.Context(), raw, issuer, keys)
	if !ok {
		t.Fatal("own token refused")
	}
	g := got.Grant
	if got.ID != "jti1" || !got.ExpiresAt.Equal(at.ExpiresAt) || !got.CreatedAt.Equal(now) || g.ClientID != "shop" || g.Subject != "u1" ||
		len(g.Audience) != 2 || len(g.Scopes) != 2 || g.Family != "g1" || g.SessionID != "s1" || g.OrgID != "o1" ||
		g.JKT != "jkt" || g.X5T != "x5t" || g.UILocale != "en" || g.Certificate == nil || g.Certificate.SHA256 != "abc" {
		t.Fatalf("read back %+v", got)
	}
	if _, ok := Verify(t.Context(), raw, "https://other.example", keys); ok {
		t.Fatal("token of another issuer accepted")
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, ok := Verify(t.Context(), raw, issuer, published{publicKey{testKey{other}}}); ok {
		t.Fatal("token verified with a key that did not sign it")
	}
	// Another JWT of the issuer (typed JWT, as an ID token) is no access token.
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	jws, _ := signer.Sign([]byte(`{"iss":"` + issuer + `","jti":"x","exp":9999999999}`))
	idToken, _ := jws.CompactSerialize()
	if _, ok := Verify(t.Context(), idToken, issuer, keys); ok {
		t.Fatal("a JWT not typed at+jwt accepted")
	}
	for _, raw := range []string{"", "opaque", "a.b.c"} {
		if _, ok := Verify(t.Context(), raw, issuer, keys); ok {
			t.Fatalf("%q accepted", raw)
		}
	}
}

func TestCnf(t *testing.T) {
	if Cnf("", "") != nil {
		t.Fatal("unbound token has a cnf")
	}
	if c := Cnf("j", "x"); c["jkt"] != "j" || c["x5t#S256"] != "x" {
		t.Fatalf("cnf %v", c)
	}
}
