package certauth

import (
	"context"
	"crypto/x509"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vhod-id/vhod/certauth/certtest"
)

type pki struct {
	root, inter *certtest.CA
	anchors     []Anchor
}

func newPKI(t *testing.T, key string) pki {
	root := certtest.NewRoot(t, certtest.Options{Key: key})
	inter := root.Intermediate(t, certtest.Options{Key: key})
	return pki{root: root, inter: inter, anchors: []Anchor{{Cert: root.Cert}}}
}

func TestGeneratedChains(t *testing.T) {
	ctx := context.Background()
	for _, key := range []string{"ecdsa", "rsa"} {
		t.Run(key, func(t *testing.T) {
			p := newPKI(t, key)
			v := New(Config{Anchors: p.anchors})
			pool := []*x509.Certificate{p.inter.Cert}
			check := func(name string, leaf *x509.Certificate, purpose Purpose, want Reason) {
				t.Helper()
				_, err := v.Verify(ctx, leaf, pool, purpose)
				if want == "" && err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if want != "" && ReasonOf(err) != want {
					t.Errorf("%s: got %v, want %s", name, err, want)
				}
			}
			good, _ := p.inter.Leaf(t, certtest.Options{Key: key})
			check("valid", good, PurposeSigning, "")
			check("valid for TLS", good, PurposeClientAuth, "")
			expired, _ := p.inter.Leaf(t, certtest.Options{Key: key, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
			check("expired", expired, PurposeSigning, ReasonExpired)
			future, _ := p.inter.Leaf(t, certtest.Options{Key: key, NotBefore: time.Now().Add(24 * time.Hour)})
			check("not yet valid", future, PurposeSigning, ReasonExpired)
			encipher, _ := p.inter.Leaf(t, certtest.Options{Key: key, KeyUsage: x509.KeyUsageKeyEncipherment})
			check("key may not sign", encipher, PurposeSigning, ReasonKeyUsage)
			server, _ := p.inter.Leaf(t, certtest.Options{Key: key, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			check("server certificate for TLS client auth", server, PurposeClientAuth, ReasonKeyUsage)
			other := newPKI(t, key)
			stranger, _ := other.inter.Leaf(t, certtest.Options{Key: key})
			check("unknown root", stranger, PurposeSigning, ReasonUntrusted)
			_, err := v.Verify(ctx, good, nil, PurposeSigning)
			if ReasonOf(err) != ReasonUntrusted {
				t.Errorf("without the intermediate: %v", err)
			}
			// A leaf cannot issue: a certificate signed by a leaf's key has no chain.
			good2, goodKey := p.inter.Leaf(t, certtest.Options{Key: key})
			fake := &certtest.CA{Cert: good2, Key: goodKey}
			underLeaf, _ := fake.Leaf(t, certtest.Options{Key: key})
			if _, err := v.Verify(ctx, underLeaf, []*x509.Certificate{p.inter.Cert, good2}, PurposeSigning); ReasonOf(err) != ReasonUntrusted {
				t.Errorf("issued by a leaf: %v", err)
			}
			expiredInter := p.root.Intermediate(t, certtest.Options{Key: key, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
			underExpired, _ := expiredInter.Leaf(t, certtest.Options{Key: key})
			if _, err := v.Verify(ctx, underExpired, []*x509.Certificate{expiredInter.Cert}, PurposeSigning); ReasonOf(err) != ReasonExpired {
				t.Errorf("under an expired intermediate: %v", err)
			}
		})
	}
}

// CMS round trips for every key type Sign makes, through Verify's checks.
func TestSignAndVerifyCMS(t *testing.T) {
	ctx := context.Background()
	for _, key := range []string{"ecdsa", "p384", "rsa", "ed25519"} {
		t.Run(key, func(t *testing.T) {
			p := newPKI(t, "ecdsa")
			leaf, priv := p.inter.Leaf(t, certtest.Options{Key: key})
			v := New(Config{Anchors: p.anchors})
			content := []byte(NewChallenge("id.example", time.Now()))
			for _, detached := range []bool{true, false} {
				sig, err := Sign(content, leaf, priv, SignOptions{Detached: detached, Chain: []*x509.Certificate{p.inter.Cert}})
				if err != nil {
					t.Fatal(err)
				}
				s, err := v.VerifyCMS(ctx, sig, ChallengeContents(string(content)))
				if err != nil {
					t.Fatalf("detached=%v: %v", detached, err)
				}
				if s.Fingerprint != Fingerprint(leaf) {
					t.Error("fingerprint of another certificate")
				}
			}
			if key == "rsa" {
				pss, err := Sign(content, leaf, priv, SignOptions{Detached: true, PSS: true, Chain: []*x509.Certificate{p.inter.Cert}})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := v.VerifyCMS(ctx, pss, ChallengeContents(string(content))); err != nil {
					t.Fatalf("RSASSA-PSS: %v", err)
				}
			}
			old, _ := Sign(content, leaf, priv, SignOptions{Detached: true, Chain: []*x509.Certificate{p.inter.Cert}, Time: time.Now().Add(-time.Hour)})
			if _, err := v.VerifyCMS(ctx, old, ChallengeContents(string(content))); ReasonOf(err) != ReasonSigningTime {
				t.Errorf("an hour-old signature: %v", err)
			}
			future, _ := Sign(content, leaf, priv, SignOptions{Detached: true, Chain: []*x509.Certificate{p.inter.Cert}, Time: time.Now().Add(time.Hour)})
			if _, err := v.VerifyCMS(ctx, future, ChallengeContents(string(content))); ReasonOf(err) != ReasonSigningTime {
				t.Errorf("a signature from the future: %v", err)
			}
		})
	}
}

func TestRevocationByCRL(t *testing.T) {
	ctx := context.Background()
	var fetches atomic.Int64
	var crl atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Write(crl.Load().([]byte))
	}))
	defer srv.Close()
	root := certtest.NewRoot(t, certtest.Options{})
	root.CRLURL = srv.URL + "/root.crl"
	leafOK, _ := root.Leaf(t, certtest.Options{})
	leafRevoked, _ := root.Leaf(t, certtest.Options{})
	crl.Store(root.CRL(t, leafRevoked))
	v := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, FetchCRL: true})
	if _, err := v.Verify(ctx, leafOK, nil, PurposeSigning); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, leafRevoked, nil, PurposeSigning); ReasonOf(err) != ReasonRevoked {
		t.Fatalf("revoked: %v", err)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("CRL fetched %d times, want 1 (cached until nextUpdate)", n)
	}

	// A CRL signed by another CA is not believed; with nothing else, status is unknown.
	stranger := certtest.NewRoot(t, certtest.Options{})
	fresh := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, FetchCRL: true})
	crl.Store(stranger.CRL(t))
	if _, err := fresh.Verify(ctx, leafOK, nil, PurposeSigning); ReasonOf(err) != ReasonRevocationUnknown {
		t.Fatalf("foreign CRL: %v", err)
	}

	// A CRL from a file, and from a mirror folder standing in for the URL.
	fromFile, _ := ParseCRL(root.CRL(t, leafRevoked))
	offline := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, CRLs: []*x509.RevocationList{fromFile}})
	if _, err := offline.Verify(ctx, leafRevoked, nil, PurposeSigning); ReasonOf(err) != ReasonRevoked {
		t.Fatalf("CRL file: %v", err)
	}
	if _, err := offline.Verify(ctx, leafOK, nil, PurposeSigning); err != nil {
		t.Fatalf("CRL file, good certificate: %v", err)
	}
	mirror := t.TempDir()
	if err := os.WriteFile(filepath.Join(mirror, "root.crl"), root.CRL(t, leafRevoked), 0o600); err != nil {
		t.Fatal(err)
	}
	mirrored := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, FetchCRL: true, Mirror: mirror})
	before := fetches.Load()
	if _, err := mirrored.Verify(ctx, leafRevoked, nil, PurposeSigning); ReasonOf(err) != ReasonRevoked {
		t.Fatalf("mirror: %v", err)
	}
	if fetches.Load() != before {
		t.Error("the mirror went to the network")
	}

	// Too large a CRL is refused, not read to the end.
	crl.Store(make([]byte, 2048))
	small := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, FetchCRL: true, MaxCRLBytes: 1024})
	if _, err := small.Verify(ctx, leafOK, nil, PurposeSigning); ReasonOf(err) != ReasonRevocationUnknown {
		t.Fatalf("oversized CRL: %v", err)
	}
}

func TestRevocationByOCSP(t *testing.T) {
	ctx := context.Background()
	root := certtest.NewRoot(t, certtest.Options{})
	var revokedSerial atomic.Pointer[big.Int]
	var requests atomic.Int64
	srv := httptest.NewServer(root.OCSPHandler(t, func(s *big.Int) int {
		if r := revokedSerial.Load(); r != nil && r.Cmp(s) == 0 {
			return ocsp.Revoked
		}
		return ocsp.Good
	}, &requests))
	defer srv.Close()
	root.OCSPURL = srv.URL
	good, _ := root.Leaf(t, certtest.Options{})
	bad, _ := root.Leaf(t, certtest.Options{})
	revokedSerial.Store(bad.SerialNumber)
	v := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, OCSP: true})
	if _, err := v.Verify(ctx, good, nil, PurposeSigning); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, bad, nil, PurposeSigning); ReasonOf(err) != ReasonRevoked {
		t.Fatalf("revoked by OCSP: %v", err)
	}
	v.Verify(ctx, good, nil, PurposeSigning)
	if n := requests.Load(); n != 2 {
		t.Errorf("%d OCSP requests, want 2 (answers cached)", n)
	}
}

// The responder is down: refused by default, accepted when the policy fails open.
func TestResponderDown(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	root := certtest.NewRoot(t, certtest.Options{})
	root.OCSPURL = url + "/ocsp"
	root.CRLURL = url + "/root.crl"
	leaf, _ := root.Leaf(t, certtest.Options{})
	closed := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, OCSP: true, FetchCRL: true})
	if _, err := closed.Verify(ctx, leaf, nil, PurposeSigning); ReasonOf(err) != ReasonRevocationUnknown {
		t.Fatalf("fail closed: %v", err)
	}
	open := New(Config{Anchors: []Anchor{{Cert: root.Cert}}, OCSP: true, FetchCRL: true, FailOpen: true})
	if _, err := open.Verify(ctx, leaf, nil, PurposeSigning); err != nil {
		t.Fatalf("fail open: %v", err)
	}
}
