package admin

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/storage"
)

// EventAnchorChanged: a trust anchor was added or removed.
const EventAnchorChanged = "trust_anchor.changed"

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
	Source    string     `json:"source"` // "config" (a file of the configuration) or "api"
	AddedBy   string     `json:"added_by,omitempty"`
	AddedAt   *time.Time `json:"added_at,omitempty"`
}

// Errors of the trust-anchor operations.
var (
	// ErrConfiguredAnchor: the anchor comes from the configuration files and
	// goes only by editing them.
	ErrConfiguredAnchor = errors.New("the trust anchor comes from the configuration")
	// ErrBadAnchor: what was given is not a usable CA certificate.
	ErrBadAnchor = errors.New("not a usable CA certificate")
)

// TrustAnchorService holds the trust-anchor operations the API and the
// console share.
type TrustAnchorService struct {
	Store storage.TrustAnchors
	// Configured are the anchors of the configuration files (read-only here).
	Configured func() []certauth.Anchor
	// Changed makes certificate checks use the stored anchors at once (other
	// instances pick them up within their reload period).
	Changed func(ctx context.Context) error
	Now     func() time.Time
}

func describeAnchor(c *x509.Certificate, qualified bool, source string) AnchorInfo {
	return AnchorInfo{ID: certauth.Fingerprint(c), Subject: certauth.DN(c.Subject), Issuer: certauth.DN(c.Issuer),
		Serial: c.SerialNumber.Text(16), NotBefore: ms(c.NotBefore), NotAfter: ms(c.NotAfter), Key: certauth.KeyDescription(c),
		Qualified: qualified, Source: source}
}

// List gives the configured anchors, then the added ones, oldest first.
func (s TrustAnchorService) List(ctx context.Context) ([]AnchorInfo, error) {
	out := []AnchorInfo{}
	if s.Configured != nil {
		for _, a := range s.Configured() {
			out = append(out, describeAnchor(a.Cert, a.Qualified, "config"))
		}
	}
	stored, err := s.Store.ListTrustAnchors(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range stored {
		c, err := x509.ParseCertificate(st.DER)
		if err != nil {
			continue // cannot happen: Add parsed it
		}
		info := describeAnchor(c, st.Qualified, "api")
		at := ms(st.AddedAt)
		info.AddedBy, info.AddedAt = st.AddedBy, &at
		out = append(out, info)
	}
	return out, nil
}

// Add trusts a CA certificate given as PEM, base64 or DER. It must be one CA
// certificate that is valid now. storage.ErrAlreadyExists when it is there.
func (s TrustAnchorService) Add(ctx context.Context, data []byte, qualified bool, by string) (AnchorInfo, error) {
	c, err := parseAnchor(data)
	if err != nil {
		return AnchorInfo{}, err
	}
	now := s.Now()
	if now.After(c.NotAfter) || now.Before(c.NotBefore) {
		return AnchorInfo{}, fmt.Errorf("%w: valid from %s to %s", ErrBadAnchor, c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
	}
	info := describeAnchor(c, qualified, "api")
	if s.Configured != nil && slices.ContainsFunc(s.Configured(), func(a certauth.Anchor) bool { return a.Cert.Equal(c) }) {
		return info, storage.ErrAlreadyExists
	}
	at := ms(now)
	info.AddedBy, info.AddedAt = by, &at
	if err := s.Store.AddTrustAnchor(ctx, storage.TrustAnchor{ID: info.ID, DER: c.Raw, Subject: info.Subject, Qualified: qualified,
		AddedBy: by, AddedAt: at}); err != nil {
		return info, err
	}
	return info, s.changed(ctx)
}

// Remove stops trusting an added anchor.
func (s TrustAnchorService) Remove(ctx context.Context, id string) error {
	if s.Configured != nil && slices.ContainsFunc(s.Configured(), func(a certauth.Anchor) bool { return certauth.Fingerprint(a.Cert) == id }) {
		return ErrConfiguredAnchor
	}
	if err := s.Store.DeleteTrustAnchor(ctx, id); err != nil {
		return err
	}
	return s.changed(ctx)
}

func (s TrustAnchorService) changed(ctx context.Context) error {
	if s.Changed == nil {
		return nil
	}
	return s.Changed(ctx)
}

// parseAnchor reads exactly one CA certificate.
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

func (a *API) mountAnchors(r *mux.Router) {
	r.HandleFunc("/trust-anchors", a.listAnchors).Methods(http.MethodGet)
	r.HandleFunc("/trust-anchors", a.addAnchor).Methods(http.MethodPost)
	r.HandleFunc("/trust-anchors/{id}", a.getAnchor).Methods(http.MethodGet)
	r.HandleFunc("/trust-anchors/{id}", a.removeAnchor).Methods(http.MethodDelete)
}

// TrustAnchors is the API's trust-anchor service.
func (a *API) TrustAnchors() TrustAnchorService {
	return TrustAnchorService{Store: a.cfg.Store, Configured: a.cfg.ConfiguredAnchors, Changed: a.cfg.AnchorsChanged, Now: a.cfg.Now}
}

func (a *API) listAnchors(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	list, err := a.TrustAnchors().List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit must be between 1 and 200")
		return
	}
	slices.SortFunc(list, func(x, y AnchorInfo) int { return strings.Compare(x.ID, y.ID) })
	writeJSON(w, http.StatusOK, paginate(list, func(x AnchorInfo) string { return x.ID }, r.URL.Query().Get("cursor"), limit))
}

func (a *API) getAnchor(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	list, err := a.TrustAnchors().List(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	i := slices.IndexFunc(list, func(x AnchorInfo) bool { return x.ID == mux.Vars(r)["id"] })
	if i < 0 {
		writeProblem(w, http.StatusNotFound, "not-found", "trust anchor not found")
		return
	}
	writeJSON(w, http.StatusOK, list[i])
}

// addAnchor trusts a CA certificate: {"certificate": PEM or base64 DER, "qualified": bool}.
func (a *API) addAnchor(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	var in struct {
		Certificate string `json:"certificate"`
		Qualified   bool   `json:"qualified"`
	}
	if !decode(w, r, &in) {
		return
	}
	info, err := a.TrustAnchors().Add(r.Context(), []byte(in.Certificate), in.Qualified, principalOf(r.Context()).id())
	switch {
	case errors.Is(err, ErrBadAnchor):
		writeProblemFields(w, http.StatusBadRequest, "invalid-anchor", err.Error(), map[string]string{"certificate": err.Error()})
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(w, http.StatusConflict, "conflict", "this certificate is already a trust anchor")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	a.audit(r, storage.AuditEvent{Type: EventAnchorChanged, Details: map[string]string{"change": "added", "anchor": info.ID,
		"subject": info.Subject, "qualified": fmt.Sprint(info.Qualified)}})
	w.Header().Set("Location", "/api/v1/trust-anchors/"+info.ID)
	writeJSON(w, http.StatusCreated, info)
}

func (a *API) removeAnchor(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	id := mux.Vars(r)["id"]
	err := a.TrustAnchors().Remove(r.Context(), id)
	switch {
	case errors.Is(err, ErrConfiguredAnchor):
		writeProblem(w, http.StatusConflict, "configured-anchor", "this trust anchor comes from the configuration file; remove it there")
		return
	case errors.Is(err, storage.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", "trust anchor not found")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	a.audit(r, storage.AuditEvent{Type: EventAnchorChanged, Details: map[string]string{"change": "removed", "anchor": id}})
	w.WriteHeader(http.StatusNoContent)
}
