package login

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/flows"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// A third-party client asks for consent after the sign-in: "allow" stores it
// and completes the request (and the next request of the same scopes asks no
// more); "deny" returns access_denied to the client; both are audited.
func TestConsent(t *testing.T) {
	e := newEnv(t, nil)
	t.Run("allow", func(t *testing.T) {
		u := e.user(directory.NewUser{})
		b := e.browser()
		ar := e.authRequest(b, "shop", nil)
		p := b.signIn(ar, u.Login)
		fp := flowPathOf(p.location)
		if p.status != http.StatusSeeOther || strings.HasPrefix(p.location, "/callback") {
			t.Fatalf("no consent step: %v", p)
		}
		form := b.follow(p)
		if !form.has("Shop") || !form.has(e.text("en", "scope.profile")) || !form.has(u.Login) {
			t.Errorf("consent page: %v", form)
		}
		p = b.post(fp+"/consent"+q(ar), url.Values{"action": {"allow"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/callback") {
			t.Fatalf("allow: %v", p)
		}
		if e.ar(ar.ID).Completion == nil {
			t.Error("request not completed")
		}
		scopes, _ := e.store.ConsentedScopes(context.Background(), u.ID, "shop")
		if !slices.Contains(scopes, "profile") {
			t.Errorf("consented scopes %v", scopes)
		}
		if !e.hasAudit(u.ID, directory.EventConsent, directory.OutcomeSuccess, map[string]string{"scopes": "openid profile"}) {
			t.Error("consent not audited")
		}
		// The session answers the next request at once; prompt=consent asks again.
		again := e.authRequest(b, "shop", nil)
		if p := b.get("/login" + q(again)); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/callback") {
			t.Errorf("consented request: %v", p)
		}
		ask := e.authRequest(b, "shop", func(ar *storage.AuthRequest) { ar.Prompt = []string{"consent"} })
		if p := b.get("/login" + q(ask)); strings.HasPrefix(p.location, "/callback") {
			t.Errorf("prompt=consent did not ask: %v", p)
		}
	})
	t.Run("deny", func(t *testing.T) {
		u := e.user(directory.NewUser{})
		b := e.browser()
		ar := e.authRequest(b, "shop", nil)
		fp := flowPathOf(b.signIn(ar, u.Login).location)
		p := b.post(fp+"/consent"+q(ar), url.Values{"action": {"deny"}})
		if p.status != http.StatusSeeOther || !strings.Contains(p.location, "error=access_denied") {
			t.Fatalf("deny: %v", p)
		}
		if e.ar(ar.ID).Completion != nil {
			t.Error("a denied request completed")
		}
		if !e.hasAudit(u.ID, directory.EventConsent, directory.OutcomeFailure, map[string]string{"reason": "denied"}) {
			t.Error("denial not audited")
		}
		if f := e.flow(fp); f.State != string(flows.StateDenied) {
			t.Errorf("flow state %s", f.State)
		}
	})
	t.Run("another session", func(t *testing.T) {
		u := e.user(directory.NewUser{})
		b := e.browser()
		ar := e.authRequest(b, "shop", nil)
		fp := flowPathOf(b.signIn(ar, u.Login).location)
		// The session cookie is lost: the consent is nobody's to give.
		u0, _ := url.Parse(e.srv.URL)
		b.jar.SetCookies(u0, []*http.Cookie{{Name: "vhod_session", Value: "", Path: "/", MaxAge: -1}})
		if p := b.post(fp+"/consent"+q(ar), url.Values{"action": {"allow"}}); p.status != http.StatusBadRequest {
			t.Errorf("consent without the session: %v", p)
		}
	})
}

// The SSO session decides a new request as at /authorize: it answers, or the
// request's prompt, max_age, id_token_hint or the client's min_acr send the
// person to sign in again; prompt=none gets the OAuth error instead of a page.
func TestSessionDecides(t *testing.T) {
	e := newEnv(t, nil)
	u := e.user(directory.NewUser{})
	b := e.browser()
	if p := b.signIn(e.authRequest(b, "portal", nil), u.Login); p.status != http.StatusSeeOther {
		t.Fatal(p)
	}
	zero := int64(0)
	for _, tc := range []struct {
		name   string
		client string
		edit   func(*storage.AuthRequest)
		want   string // "callback", "form" or an OAuth error
	}{
		{"session answers", "portal", nil, "callback"},
		{"prompt none answers", "portal", func(ar *storage.AuthRequest) { ar.Prompt = []string{"none"} }, "callback"},
		{"prompt login", "portal", func(ar *storage.AuthRequest) { ar.Prompt = []string{"login"} }, "form"},
		{"max_age passed", "portal", func(ar *storage.AuthRequest) { ar.MaxAge = &zero }, "form"},
		{"hint of another subject", "portal", func(ar *storage.AuthRequest) { ar.HintSubject = "someone-else" }, "form"},
		{"hint of another subject, prompt none", "portal", func(ar *storage.AuthRequest) {
			ar.HintSubject, ar.Prompt = "someone-else", []string{"none"}
		}, "login_required"},
		{"consent needed, prompt none", "shop", func(ar *storage.AuthRequest) { ar.Prompt = []string{"none"} }, "consent_required"},
		{"client needs a certificate", "strict", nil, "form"},
		{"acr_values above the session", "portal", func(ar *storage.AuthRequest) { ar.ACRValues = []string{directory.ACRPhone} }, "form"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.advance(time.Second) // max_age=0 needs time to have passed
			ar := e.authRequest(b, tc.client, tc.edit)
			p := b.get("/login" + q(ar))
			switch tc.want {
			case "callback":
				if !strings.HasPrefix(p.location, "/callback") {
					t.Fatalf("not answered: %v", p)
				}
				if c := e.ar(ar.ID).Completion; c == nil || c.UserID != u.ID {
					t.Errorf("completion %+v", c)
				}
			case "form":
				if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login/") {
					t.Fatalf("no sign-in: %v", p)
				}
			default:
				if !strings.Contains(p.location, "error="+tc.want) {
					t.Fatalf("want %s: %v", tc.want, p)
				}
			}
		})
	}
	// SSO (at /authorize) decides the same.
	c, err := b.sso(e.authRequest(b, "portal", nil))
	if err != nil || c == nil || c.UserID != u.ID {
		t.Errorf("SSO = %+v, %v", c, err)
	}
}

// orgsByUser gives each user the companies listed.
type orgsByUser map[string][]orgs.Active

func (f orgsByUser) ActiveOrgs(_ context.Context, userID string) ([]orgs.Active, error) {
	return f[userID], nil
}

// With the org scope, a person of several companies chooses one; the choice is
// the session's, and a company not theirs is refused.
func TestOrgChoice(t *testing.T) {
	members := orgsByUser{}
	e := newEnv(t, func(c *Config) { c.Orgs = members })
	u := e.user(directory.NewUser{})
	members[u.ID] = []orgs.Active{
		{Org: storage.Organisation{ID: "org-a", Name: "Alpha LLC", INN: "7700000001"}},
		{Org: storage.Organisation{ID: "org-b", Name: "Beta LLC", INN: "7700000002"}},
	}
	b := e.browser()
	ar := e.authRequest(b, "portal", func(ar *storage.AuthRequest) { ar.Scopes = []string{"openid", ScopeOrg} })
	p := b.signIn(ar, u.Login)
	fp := flowPathOf(p.location)
	form := b.follow(p)
	if !form.has("Alpha LLC") || !form.has("Beta LLC") {
		t.Fatalf("choice page: %v", form)
	}
	if p := b.post(fp+"/org"+q(ar), url.Values{"org": {"org-z"}}); p.status != http.StatusBadRequest || !p.has(e.text("en", "org.choose")) {
		t.Errorf("a company not theirs: %v", p)
	}
	p = b.post(fp+"/org"+q(ar), url.Values{"org": {"org-b"}})
	if !strings.HasPrefix(p.location, "/callback") {
		t.Fatalf("choice: %v", p)
	}
	if c := e.ar(ar.ID).Completion; c == nil || c.OrgID != "org-b" {
		t.Errorf("completion %+v", c)
	}
	if s, _ := b.session(); s.OrgID != "org-b" {
		t.Errorf("session org %q", s.OrgID)
	}
	// The next request keeps the choice; an org_hint picks another without a page;
	// prompt=none that would need the page is account_selection_required.
	next := e.authRequest(b, "portal", func(ar *storage.AuthRequest) { ar.Scopes = []string{"openid", ScopeOrg} })
	if p := b.get("/login" + q(next)); !strings.HasPrefix(p.location, "/callback") || e.ar(next.ID).Completion.OrgID != "org-b" {
		t.Errorf("kept choice: %v", p)
	}
	hinted := e.authRequest(b, "portal", func(ar *storage.AuthRequest) {
		ar.Scopes, ar.OrgHint = []string{"openid", ScopeOrg}, "7700000001"
	})
	if p := b.get("/login" + q(hinted)); !strings.HasPrefix(p.location, "/callback") || e.ar(hinted.ID).Completion.OrgID != "org-a" {
		t.Errorf("org_hint: %v", p)
	}
	ask := e.authRequest(b, "portal", func(ar *storage.AuthRequest) {
		ar.Scopes, ar.Prompt = []string{"openid", ScopeOrg}, []string{"select_account", "none"}
	})
	if p := b.get("/login" + q(ask)); !strings.Contains(p.location, "error=account_selection_required") {
		t.Errorf("prompt=none with a choice to make: %v", p)
	}
	// select_account shows the page with the current company checked.
	sel := e.authRequest(b, "portal", func(ar *storage.AuthRequest) {
		ar.Scopes, ar.Prompt = []string{"openid", ScopeOrg}, []string{"select_account"}
	})
	fp2, page := b.start(sel)
	if !page.has("Alpha LLC") {
		t.Fatalf("select_account: %v", page)
	}
	if p := b.post(fp2+"/org"+q(sel), url.Values{"org": {"org-b"}}); !strings.HasPrefix(p.location, "/callback") {
		t.Errorf("choice on select_account: %v", p)
	}
}
