package certauth

import (
	"bytes"
	"context"
	"crypto/x509"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config is how certificates are checked.
type Config struct {
	Anchors []Anchor
	// CRLs are lists loaded from files; they apply to the certificates of their issuer.
	CRLs []*x509.RevocationList
	// FetchCRL fetches CRLs from the certificates' distribution points; Mirror, when
	// set, is a folder that stands in for every distribution point (closed
	// networks): the URL's path is looked up under it.
	FetchCRL bool
	Mirror   string
	// OCSP asks the responders named in the certificates.
	OCSP bool
	// FailOpen accepts a certificate whose status nobody could tell. Off by
	// default: an unreachable responder must not let a revoked certificate in.
	FailOpen bool
	// HTTPClient fetches CRLs and asks OCSP responders (a 10 s timeout by default).
	HTTPClient *http.Client
	// MaxCRLBytes bounds a fetched CRL (20 MiB by default).
	MaxCRLBytes int64
	// SigningTimeSkew is how far in the future a signingTime may be and how much
	// older than MaxSignatureAge (5 minutes each by default).
	SigningTimeSkew time.Duration
	MaxSignatureAge time.Duration
	Logger          *slog.Logger
	Now             func() time.Time
}

// Verifier checks certificates and signatures against its trust anchors.
type Verifier struct {
	cfg Config

	mu       sync.Mutex
	crls     map[string]cachedCRL // by distribution point
	ocsp     map[string]cachedOCSP
	verified verifiedCache
	// added are anchors added at run time (the admin API's), beside cfg.Anchors.
	added atomic.Pointer[[]Anchor]
}

// SetAddedAnchors replaces the anchors added at run time; the configured ones stay.
// Safe while verifications run: each sees the old or the new set.
func (v *Verifier) SetAddedAnchors(a []Anchor) { v.added.Store(&a) }

// HasAnchors tells whether any CA is trusted (the sign-in pages ask it often).
func (v *Verifier) HasAnchors() bool {
	if len(v.cfg.Anchors) > 0 {
		return true
	}
	a := v.added.Load()
	return a != nil && len(*a) > 0
}

// Anchors are the configured anchors followed by those added at run time.
func (v *Verifier) Anchors() []Anchor {
	out := slices.Clone(v.cfg.Anchors)
	if a := v.added.Load(); a != nil {
		out = append(out, *a...)
	}
	return out
}

// New makes a verifier.
func New(cfg Config) *Verifier {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxCRLBytes == 0 {
		cfg.MaxCRLBytes = 20 << 20
	}
	if cfg.SigningTimeSkew == 0 {
		cfg.SigningTimeSkew = 5 * time.Minute
	}
	if cfg.MaxSignatureAge == 0 {
		cfg.MaxSignatureAge = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, crls: map[string]cachedCRL{}, ocsp: map[string]cachedOCSP{}}
}

// Purpose is what the certificate is used for.
type Purpose int

// Purposes.
const (
	// PurposeSigning: a CMS signature (keyUsage digitalSignature or nonRepudiation).
	PurposeSigning Purpose = iota
	// PurposeClientAuth: a TLS client certificate (digitalSignature; clientAuth when EKU is present).
	PurposeClientAuth
)

// Result is a verified certificate.
type Result struct {
	Leaf *x509.Certificate
	// Chain runs from the leaf to the anchor.
	Chain       []*x509.Certificate
	Qualified   bool
	Fingerprint string // SHA-256 of the leaf, hex
	Subject     Subject
	Key         string // "GOST R 34.10-2012 256", "RSA 2048", …
}

// maxChain bounds path building.
const maxChain = 6

// maxChainCandidates bounds the signatures path building checks. A real chain
// needs one per link; certificates that all claim to issue one another would
// otherwise make the search try every ordering of the pool, and a GOST-512
// check costs milliseconds (crypto/x509 bounds its search the same way).
const maxChainCandidates = 8

// Verify builds a chain from leaf through pool (certificates that came with it)
// to an anchor, and checks validity in time, key usage and revocation.
func (v *Verifier) Verify(ctx context.Context, leaf *x509.Certificate, pool []*x509.Certificate, purpose Purpose) (*Result, error) {
	now := v.cfg.Now()
	chain, anchor, err := v.buildChain(leaf, pool)
	if err != nil {
		return nil, err
	}
	for _, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return nil, refuse(ReasonExpired, "%q is valid from %s to %s", c.Subject.CommonName,
				c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
		}
	}
	if err := checkLeafUsage(leaf, purpose); err != nil {
		return nil, err
	}
	// Every link below the anchor is checked: a revoked issuing CA revokes its leaves.
	for i := 0; i < len(chain)-1; i++ {
		if err := v.checkRevocation(ctx, chain[i], chain[i+1]); err != nil {
			return nil, err
		}
	}
	pub, err := publicKey(leaf)
	if err != nil {
		return nil, err
	}
	return &Result{Leaf: leaf, Chain: chain, Qualified: anchor.Qualified, Fingerprint: Fingerprint(leaf),
		Subject: ReadSubject(leaf), Key: keyDescription(pub)}, nil
}

// buildChain finds a path leaf → … → anchor whose every signature verifies and
// whose every issuer is a CA allowed to sign certificates at that depth.
func (v *Verifier) buildChain(leaf *x509.Certificate, pool []*x509.Certificate) ([]*x509.Certificate, Anchor, error) {
	if len(leaf.UnhandledCriticalExtensions) > 0 {
		return nil, Anchor{}, refuse(ReasonUnsupported, "%q has unknown critical extensions %v", leaf.Subject.CommonName, leaf.UnhandledCriticalExtensions)
	}
	anchors := v.Anchors()
	tried := 0
	try := func(parent, child *x509.Certificate, cas int) bool {
		if !mayIssue(parent, child, cas) || tried >= maxChainCandidates {
			return false
		}
		tried++
		return v.signed(parent, child)
	}
	var walk func(chain []*x509.Certificate) ([]*x509.Certificate, Anchor, bool)
	walk = func(chain []*x509.Certificate) ([]*x509.Certificate, Anchor, bool) {
		c := chain[len(chain)-1]
		cas := len(chain) - 1 // CAs below the next issuer
		for _, a := range anchors {
			if try(a.Cert, c, cas) {
				return append(slices.Clone(chain), a.Cert), a, true
			}
		}
		if len(chain) >= maxChain {
			return nil, Anchor{}, false
		}
		for _, p := range pool {
			if slices.ContainsFunc(chain, p.Equal) || len(p.UnhandledCriticalExtensions) > 0 || !try(p, c, cas) {
				continue
			}
			if found, a, ok := walk(append(chain, p)); ok {
				return found, a, true
			}
		}
		return nil, Anchor{}, false
	}
	chain, a, ok := walk([]*x509.Certificate{leaf})
	if !ok && tried >= maxChainCandidates {
		return nil, Anchor{}, refuse(ReasonUntrusted, "no chain from %q to a trust anchor within %d candidate issuers", leaf.Subject.CommonName, maxChainCandidates)
	}
	if !ok {
		return nil, Anchor{}, refuse(ReasonUntrusted, "no chain from %q (issued by %q) to a trust anchor", leaf.Subject.CommonName, leaf.Issuer.CommonName)
	}
	return chain, a, nil
}

// mayIssue tells whether parent is a CA that could have signed child, with cas
// CAs already between child and the leaf (for pathLenConstraint): the checks
// that cost nothing, before the signature's.
func mayIssue(parent, child *x509.Certificate, cas int) bool {
	if !bytes.Equal(parent.RawSubject, child.RawIssuer) {
		return false
	}
	if len(child.AuthorityKeyId) > 0 && len(parent.SubjectKeyId) > 0 && !bytes.Equal(child.AuthorityKeyId, parent.SubjectKeyId) {
		return false
	}
	if !parent.BasicConstraintsValid || !parent.IsCA {
		return false
	}
	if parent.KeyUsage != 0 && parent.KeyUsage&x509.KeyUsageCertSign == 0 {
		return false
	}
	if parent.MaxPathLen >= 0 && (parent.MaxPathLen > 0 || parent.MaxPathLenZero) && cas > parent.MaxPathLen {
		return false
	}
	return true
}

// signed tells whether parent's key signed child.
func (v *Verifier) signed(parent, child *x509.Certificate) bool {
	return v.verified.check(parent.Raw, child.Raw, func() error {
		return checkSigned(child.Raw, child.RawTBSCertificate, child.Signature, child.SignatureAlgorithm, parent)
	}) == nil
}

// checkLeafUsage: the key must be allowed to sign; a TLS client certificate with
// extended key usages must list clientAuth.
func checkLeafUsage(leaf *x509.Certificate, purpose Purpose) error {
	if leaf.IsCA {
		return refuse(ReasonKeyUsage, "%q is a CA certificate", leaf.Subject.CommonName)
	}
	mask := x509.KeyUsageDigitalSignature
	if purpose == PurposeSigning {
		mask |= x509.KeyUsageContentCommitment
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&mask == 0 {
		return refuse(ReasonKeyUsage, "the key of %q may not sign", leaf.Subject.CommonName)
	}
	if len(leaf.ExtKeyUsage) > 0 || len(leaf.UnknownExtKeyUsage) > 0 {
		ok := slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) || slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		if purpose == PurposeSigning {
			ok = ok || slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageEmailProtection) || len(leaf.UnknownExtKeyUsage) > 0
		}
		if !ok {
			return refuse(ReasonKeyUsage, "%q is not for client authentication", leaf.Subject.CommonName)
		}
	}
	return nil
}
