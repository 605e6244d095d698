package secondfactor_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/logintest"
	"github.com/vhod-id/vhod/storage"
)

// fakeCertificate stands for login/certificate: requests needing a
// certificate begin at its step, and a post there signs in the account named
// in the form with a certificate's session (refusing another account than the
// one a step-up is for, as the real one does).
type fakeCertificate struct{ kit *login.Kit }

func (c fakeCertificate) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/login/{flow}/certificate", c.signIn).Methods(http.MethodPost)
}
func (fakeCertificate) Links(map[string]string, login.Flow, storage.AuthRequest) {}
func (fakeCertificate) Show(http.ResponseWriter, *http.Request, login.Flow, storage.AuthRequest, language.Tag) bool {
	return false
}
func (fakeCertificate) FirstStep(acr string) string {
	if directory.ACRSatisfies(acr, directory.ACRCertificate) {
		return "certificate"
	}
	return ""
}

func (c fakeCertificate) signIn(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, _, uerr := c.kit.LoadFlow(r, flows.KindLogin)
	if uerr != nil {
		c.kit.Fail(w, r, lang, uerr)
		return
	}
	user := r.PostFormValue("user")
	if !f.In(flows.StateStarted) || f.SessionUserID != "" && f.SessionUserID != user {
		http.Error(w, "not this flow's person or state", http.StatusConflict)
		return
	}
	sess, err := c.kit.StartSession(w, r, storage.Session{UserID: user, AMR: []string{directory.AMRSoftKey}, ACR: directory.ACRCertificate,
		ClientIDs: []string{ar.ClientID}})
	if err != nil {
		c.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	c.kit.SignedIn(w, r, f, ar, lang, sess, login.MethodCertificate)
}

func withCertificates(k *login.Kit) []login.Pages { return []login.Pages{fakeCertificate{k}} }

// bindCertificate gives u a bound certificate (it meets a passkey-or-certificate
// policy, so the company is offered).
func (e *env) bindCertificate(u storage.User) {
	e.T.Helper()
	n := logintest.Next()
	c := storage.BoundCertificate{CertificateRef: storage.CertificateRef{SHA256: fmt.Sprintf("%064x", n), Subject: "CN=Test"}, BoundAt: time.Now()}
	if err := e.st.BindCertificate(context.Background(), u.ID, c, "", ""); err != nil {
		e.T.Fatal(err)
	}
}

// stepFor signs u in with a password for portal asking for the org scope,
// chooses the company org on the company page and returns the flow's path,
// the request and the second-factor page it leads to.
func (e *env) stepFor(b *logintest.Browser, u storage.User, org storage.Organisation) (string, storage.AuthRequest, logintest.Page) {
	e.T.Helper()
	ar := e.AuthRequest(b, "portal", withOrg)
	p := b.SignIn(ar, u.Login)
	if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/callback") {
		e.T.Fatalf("expected the company page: %v", p)
	}
	fp := logintest.FlowPathOf(p.Location)
	if page := b.Follow(p); !page.Has(`value="`+org.ID+`"`) || page.Has(`value="`+org.ID+`" disabled`) {
		e.T.Fatalf("the company is not offered: %s", page.Body)
	}
	p = b.Post(fp+"/org"+q(ar), url.Values{"org": {org.ID}})
	if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/callback") {
		e.T.Fatalf("not stepped up: %v", p)
	}
	return fp, ar, b.Follow(p)
}

// The ways a page offers, as its forms show them.
type shown struct{ TOTP, Recovery, Passkey, Certificate, None, Without bool }

func shownOn(e *env, p logintest.Page) shown {
	return shown{TOTP: p.Has("/second-factor/totp?"), Recovery: p.Has("/second-factor/recovery?"), Passkey: p.Has(`data-begin="`),
		Certificate: p.Has("/second-factor/certificate?"), None: p.Has(e.Text("en", "e4.mfa.none")), Without: p.Has("/second-factor/without?")}
}

// The step offers only the ways that meet what the company asks for: every
// factor for "a second factor"; for "a passkey or a certificate" the passkey
// and, when it is on, the certificate sign-in, never a code; with none of
// those the page says so and offers the ways out.
func TestOfferedWaysByPolicy(t *testing.T) {
	type enrolled struct{ totp, passkey, cert bool }
	for _, tc := range []struct {
		name   string
		policy string
		has    enrolled
		certOn bool
		want   shown
	}{
		{"second factor, app", storage.OrgSignInSecondFactor, enrolled{totp: true}, true, shown{TOTP: true, Recovery: true}},
		{"second factor, app and passkey", storage.OrgSignInSecondFactor, enrolled{totp: true, passkey: true}, true,
			shown{TOTP: true, Recovery: true, Passkey: true}},
		{"passkey or certificate, app and passkey", storage.OrgSignInPasskeyOrCertificate, enrolled{totp: true, passkey: true}, false,
			shown{Passkey: true, Without: true}},
		{"passkey or certificate, app and passkey, certificates on", storage.OrgSignInPasskeyOrCertificate, enrolled{totp: true, passkey: true}, true,
			shown{Passkey: true, Certificate: true, Without: true}},
		{"passkey or certificate, app and certificate", storage.OrgSignInPasskeyOrCertificate, enrolled{totp: true, cert: true}, true,
			shown{Certificate: true, Without: true}},
		{"passkey or certificate, app and certificate, certificates off", storage.OrgSignInPasskeyOrCertificate, enrolled{totp: true, cert: true}, false,
			shown{None: true, Without: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *env
			if tc.certOn {
				e = newEnvWith(t, withCertificates)
			} else {
				e = newEnv(t)
			}
			u := e.User(directory.NewUser{})
			if tc.has.totp {
				e.enrolTOTP(u)
			}
			if tc.has.passkey {
				e.registerPasskey(u, 0)
			}
			if tc.has.cert {
				e.bindCertificate(u)
			}
			org := e.org(u, "Strict LLC", tc.policy)
			_, _, page := e.stepFor(e.Browser(), u, org)
			if got := shownOn(e, page); got != tc.want {
				t.Fatalf("offered %+v, want %+v: %s", got, tc.want, page.Body)
			}
			if tc.policy == storage.OrgSignInPasskeyOrCertificate && !page.Has(e.Text("en", "e4.mfa.by_org_strong_named", "Org", org.Name)) {
				t.Errorf("the page does not say what the company asks for: %s", page.Body)
			}
			if tc.want.None && !page.Has(`href="/account/security"`) {
				t.Errorf("no way to add a passkey: %s", page.Body)
			}
		})
	}
}

// A code of any kind posted to a step that waits for a passkey or a
// certificate is refused before it is checked: a recovery code is not spent.
func TestCodesRefusedForPasskeyOrCertificate(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	secret, codes := e.enrolTOTP(u)
	e.registerPasskey(u, 0)
	org := e.org(u, "Strict LLC", storage.OrgSignInPasskeyOrCertificate)
	b := e.Browser()
	fp, ar, _ := e.stepFor(b, u, org)
	for _, post := range []struct {
		path string
		form url.Values
	}{
		{"/second-factor/totp", url.Values{"code": {e.code(secret)}}},
		{"/second-factor/recovery", url.Values{"recovery_code": {codes[0]}}},
		{"/second-factor/sms", nil},
	} {
		if p := b.Post(fp+post.path+q(ar), post.form); p.Status != http.StatusForbidden || !p.Has(e.Text("en", "e4.mfa.code_not_accepted")) {
			t.Errorf("%s: %v", post.path, p)
		}
	}
	if en, err := e.f.Enrolment(context.Background(), u.ID); err != nil || en.RecoveryCodesLeft != len(codes) {
		t.Errorf("recovery codes left %d of %d (%v)", en.RecoveryCodesLeft, len(codes), err)
	}
	if c := e.AR(ar.ID).Completion; c != nil {
		t.Errorf("answered: %+v", c)
	}
}

// Recovery codes, like any code, do not meet a passkey-or-certificate policy;
// a passkey or a certificate does.
func TestRecoveryCodeDoesNotMeetPasskeyOrCertificate(t *testing.T) {
	req := factors.Requirement{ACR: directory.ACRMFA, PasskeyOrCertificate: true, By: "org", Enrolled: true}
	recovery := directory.WithMFA([]string{directory.AMRPassword}, []string{directory.AMROTP})
	if req.Met(directory.ACRFromAMR(recovery), recovery) {
		t.Errorf("a recovery code met %+v", req)
	}
	key := directory.WithMFA([]string{directory.AMRPassword}, []string{directory.AMRHardKey})
	if !req.Met(directory.ACRFromAMR(key), key) || !req.Met(directory.ACRCertificate, []string{directory.AMRSoftKey}) {
		t.Errorf("a passkey or a certificate does not meet %+v", req)
	}
}

// The certificate sign-in from the step: the flow goes to the certificate's
// step for the same person, and once signed in the company chosen before is
// the one the app gets (the person is not asked again among several).
func TestCertificateInsteadKeepsTheCompany(t *testing.T) {
	e := newEnvWith(t, withCertificates)
	u := e.User(directory.NewUser{})
	other := e.User(directory.NewUser{})
	e.enrolTOTP(u)
	e.bindCertificate(u)
	strict := e.org(u, "Strict LLC", storage.OrgSignInPasskeyOrCertificate)
	e.org(u, "Plain LLC", storage.OrgSignInAny)
	b := e.Browser()
	fp, ar, _ := e.stepFor(b, u, strict)
	p := b.Post(fp+"/second-factor/certificate"+q(ar), nil)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, fp+"/certificate?") {
		t.Fatalf("not sent to the certificate: %v", p)
	}
	if f := e.Flow(fp); f.State != string(flows.StateStarted) || f.SessionUserID != u.ID {
		t.Fatalf("flow %+v", f)
	}
	// Another person's certificate is not taken for this one.
	if p := b.Post(fp+"/certificate"+q(ar), url.Values{"user": {other.ID}}); p.Status != http.StatusConflict {
		t.Fatalf("another account: %v", p)
	}
	p = b.Post(fp+"/certificate"+q(ar), url.Values{"user": {u.ID}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("after the certificate: %v", p)
	}
	if c := e.AR(ar.ID).Completion; c == nil || c.OrgID != strict.ID || c.ACR != directory.ACRCertificate {
		t.Fatalf("completion %+v", c)
	}
}

// With no way at hand the person may go on without the company: the app gets
// no company, and that is audited.
func TestWithoutTheCompany(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	e.enrolTOTP(u)
	e.bindCertificate(u) // offered, but the certificate sign-in is off
	strict := e.org(u, "Strict LLC", storage.OrgSignInPasskeyOrCertificate)
	for _, lang := range []string{"ru", "en"} {
		b := e.Browser()
		b.Lang = lang
		fp, ar, page := e.stepFor(b, u, strict)
		for _, key := range []string{"e4.mfa.none", "e4.mfa.add_passkey_link", "e4.mfa.without"} {
			if !page.Has(e.Text(lang, key)) {
				t.Fatalf("%s: no %s: %s", lang, key, page.Body)
			}
		}
		p := b.Post(fp+"/second-factor/without"+q(ar), nil)
		if !strings.HasPrefix(p.Location, "/callback") {
			t.Fatalf("%s: without the company: %v", lang, p)
		}
		if c := e.AR(ar.ID).Completion; c == nil || c.OrgID != "" {
			t.Fatalf("%s: completion %+v", lang, c)
		}
	}
	if !e.HasAudit(u.ID, directory.EventFactorRequired, directory.OutcomeFailure, map[string]string{"reason": "without_company", "org": strict.ID}) {
		t.Error("going on without the company is not audited")
	}
}
