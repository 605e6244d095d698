package certauth

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/vhod-id/vhod/certauth/certtest"
)

// Anchors added at run time trust their chains beside the configured ones,
// and stop trusting them when taken away.
func TestAddedAnchors(t *testing.T) {
	ctx := context.Background()
	configured, added := newPKI(t, "ecdsa"), newPKI(t, "rsa")
	if New(Config{}).HasAnchors() {
		t.Fatal("a verifier without anchors has some")
	}
	if v := New(Config{}); func() bool { v.SetAddedAnchors(added.anchors); return !v.HasAnchors() }() {
		t.Fatal("added anchors not counted")
	}
	v := New(Config{Anchors: configured.anchors})
	leaf, _ := added.inter.Leaf(t, certtest.Options{Key: "rsa"})
	pool := []*x509.Certificate{added.inter.Cert}
	if _, err := v.Verify(ctx, leaf, pool, PurposeSigning); ReasonOf(err) != ReasonUntrusted {
		t.Fatalf("before adding: %v", err)
	}
	v.SetAddedAnchors([]Anchor{{Cert: added.root.Cert, Qualified: true}})
	res, err := v.Verify(ctx, leaf, pool, PurposeSigning)
	if err != nil || !res.Qualified {
		t.Fatalf("after adding: %v %+v", err, res)
	}
	if n := len(v.Anchors()); n != 2 {
		t.Fatalf("Anchors() has %d, want 2", n)
	}
	own, _ := configured.inter.Leaf(t, certtest.Options{Key: "ecdsa"})
	if _, err := v.Verify(ctx, own, []*x509.Certificate{configured.inter.Cert}, PurposeSigning); err != nil {
		t.Fatalf("configured anchor after adding another: %v", err)
	}
	v.SetAddedAnchors(nil)
	if _, err := v.Verify(ctx, leaf, pool, PurposeSigning); ReasonOf(err) != ReasonUntrusted {
		t.Fatalf("after removal: %v", err)
	}
}
