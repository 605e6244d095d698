package directory_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// anchorsWorld is the trust-anchor rules on a fresh store, with one anchor of
// the configuration and a service clock.
type anchorsWorld struct {
	a          *directory.Anchors
	st         *mongo.Store
	clock      *clock
	configured *certtest.CA
	reloads    int
}

func newAnchors(t *testing.T) *anchorsWorld {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	w := &anchorsWorld{st: st, clock: &clock{t: time.Now()}, configured: certtest.NewRoot(t, certtest.Options{CommonName: "Configured CA"})}
	audit := directory.NewAuditor(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.a = directory.NewAnchors(st, directory.AnchorsConfig{
		Configured: func() []certauth.Anchor { return []certauth.Anchor{{Cert: w.configured.Cert, Qualified: true}} },
		Changed:    func(context.Context) error { w.reloads++; return nil },
		Audit:      audit, Now: w.clock.now,
	})
	return w
}

func (w *anchorsWorld) events(t *testing.T) []storage.AuditEvent {
	t.Helper()
	list, err := w.st.QueryAudit(t.Context(), storage.AuditQuery{Type: directory.EventAnchorChanged, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

var anchorOperator = directory.Actor{ID: "op-1", IP: "192.0.2.7", Details: map[string]string{"via": "console"}}

// TestAnchorAddListRemove: an added anchor is listed after the configured
// one with who added it, certificate checks get it, and each change writes
// one audit event with the operator and the anchor.
func TestAnchorAddListRemove(t *testing.T) {
	w, ctx := newAnchors(t), t.Context()
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Added CA"})
	info, err := w.a.Add(ctx, certtest.PEM(root.Cert), true, anchorOperator)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != certauth.Fingerprint(root.Cert) || info.Source != directory.AnchorFromAPI || !info.Qualified || info.AddedBy != "op-1" ||
		info.AddedAt == nil || !info.AddedAt.Equal(w.clock.t.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("added: %+v", info)
	}
	if w.reloads != 1 {
		t.Errorf("certificate checks reloaded %d times, want 1", w.reloads)
	}
	list, err := w.a.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if list[0].Source != directory.AnchorFromConfig || list[0].ID != certauth.Fingerprint(w.configured.Cert) || list[0].AddedAt != nil {
		t.Errorf("first listed: %+v, want the configured anchor", list[0])
	}
	if list[1].ID != info.ID || list[1].AddedBy != "op-1" || list[1].Subject != info.Subject {
		t.Errorf("second listed: %+v, want %+v", list[1], info)
	}
	added, err := w.a.Added(ctx)
	if err != nil || len(added) != 1 || !added[0].Cert.Equal(root.Cert) || !added[0].Qualified {
		t.Fatalf("anchors for certificate checks: %+v %v", added, err)
	}
	events := w.events(t)
	if len(events) != 1 {
		t.Fatalf("audit after adding: %+v", events)
	}
	e := events[0]
	if e.Actor != "op-1" || e.IP != "192.0.2.7" || e.Outcome != directory.OutcomeSuccess || e.Details["change"] != "added" ||
		e.Details["anchor"] != info.ID || e.Details["subject"] != info.Subject || e.Details["qualified"] != "true" || e.Details["via"] != "console" {
		t.Errorf("audit event of adding: %+v", e)
	}

	if err := w.a.Remove(ctx, info.ID, anchorOperator); err != nil {
		t.Fatal(err)
	}
	if list, _ := w.a.List(ctx); len(list) != 1 {
		t.Errorf("after removing: %+v", list)
	}
	if err := w.a.Remove(ctx, info.ID, anchorOperator); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("removing again: %v, want not found", err)
	}
	events = w.events(t)
	if len(events) != 2 || w.reloads != 2 {
		t.Fatalf("audit after removing (one removal, one failed attempt): %+v; reloads %d", events, w.reloads)
	}
	removed := events[0]
	if removed.Details["change"] == "added" {
		removed = events[1]
	}
	if removed.Details["change"] != "removed" || removed.Details["anchor"] != info.ID || removed.Actor != "op-1" {
		t.Errorf("audit event of removing: %+v", removed)
	}
}

// TestAnchorRefusals: what is not one CA certificate valid by the service
// clock is refused as ErrBadAnchor, one already trusted as ErrAlreadyExists,
// a configured one cannot be removed; none of them stores or audits anything.
func TestAnchorRefusals(t *testing.T) {
	w, ctx := newAnchors(t), t.Context()
	root := certtest.NewRoot(t, certtest.Options{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)})
	leaf, _ := root.Leaf(t, certtest.Options{})
	for name, data := range map[string][]byte{
		"a leaf": certtest.PEM(leaf), "garbage": []byte("not a certificate"), "empty": nil,
		"two": append(certtest.PEM(root.Cert), certtest.PEM(w.configured.Cert)...),
	} {
		if _, err := w.a.Add(ctx, data, false, anchorOperator); !errors.Is(err, directory.ErrBadAnchor) {
			t.Errorf("%s: %v, want ErrBadAnchor", name, err)
		}
	}
	w.clock.t = time.Now().Add(48 * time.Hour)
	if _, err := w.a.Add(ctx, certtest.PEM(root.Cert), false, anchorOperator); !errors.Is(err, directory.ErrBadAnchor) {
		t.Errorf("expired by the service clock: %v, want ErrBadAnchor", err)
	}
	w.clock.t = time.Now()
	if _, err := w.a.Add(ctx, certtest.PEM(w.configured.Cert), false, anchorOperator); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("a configured anchor: %v, want ErrAlreadyExists", err)
	}
	if err := w.a.Remove(ctx, certauth.Fingerprint(w.configured.Cert), anchorOperator); !errors.Is(err, directory.ErrConfiguredAnchor) {
		t.Errorf("removing a configured anchor: %v, want ErrConfiguredAnchor", err)
	}
	if list, _ := w.a.List(ctx); len(list) != 1 || len(w.events(t)) != 0 || w.reloads != 0 {
		t.Fatalf("refusals changed something: list %+v, audit %+v, reloads %d", list, w.events(t), w.reloads)
	}
	if _, err := w.a.Add(ctx, root.Cert.Raw, false, anchorOperator); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.Add(ctx, certtest.PEM(root.Cert), true, anchorOperator); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("added twice: %v, want ErrAlreadyExists", err)
	}
	if n := len(w.events(t)); n != 1 {
		t.Errorf("%d audit events, want 1 (the duplicate writes none)", n)
	}
}
