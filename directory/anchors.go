package directory

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/storage"
)

// AnchorInfo is a trust anchor as the API and the console show it.
type AnchorInfo struct {
	ID        string     `json:"id"` // SHA-256 of the certificate, hex
	Subject   string     `json:"subject"`
	Issuer    string     `json:"issuer"`
	Serial    string     `json:"serial"`
	NotBefore time.Time  `json:"not_before"`
	NotAfter  time.Time  `json:"not_after"`
	Key       string     `json:"key"`
	Qualified bool       `json:"qualified"`
	Source    string     `json:"source"` // AnchorFromConfig or AnchorFromAPI
	AddedBy   string     `json:"added_by,omitempty"`
	AddedAt   *time.Time `json:"added_at,omitempty"`
}

// Where an anchor comes from: a file of the configuration, or an operator
// (the API or the console).
const (
	AnchorFromConfig = "config"
	AnchorFromAPI    = "api"
)

// Errors of the trust-anchor operations.
var (
	// ErrConfiguredAnchor: the anchor comes from the configuration files and
	// goes only by editing them.
	ErrConfiguredAnchor = errors.New("the trust anchor comes from the configuration")
	// ErrBadAnchor: what was given is not a usable CA certificate.
	ErrBadAnchor = errors.New("not a usable CA certificate")
)

// AnchorsConfig is what the trust-anchor rules are built with.
type AnchorsConfig struct {
	// Configured are the anchors of the configuration files (read-only here);
	// none when nil.
	Configured func() []certauth.Anchor
	// Changed makes certificate checks use the stored anchors at once (other
	// instances pick them up within their reload period); nil does nothing.
	Changed func(ctx context.Context) error
	// Audit records the changes; nil records nothing.
	Audit *Auditor
	// Now is the clock (an anchor must be valid now); time.Now when nil.
	Now func() time.Time
	// Logger; none when nil.
	Logger *slog.Logger
}

// Anchors holds the rules of the trust anchors operators add at run time:
// what is a usable CA certificate, its fingerprint, the qualified mark, and
// the audit event of each change, whoever makes it (API, console).
type Anchors struct {
	store storage.TrustAnchors
	cfg   AnchorsConfig
}

// NewAnchors makes the trust-anchor rules over st.
func NewAnchors(st storage.TrustAnchors, cfg AnchorsConfig) *Anchors {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Anchors{store: st, cfg: cfg}
}

// msUTC is a time as the store keeps it (milliseconds, UTC), so that what an
// answer shows and what the next read gives agree.
func msUTC(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func describeAnchor(c *x509.Certificate, qualified bool, source string) AnchorInfo {
	return AnchorInfo{ID: certauth.Fingerprint(c), Subject: certauth.DN(c.Subject), Issuer: certauth.DN(c.Issuer),
		Serial: c.SerialNumber.Text(16), NotBefore: msUTC(c.NotBefore), NotAfter: msUTC(c.NotAfter), Key: certauth.KeyDescription(c),
		Qualified: qualified, Source: source}
}

func (s *Anchors) configured() []certauth.Anchor {
	if s.cfg.Configured == nil {
		return nil
	}
	return s.cfg.Configured()
}

// List gives the configured anchors, then the added ones, oldest first.
func (s *Anchors) List(ctx context.Context) ([]AnchorInfo, error) {
	out := []AnchorInfo{}
	for _, a := range s.configured() {
		out = append(out, describeAnchor(a.Cert, a.Qualified, AnchorFromConfig))
	}
	stored, err := s.store.ListTrustAnchors(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range stored {
		c, err := x509.ParseCertificate(st.DER)
		if err != nil {
			continue // cannot happen: Add parsed it
		}
		info := describeAnchor(c, st.Qualified, AnchorFromAPI)
		at := msUTC(st.AddedAt)
		info.AddedBy, info.AddedAt = st.AddedBy, &at
		out = append(out, info)
	}
	return out, nil
}

// Added gives the stored anchors as certificate checks use them. One that
// does not parse is logged and skipped: it must not stop the others.
func (s *Anchors) Added(ctx context.Context) ([]certauth.Anchor, error) {
	stored, err := s.store.ListTrustAnchors(ctx)
	if err != nil {
		return nil, err
	}
	added := make([]certauth.Anchor, 0, len(stored))
	for _, st := range stored {
		c, err := x509.ParseCertificate(st.DER)
		if err != nil {
			s.cfg.Logger.WarnContext(ctx, "a stored trust anchor does not parse; skipped", "anchor", st.ID, "err", err)
			continue
		}
		added = append(added, certauth.Anchor{Cert: c, Qualified: st.Qualified})
	}
	return added, nil
}

// Add trusts a CA certificate given as PEM, base64 or DER. It must be one CA
// certificate that is valid now: ErrBadAnchor otherwise;
// storage.ErrAlreadyExists when it is there (configured or added).
func (s *Anchors) Add(ctx context.Context, data []byte, qualified bool, by Actor) (AnchorInfo, error) {
	c, err := parseAnchor(data)
	if err != nil {
		return AnchorInfo{}, err
	}
	now := s.cfg.Now()
	if now.After(c.NotAfter) || now.Before(c.NotBefore) {
		return AnchorInfo{}, fmt.Errorf("%w: valid from %s to %s", ErrBadAnchor, c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
	}
	info := describeAnchor(c, qualified, AnchorFromAPI)
	if slices.ContainsFunc(s.configured(), func(a certauth.Anchor) bool { return a.Cert.Equal(c) }) {
		return info, storage.ErrAlreadyExists
	}
	at := msUTC(now)
	info.AddedBy, info.AddedAt = by.ID, &at
	if err := s.store.AddTrustAnchor(ctx, storage.TrustAnchor{ID: info.ID, DER: c.Raw, Subject: info.Subject, Qualified: qualified,
		AddedBy: by.ID, AddedAt: at}); err != nil {
		return info, err
	}
	// Recorded once stored: certificate sign-in trusts it from now on, even
	// should this instance's reload fail.
	s.cfg.Audit.Record(ctx, by.Event(EventAnchorChanged, map[string]string{"change": "added", "anchor": info.ID,
		"subject": info.Subject, "qualified": strconv.FormatBool(qualified)}))
	return info, s.changed(ctx)
}

// Remove stops trusting an added anchor: ErrConfiguredAnchor for one of the
// configuration, storage.ErrNotFound for one not there.
func (s *Anchors) Remove(ctx context.Context, id string, by Actor) error {
	if slices.ContainsFunc(s.configured(), func(a certauth.Anchor) bool { return certauth.Fingerprint(a.Cert) == id }) {
		return ErrConfiguredAnchor
	}
	if err := s.store.DeleteTrustAnchor(ctx, id); err != nil {
		return err
	}
	s.cfg.Audit.Record(ctx, by.Event(EventAnchorChanged, map[string]string{"change": "removed", "anchor": id}))
	return s.changed(ctx)
}

func (s *Anchors) changed(ctx context.Context) error {
	if s.cfg.Changed == nil {
		return nil
	}
	return s.cfg.Changed(ctx)
}

// parseAnchor reads exactly one CA certificate given as PEM, base64 or DER;
// anything else is ErrBadAnchor.
func parseAnchor(data []byte) (*x509.Certificate, error) {
	text := strings.TrimSpace(string(data))
	if text != "" && !strings.Contains(text, "-----BEGIN") {
		if der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), "")); err == nil {
			data = der
		}
	}
	certs, err := certauth.ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadAnchor, err)
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%w: %d certificates, give one at a time", ErrBadAnchor, len(certs))
	}
	if c := certs[0]; !c.BasicConstraintsValid || !c.IsCA {
		return nil, fmt.Errorf("%w: %q is not a CA certificate", ErrBadAnchor, c.Subject.CommonName)
	}
	return certs[0], nil
}
