package certauth

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

type cachedCRL struct {
	list    *x509.RevocationList
	err     error
	expires time.Time
}

type cachedOCSP struct {
	status  int // ocsp.Good, ocsp.Revoked
	expires time.Time
}

// failureCacheFor keeps a failed fetch from being retried by every sign-in: a
// distribution point that is down would otherwise cost each person the timeout.
const failureCacheFor = time.Minute

// status is what one source says about a certificate.
type status int

const (
	statusUnknown status = iota
	statusGood
	statusRevoked
)

// checkRevocation asks OCSP (fresher) and then CRLs about cert, issued by issuer.
// With no answer from either, the policy decides: refuse unless FailOpen.
func (v *Verifier) checkRevocation(ctx context.Context, cert, issuer *x509.Certificate) error {
	st := statusUnknown
	if v.cfg.OCSP && len(cert.OCSPServer) > 0 {
		st = v.ocspStatus(ctx, cert, issuer)
	}
	if st == statusUnknown {
		st = v.crlStatus(ctx, cert, issuer)
	}
	switch st {
	case statusRevoked:
		return refuse(ReasonRevoked, "%q (serial %X) is revoked", cert.Subject.CommonName, cert.SerialNumber)
	case statusGood:
		return nil
	}
	if !v.cfg.FetchCRL && !v.cfg.OCSP && len(v.cfg.CRLs) == 0 {
		return nil // revocation checking is off altogether
	}
	if v.cfg.FailOpen {
		v.cfg.Logger.WarnContext(ctx, "certificate status unknown, accepted by policy", "subject", cert.Subject.CommonName, "serial", fmt.Sprintf("%X", cert.SerialNumber))
		return nil
	}
	return refuse(ReasonRevocationUnknown, "no CRL or OCSP answer for %q", cert.Subject.CommonName)
}

// crlStatus looks the certificate up in the configured CRLs of its issuer and in
// the CRLs of its distribution points.
func (v *Verifier) crlStatus(ctx context.Context, cert, issuer *x509.Certificate) status {
	now := v.cfg.Now()
	st := statusUnknown
	judge := func(l *x509.RevocationList) {
		if slices.ContainsFunc(l.RevokedCertificateEntries, func(e x509.RevocationListEntry) bool {
			return e.SerialNumber.Cmp(cert.SerialNumber) == 0 && !e.RevocationTime.After(now)
		}) {
			st = statusRevoked
		} else if st == statusUnknown && (l.NextUpdate.IsZero() || now.Before(l.NextUpdate)) {
			st = statusGood // only a current list vouches for a certificate
		}
	}
	for _, l := range v.cfg.CRLs {
		if v.checkCRL(l, issuer, now) == nil {
			judge(l)
		}
	}
	if st != statusUnknown || !v.cfg.FetchCRL {
		return st // a configured list answered: no need to go out
	}
	for _, u := range cert.CRLDistributionPoints {
		l, err := v.fetchCRL(ctx, u, issuer)
		if err != nil {
			v.cfg.Logger.WarnContext(ctx, "CRL unavailable", "url", u, "err", err)
			continue
		}
		judge(l)
		if st != statusUnknown {
			break
		}
	}
	return st
}

// checkCRL: issued and signed by issuer, and already in force.
func (v *Verifier) checkCRL(l *x509.RevocationList, issuer *x509.Certificate, now time.Time) error {
	if !bytes.Equal(l.RawIssuer, issuer.RawSubject) {
		return errors.New("CRL of another issuer")
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return errors.New("issuer may not sign CRLs")
	}
	if err := v.verified.check(issuer.Raw, l.Raw, func() error {
		return checkSigned(l.Raw, l.RawTBSRevocationList, l.Signature, l.SignatureAlgorithm, issuer)
	}); err != nil {
		return err
	}
	if now.Before(l.ThisUpdate.Add(-5 * time.Minute)) {
		return errors.New("CRL from the future")
	}
	return nil
}

// ParseCRL reads a CRL in DER or PEM.
func ParseCRL(b []byte) (*x509.RevocationList, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	return x509.ParseRevocationList(b)
}

// fetchCRL returns the CRL of a distribution point, cached until its nextUpdate.
func (v *Verifier) fetchCRL(ctx context.Context, u string, issuer *x509.Certificate) (*x509.RevocationList, error) {
	now := v.cfg.Now()
	v.mu.Lock()
	c, ok := v.crls[u]
	v.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.list, c.err
	}
	b, err := v.download(ctx, u)
	var l *x509.RevocationList
	if err == nil {
		l, err = ParseCRL(b)
	}
	if err == nil {
		err = v.checkCRL(l, issuer, now)
	}
	c = cachedCRL{list: l, err: err, expires: now.Add(failureCacheFor)}
	if err == nil {
		c.expires = now.Add(time.Hour)
		if !l.NextUpdate.IsZero() {
			c.expires = l.NextUpdate
		}
	}
	v.mu.Lock()
	v.crls[u] = c
	v.mu.Unlock()
	return l, err
}

// download fetches an http(s) URL, or reads it from the mirror folder.
func (v *Verifier) download(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("not an http URL: %q", raw)
	}
	if v.cfg.Mirror != "" {
		f, err := os.Open(filepath.Join(v.cfg.Mirror, filepath.FromSlash(path.Clean("/"+u.Path))))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readLimited(f, v.cfg.MaxCRLBytes)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", raw, resp.StatusCode)
	}
	return readLimited(resp.Body, v.cfg.MaxCRLBytes)
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}

// ocspStatus asks the certificate's responders. Answers are cached until their
// nextUpdate.
func (v *Verifier) ocspStatus(ctx context.Context, cert, issuer *x509.Certificate) status {
	now := v.cfg.Now()
	key := fmt.Sprintf("%x/%X", issuer.SubjectKeyId, cert.SerialNumber)
	v.mu.Lock()
	c, ok := v.ocsp[key]
	v.mu.Unlock()
	if ok && now.Before(c.expires) {
		return map[int]status{ocsp.Good: statusGood, ocsp.Revoked: statusRevoked}[c.status]
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return statusUnknown
	}
	for _, server := range cert.OCSPServer {
		resp, err := v.askOCSP(ctx, server, req, cert, issuer)
		if err != nil {
			v.cfg.Logger.WarnContext(ctx, "OCSP unavailable", "url", server, "err", err)
			continue
		}
		if resp.Status != ocsp.Good && resp.Status != ocsp.Revoked {
			continue
		}
		expires := now.Add(5 * time.Minute)
		if !resp.NextUpdate.IsZero() {
			expires = resp.NextUpdate
		}
		v.mu.Lock()
		v.ocsp[key] = cachedOCSP{status: resp.Status, expires: expires}
		v.mu.Unlock()
		if resp.Status == ocsp.Revoked {
			return statusRevoked
		}
		return statusGood
	}
	return statusUnknown
}

func (v *Verifier) askOCSP(ctx context.Context, server string, body []byte, cert, issuer *x509.Certificate) (*ocsp.Response, error) {
	if !strings.HasPrefix(server, "http://") && !strings.HasPrefix(server, "https://") {
		return nil, fmt.Errorf("not an http URL: %q", server)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := readLimited(resp.Body, 1<<20)
	if err != nil {
		return nil, err
	}
	r, err := v.parseOCSP(b, cert, issuer)
	if err != nil {
		return nil, err
	}
	now := v.cfg.Now()
	if r.ThisUpdate.After(now.Add(5*time.Minute)) || (!r.NextUpdate.IsZero() && now.After(r.NextUpdate)) {
		return nil, errors.New("OCSP answer out of date")
	}
	return r, nil
}
