package secondfactor_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

func withOrg(ar *storage.AuthRequest) { ar.Scopes = []string{"openid", login.ScopeOrg} }

// A company requiring a second factor, of a member who has none: it is shown
// greyed with the way to enrol, not offered, and the app gets no company.
func TestCompanyNotOfferedUntilEnrolment(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	strict := e.org(u, "Strict LLC", storage.OrgSignInSecondFactor)
	for _, lang := range []string{"ru", "en"} {
		b := e.Browser()
		b.Lang = lang
		ar := e.AuthRequest(b, "portal", withOrg)
		p := b.SignIn(ar, u.Login)
		if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/callback") {
			t.Fatalf("%s: expected the company page: %v", lang, p)
		}
		fp := p.Location[:strings.Index(p.Location, "?")]
		page := b.Follow(p)
		if !page.Has("Strict LLC") || !page.Has(e.Text(lang, "mfa.org_blocked")) || !page.Has(`value="`+strict.ID+`" disabled`) {
			t.Fatalf("%s: company page: %s", lang, page.Body)
		}
		// Posting it anyway is refused.
		if p := b.Post(fp+"/org"+q(ar), url.Values{"org": {strict.ID}}); p.Status != http.StatusBadRequest {
			t.Fatalf("%s: a company not offered was taken: %v", lang, p)
		}
		p = b.Post(fp+"/org"+q(ar), url.Values{})
		if !strings.HasPrefix(p.Location, "/callback") {
			t.Fatalf("%s: on without a company: %v", lang, p)
		}
		if c := e.AR(ar.ID).Completion; c == nil || c.OrgID != "" {
			t.Fatalf("%s: completion %+v", lang, c)
		}
	}
}

// An enrolled member with a password session is stepped up before the
// company is chosen; then the app sees it. A company without a policy is
// chosen without a step.
func TestCompanyPolicyStepsUp(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	secret, _ := e.enrolTOTP(u)
	strict := e.org(u, "Strict LLC", storage.OrgSignInSecondFactor)
	e.org(u, "Plain LLC", storage.OrgSignInAny)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", withOrg)
	p := b.SignIn(ar, u.Login)
	fp := p.Location[:strings.Index(p.Location, "?")]
	if page := b.Follow(p); !page.Has("Strict LLC") || page.Has(e.Text("en", "mfa.org_blocked")) {
		t.Fatalf("company page: %s", page.Body)
	}
	p = b.Post(fp+"/org"+q(ar), url.Values{"org": {strict.ID}})
	if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("not stepped up: %v", p)
	}
	if page := b.Follow(p); !page.Has(e.Text("en", "mfa.by_org")) {
		t.Fatalf("step: %s", page.Body)
	}
	if s, _ := b.Session(); s.OrgID != "" || s.ACR != directory.ACRPassword {
		t.Fatalf("the company was set before the step: %+v", s)
	}
	p = b.Post(fp+"/second-factor/totp"+q(ar), url.Values{"code": {e.code(secret)}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("code: %v", p)
	}
	c := e.AR(ar.ID).Completion
	if c == nil || c.OrgID != strict.ID || c.ACR != directory.ACRMFA {
		t.Fatalf("completion %+v", c)
	}

	// SSO for the strict company again: the stepped-up session answers.
	ar2 := e.AuthRequest(b, "portal", func(ar *storage.AuthRequest) { withOrg(ar); ar.OrgHint = strict.ID })
	if p := b.Get("/login" + q(ar2)); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("SSO: %v", p)
	}
}

// A single company with a policy the session misses is not settled silently:
// the person is asked (and stepped up) first.
func TestSingleCompanyNotSettledByAWeakSession(t *testing.T) {
	e := newEnv(t)
	u := e.User(directory.NewUser{})
	e.enrolTOTP(u)
	e.org(u, "Strict LLC", storage.OrgSignInPasskeyOrCertificate)
	e.registerPasskey(u, 0)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", withOrg)
	p := b.SignIn(ar, u.Login)
	if strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("a weak session acted for the company: %v", p)
	}
	if s, _ := b.Session(); s.OrgID != "" {
		t.Fatalf("session %+v", s)
	}
}
