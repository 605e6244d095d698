package certificate

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
)

// A password session meets a client that needs a certificate: the same person
// signs in again with one, confirms, and the certificate joins their account
// (fresh session: no reauthentication); the owner hears of it.
func TestCertificateStepUpBindsToTheSession(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Step CA"})
	leaf, key := root.Leaf(t, certtest.Options{CommonName: "Ivanova Anna"})
	st := testStore(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := newEnv(t, nil, Config{Verifier: certauth.New(certauth.Config{Anchors: []certauth.Anchor{{Cert: root.Cert}}}),
		Reauths: flows.NewReauths(st, directory.NewAuditor(st, log), time.Hour, 30*time.Minute, nil)})
	u := e.User(directory.NewUser{})
	b := e.Browser()
	if p := b.SignIn(e.AuthRequest(b, "portal", nil), u.Login); p.Status != http.StatusSeeOther {
		t.Fatalf("password sign-in: %v", p)
	}

	ar := e.AuthRequest(b, "strict", nil)
	p := b.Get("/login" + q(ar))
	if !strings.Contains(p.Location, "/certificate?") {
		t.Fatalf("not sent to the certificate: %v", p)
	}
	fp := flowPathOf(p.Location)
	if f := e.Flow(fp); f.SessionUserID != u.ID {
		t.Fatalf("flow not tied to the session: %+v", f)
	}
	p = b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {signChallenge(t, e, b, fp, ar, leaf, key)}})
	if p.Status != http.StatusSeeOther || e.Flow(fp).State != string(flows.StateCertConfirm) {
		t.Fatalf("signature: %v", p)
	}
	if confirm := b.Get(fp + q(ar)); !confirm.Has("Ivanova Anna") {
		t.Fatalf("confirmation: %v", confirm)
	}
	p = b.Post(fp+"/certificate/confirm"+q(ar), nil)
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("confirm: %v", p)
	}
	s, ok := b.Session()
	if !ok || s.UserID != u.ID || s.ACR != directory.ACRCertificate {
		t.Fatalf("session %+v", s)
	}
	if !e.HasAudit(u.ID, directory.EventCertificateBound, directory.OutcomeSuccess, map[string]string{"via": "cms"}) {
		t.Error("binding not audited")
	}
	e.WaitEmail(u.Email) // the owner is told a way in was added
}

// enrolled says every account has an authenticator app.
type enrolled struct{}

func (enrolled) Enrolment(context.Context, string) (factors.Enrolment, error) {
	return factors.Enrolment{TOTP: true}, nil
}

// The same step-up for an account with a second factor: a fresh password
// session is not enough to add a certificate (a certificate outranks the
// second factor it would skip); the person signs in again with acr mfa first.
func TestCertificateBindingNeedsTheSecondFactor(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Step CA"})
	leaf, key := root.Leaf(t, certtest.Options{CommonName: "Ivanova Anna"})
	st := testStore(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := newEnv(t, nil, Config{Verifier: certauth.New(certauth.Config{Anchors: []certauth.Anchor{{Cert: root.Cert}}}),
		Reauths: flows.NewReauths(st, directory.NewAuditor(st, log), time.Hour, 30*time.Minute, nil), SecondFactors: enrolled{}})
	u := e.User(directory.NewUser{})
	b := e.Browser()
	if p := b.SignIn(e.AuthRequest(b, "portal", nil), u.Login); p.Status != http.StatusSeeOther {
		t.Fatalf("password sign-in: %v", p)
	}
	ar := e.AuthRequest(b, "strict", nil)
	p := b.Get("/login" + q(ar))
	fp := flowPathOf(p.Location)
	p = b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {signChallenge(t, e, b, fp, ar, leaf, key)}})
	if p.Status != http.StatusSeeOther || e.Flow(fp).State != string(flows.StateCertConfirm) {
		t.Fatalf("signature: %v", p)
	}
	p = b.Post(fp+"/certificate/confirm"+q(ar), nil)
	if strings.HasPrefix(p.Location, "/callback") || !strings.Contains(p.Location, "acr_values="+url.QueryEscape(directory.ACRMFA)) {
		t.Fatalf("a password session bound a certificate to an account with a second factor: %v", p)
	}
	if e.HasAudit(u.ID, directory.EventCertificateBound, directory.OutcomeSuccess, nil) {
		t.Error("bound anyway")
	}
}
