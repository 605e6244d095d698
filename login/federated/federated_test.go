package federated

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/logintest"
	"github.com/vhod-id/vhod/storage"
)

// fakeIdP is a connector that answers each code with the identity the test
// put under it, after the checks every connector makes: the state of this
// flow, the provider's error, a code it knows.
type fakeIdP struct {
	id, typ     string
	linkByEmail bool
	down        bool

	mu         sync.Mutex
	identities map[string]connector.Identity
	starts     []connector.StartRequest
}

func newIdP(id, typ string) *fakeIdP {
	return &fakeIdP{id: id, typ: typ, identities: map[string]connector.Identity{}}
}

func (f *fakeIdP) ID() string   { return f.id }
func (f *fakeIdP) Type() string { return f.typ }
func (f *fakeIdP) DisplayName(lang string) string {
	if lang == "en" {
		return "Fake " + f.id
	}
	return "Тест " + f.id
}
func (f *fakeIdP) LinksByEmail() bool { return f.linkByEmail }

func (f *fakeIdP) Start(_ context.Context, r connector.StartRequest) (string, error) {
	if f.down {
		return "", &connector.Error{Kind: connector.KindUnavailable, Provider: f.id, Err: errors.New("down")}
	}
	f.mu.Lock()
	f.starts = append(f.starts, r)
	f.mu.Unlock()
	return "https://idp.test/auth?" + url.Values{"state": {r.State}, "redirect_uri": {r.RedirectURI}}.Encode(), nil
}

func (f *fakeIdP) Callback(_ context.Context, r connector.CallbackRequest) (*connector.Identity, error) {
	if r.State == "" || r.Query.Get("state") != r.State {
		return nil, &connector.Error{Kind: connector.KindState, Provider: f.id, Err: errors.New("state")}
	}
	if e := r.Query.Get("error"); e != "" {
		return nil, &connector.Error{Kind: connector.KindDenied, Provider: f.id, Code: e, Err: errors.New(e)}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	last := f.starts[len(f.starts)-1]
	if r.Nonce != last.Nonce || r.Verifier != last.Verifier || r.StartedAt.IsZero() {
		return nil, &connector.Error{Kind: connector.KindInvalid, Provider: f.id, Err: errors.New("the flow's secrets changed")}
	}
	id, ok := f.identities[r.Query.Get("code")]
	if !ok {
		return nil, &connector.Error{Kind: connector.KindInvalid, Provider: f.id, Err: errors.New("bad signature")}
	}
	id.Provider = f.id
	return &id, nil
}

// toProvider presses the provider's button on a new sign-in of ar and
// returns the flow's path and the state sent to the provider.
func toProvider(t *testing.T, b *testBrowser, ar storage.AuthRequest, idp string) (string, string) {
	t.Helper()
	fp, form := b.Start(ar)
	action := fp + "/federated/" + idp + q(ar)
	if !form.Has(action) {
		t.Fatalf("no button of %s on the form: %v", idp, form)
	}
	p := b.Post(action, nil)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "https://idp.test/auth?") {
		t.Fatalf("start: %v", p)
	}
	u, _ := url.Parse(p.Location)
	if u.Query().Get("redirect_uri") != "http://vhod.test"+CallbackPath {
		t.Errorf("redirect_uri %q", u.Query().Get("redirect_uri"))
	}
	return fp, u.Query().Get("state")
}

// back is the provider's redirect back with query.
func back(b *testBrowser, query url.Values) page {
	return b.Get(CallbackPath + "?" + query.Encode())
}

var serial int

func fresh(prefix string) string {
	serial++
	return fmt.Sprintf("%s%d-%d", prefix, logintest.Next(), serial)
}

// A person no account knows chooses to create one: it holds what the provider
// verified and the link; the session says how they came (amr fed only, acr,
// idp); the next sign-in through the provider needs no choice.
func TestNewIdentityCreatesAccount(t *testing.T) {
	idp := newIdP("oidc1", connector.TypeOIDC)
	sub := fresh("sub")
	email := sub + "@example.com"
	idp.identities["c1"] = connector.Identity{Subject: sub, FirstName: "Anna", LastName: "Smirnova", Email: email, EmailVerified: true,
		AMR: []string{"hwk", "pwd", "fed"}, ACR: directory.ACRMFA}
	e := newEnv(t, connector.Static{idp})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, state := toProvider(t, b, ar, "oidc1")
	f := e.Flow(fp)
	if f.Federated == nil || f.Federated.State != state || f.Federated.Nonce == "" || f.Federated.Verifier == "" || f.Federated.StartedAt.IsZero() {
		t.Fatalf("the flow does not hold the trip: %+v", f.Federated)
	}
	p := back(b, url.Values{"state": {state}, "code": {"c1"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, fp) {
		t.Fatalf("callback: %v", p)
	}
	if f := e.Flow(fp); f.State != string(flows.StateFederatedChoice) || f.Federated.State != "" || f.Federated.Identity == nil {
		t.Fatalf("flow after the callback: %s %+v", f.State, f.Federated)
	}
	choice := b.Follow(p)
	if !choice.Has(e.Text("en", "fed.create")) || !choice.Has(e.Text("en", "fed.link")) || !choice.Has("Fake oidc1") || !choice.Has(email) {
		t.Fatalf("choice page: %v", choice)
	}
	if p := b.Post(fp+"/federated/choice"+q(ar), url.Values{"action": {"nothing"}}); p.Status != http.StatusBadRequest {
		t.Errorf("no choice: %v", p)
	}
	p = b.Post(fp+"/federated/choice"+q(ar), url.Values{"action": {"create"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("create: %v", p)
	}
	s, ok := b.Session()
	if !ok || s.IdP != "oidc1" || s.ACR != directory.ACRMFA || strings.Join(s.AMR, ",") != "fed" {
		t.Fatalf("session: %+v", s)
	}
	// The provider's "hwk" is not Vhod's: it does not meet "passkey or certificate".
	if (factors.Requirement{ACR: directory.ACRMFA, PasskeyOrCertificate: true}).Met(s.ACR, s.AMR) {
		t.Error("the provider's own amr meets a passkey-or-certificate policy")
	}
	u, err := testStore(t).UserByID(t.Context(), s.UserID)
	// The provider is not trusted with email (no link_by_email): its
	// "verified" address is not taken as confirmed (it would accept company
	// invitations), and is left out.
	if err != nil || u.Email != "" || u.EmailVerified || u.FamilyName != "Smirnova" || len(u.Links) != 1 || u.Links[0].Subject != sub {
		t.Fatalf("account: %+v %v", u, err)
	}
	if !e.HasAudit(u.ID, directory.EventRegistration, directory.OutcomeSuccess, map[string]string{"method": "federated", "provider": "oidc1"}) ||
		!e.HasAudit(u.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "federated", "provider": "oidc1", "provider_amr": "hwk pwd fed"}) {
		t.Error("no audit of the registration or the sign-in")
	}
	// Again, in another browser: straight in, to the same account.
	b2 := e.Browser()
	ar2 := e.AuthRequest(b2, "portal", nil)
	_, state2 := toProvider(t, b2, ar2, "oidc1")
	p = back(b2, url.Values{"state": {state2}, "code": {"c1"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("second sign-in: %v", p)
	}
	if s2, _ := b2.Session(); s2.UserID != u.ID {
		t.Fatalf("second sign-in to %q, want %q", s2.UserID, u.ID)
	}
}

// "I already have an account": the person signs in with their password in the
// same flow, and the identity joins that account (audited, the owner told).
func TestIdentityJoinsTheAccountSignedIn(t *testing.T) {
	idp := newIdP("oidc2", connector.TypeOIDC)
	sub := fresh("sub")
	idp.identities["c"] = connector.Identity{Subject: sub, Name: "Pyotr"}
	e := newEnv(t, connector.Static{idp})
	u := e.User(directory.NewUser{})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, state := toProvider(t, b, ar, "oidc2")
	b.Follow(back(b, url.Values{"state": {state}, "code": {"c"}}))
	p := b.Post(fp+"/federated/choice"+q(ar), url.Values{"action": {"link"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("link: %v", p)
	}
	if form := b.Follow(p); !form.Has(fp + "/password") {
		t.Fatalf("not the password form: %v", form)
	}
	p = b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {logintest.TestPassword}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("password: %v", p)
	}
	got, _ := testStore(t).UserByID(t.Context(), u.ID)
	if len(got.Links) != 1 || got.Links[0].Provider != "oidc2" || got.Links[0].Subject != sub {
		t.Fatalf("links: %+v", got.Links)
	}
	if !e.HasAudit(u.ID, directory.EventIdentityLinked, directory.OutcomeSuccess, map[string]string{"provider": "oidc2", "reason": "signed_in"}) {
		t.Error("no audit of the link")
	}
	e.WaitEmail(u.Email)
	if f := e.Flow(fp); f.Federated != nil {
		t.Errorf("the flow keeps the identity: %+v", f.Federated)
	}
}

// The password form of "I already have an account" says which outside account
// will join; a choice left longer than LinkWindow links nothing to whoever
// signs in then (audited), and the form no longer says it will.
func TestLinkChoiceSaysWhatAndExpires(t *testing.T) {
	idp := newIdP("oidc4", connector.TypeOIDC)
	sub := fresh("sub")
	idp.identities["c"] = connector.Identity{Subject: sub, Email: sub + "@example.com"}
	e := newEnv(t, connector.Static{idp})
	u := e.User(directory.NewUser{})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, state := toProvider(t, b, ar, "oidc4")
	b.Follow(back(b, url.Values{"state": {state}, "code": {"c"}}))
	notice := e.Text("en", "f2.fed.linking", "Provider", web.NBSP("Fake oidc4"), "Account", sub+"@example.com", "Minutes", "10")
	form := b.Follow(b.Post(fp+"/federated/choice"+q(ar), url.Values{"action": {"link"}}))
	if !form.Has(notice) {
		t.Fatalf("the password form does not say what will be linked: %s", form.Body)
	}
	e.Advance(LinkWindow + time.Minute)
	if form := b.Get(fp + q(ar) + "&method=password"); form.Has(notice) {
		t.Errorf("an expired link still announced: %s", form.Body)
	}
	p := b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {logintest.TestPassword}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("password: %v", p)
	}
	if got, _ := testStore(t).UserByID(t.Context(), u.ID); len(got.Links) != 0 {
		t.Fatalf("linked %v after the choice expired", got.Links)
	}
	if !e.HasAudit(u.ID, directory.EventIdentityLinked, directory.OutcomeFailure, map[string]string{"provider": "oidc4", "refused": "expired"}) {
		t.Error("the refused link is not audited")
	}
}

// A signed-in person stepping up through a provider whose identity no account
// has: the old session does not prove the identity is theirs, so nothing is
// linked and the session is not stepped up at the callback; the password form
// says which outside account will join, and it joins after they sign in anew.
func TestStepUpLinksOnlyAfterAFreshSignIn(t *testing.T) {
	idp := newIdP("oidc5", connector.TypeOIDC)
	sub := fresh("sub")
	idp.identities["c"] = connector.Identity{Subject: sub, Email: sub + "@example.com", EmailVerified: true, ACR: directory.ACRMFA}
	e := newEnv(t, connector.Static{idp})
	u := e.User(directory.NewUser{})
	b := e.Browser()
	if p := b.SignIn(e.AuthRequest(b, "portal", nil), u.Login); !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("first sign-in: %v", p)
	}
	old, _ := b.Session()
	ar := e.AuthRequest(b, "portal", func(a *storage.AuthRequest) { a.ACRValues = []string{directory.ACRMFA} })
	fp, state := toProvider(t, b, ar, "oidc5")
	if f := e.Flow(fp); f.SessionUserID != u.ID {
		t.Fatalf("not a step-up of the session: %+v", f)
	}
	p := back(b, url.Values{"state": {state}, "code": {"c"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, fp) {
		t.Fatalf("callback: %v", p)
	}
	if got, _ := testStore(t).UserByID(t.Context(), u.ID); len(got.Links) != 0 {
		t.Fatalf("linked on the old session's word: %v", got.Links)
	}
	if s, _ := b.Session(); s.ID != old.ID || s.ACR != old.ACR || s.IdP != "" {
		t.Fatalf("the session was stepped up by an identity not linked: %+v", s)
	}
	form := b.Follow(p)
	if !form.Has(e.Text("en", "f2.fed.linking", "Provider", web.NBSP("Fake oidc5"), "Account", sub+"@example.com", "Minutes", "10")) {
		t.Fatalf("the password form does not say what will be linked: %s", form.Body)
	}
	p = b.Post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {logintest.TestPassword}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("password: %v", p)
	}
	got, _ := testStore(t).UserByID(t.Context(), u.ID)
	if len(got.Links) != 1 || got.Links[0].Subject != sub {
		t.Fatalf("links after the fresh sign-in: %+v", got.Links)
	}
	if !e.HasAudit(u.ID, directory.EventIdentityLinked, directory.OutcomeSuccess, map[string]string{"provider": "oidc5", "reason": "session"}) {
		t.Error("no audit of the link")
	}
}

// holdAll is a Gate that holds every sign-in (a second factor never given).
type holdAll struct{ login.Pages }

func (holdAll) Hold(w http.ResponseWriter, _ *http.Request, _ login.Flow, _ storage.AuthRequest, _ language.Tag, _ storage.Session, _ string) bool {
	http.Error(w, "held for a second factor", http.StatusUnauthorized)
	return true
}
func (holdAll) Offer(_ context.Context, _ string, a []orgs.Active) ([]orgs.Active, []orgs.Active, error) {
	return a, nil, nil
}
func (holdAll) Meets(context.Context, storage.Session, storage.Organisation) (bool, error) {
	return false, nil
}

// An identity that matched an account (here by ЕСИА's SNILS) joins it only
// once the sign-in is whole: a sign-in held for its second factor links
// nothing.
func TestMatchedIdentityNotLinkedBeforeTheGate(t *testing.T) {
	esia := newIdP("esia", connector.TypeESIA)
	e := coreEnv(t, nil, func(e *testEnv, k *login.Kit) []login.Pages {
		p, err := New(connector.Static{esia}, k, e.Dir)
		if err != nil {
			t.Fatal(err)
		}
		return []login.Pages{p, holdAll{p}}
	})
	certUser := storage.User{ID: fresh("cert"), SNILS: "12345678964", Certificates: []storage.BoundCertificate{{CertificateRef: storage.CertificateRef{SHA256: fresh("sha")}, Qualified: true}}}
	if err := testStore(t).CreateUser(t.Context(), certUser); err != nil {
		t.Fatal(err)
	}
	esia.identities["c"] = connector.Identity{Subject: fresh("oid"), SNILS: "123-456-789 64", Confirmed: true}
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	_, state := toProvider(t, b, ar, "esia")
	if p := back(b, url.Values{"state": {state}, "code": {"c"}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("not held: %v", p)
	}
	if got, _ := testStore(t).UserByID(t.Context(), certUser.ID); len(got.Links) != 0 {
		t.Fatalf("linked before the second factor: %+v", got.Links)
	}
}

// An identifier finds an existing account only where the rules allow it:
// SNILS from ESIA (the same rule as qualified certificates); a verified email
// only when the provider's config enables it.
func TestMatchByVerifiedIdentifier(t *testing.T) {
	esia := newIdP("esia", connector.TypeESIA)
	strict := newIdP("strict", connector.TypeOIDC)
	lax := newIdP("lax", connector.TypeOIDC)
	lax.linkByEmail = true
	e := newEnv(t, connector.Static{esia, strict, lax})
	st := testStore(t)
	certUser := storage.User{ID: fresh("cert"), SNILS: "56559136127", Certificates: []storage.BoundCertificate{{CertificateRef: storage.CertificateRef{SHA256: fresh("sha")}, Qualified: true}}}
	if err := st.CreateUser(t.Context(), certUser); err != nil {
		t.Fatal(err)
	}
	mailUser := e.User(directory.NewUser{EmailVerified: true})
	esia.identities["c"] = connector.Identity{Subject: fresh("oid"), SNILS: "565-591-361 27", Confirmed: true, ACR: directory.ACRCertificate,
		Organisations: []connector.Organisation{{Name: "ООО «Ромашка»", OGRN: "1027700132195", INN: "7707083893", Active: true, Chief: true}}}
	strict.identities["c"] = connector.Identity{Subject: fresh("s"), Email: mailUser.Email, EmailVerified: true}
	lax.identities["c"] = connector.Identity{Subject: fresh("s"), Email: mailUser.Email, EmailVerified: true}
	lax.identities["unverified"] = connector.Identity{Subject: fresh("s"), Email: mailUser.Email}

	for _, tc := range []struct {
		idp, code, wantUser string
	}{
		{"esia", "c", certUser.ID},
		{"strict", "c", ""},
		{"lax", "unverified", ""},
		{"lax", "c", mailUser.ID},
	} {
		b := e.Browser()
		ar := e.AuthRequest(b, "portal", nil)
		fp, state := toProvider(t, b, ar, tc.idp)
		p := back(b, url.Values{"state": {state}, "code": {tc.code}})
		if tc.wantUser == "" {
			if f := e.Flow(fp); f.State != string(flows.StateFederatedChoice) {
				t.Errorf("%s/%s: matched an account (%v)", tc.idp, tc.code, p)
			}
			continue
		}
		s, _ := b.Session()
		if !strings.HasPrefix(p.Location, "/callback") || s.UserID != tc.wantUser {
			t.Errorf("%s/%s: %v, session of %q", tc.idp, tc.code, p, s.UserID)
			continue
		}
		if !e.HasAudit(tc.wantUser, directory.EventIdentityLinked, directory.OutcomeSuccess, map[string]string{"provider": tc.idp}) {
			t.Errorf("%s: no audit of the link", tc.idp)
		}
	}
	u, _ := st.UserByID(t.Context(), certUser.ID)
	if len(u.Links) != 1 || len(u.Links[0].Orgs) != 1 || !u.Links[0].Orgs[0].Chief || u.Links[0].Orgs[0].OGRN != "1027700132195" {
		t.Fatalf("ESIA link and its organisations: %+v", u.Links)
	}
	e.WaitEmail(mailUser.Email)
}

// Failures speak: a refused consent, a provider that is down, a bad
// signature, a replayed or foreign answer each get a page in the person's
// language with the way back, and an audit event; nothing is created.
func TestFailuresSpeak(t *testing.T) {
	idp := newIdP("oidc3", connector.TypeOIDC)
	sub := fresh("sub")
	idp.identities["good"] = connector.Identity{Subject: sub, Name: "X"}
	e := newEnv(t, connector.Static{idp})

	b := e.Browser()
	b.Lang = "ru"
	ar := e.AuthRequest(b, "portal", nil)
	fp, state := toProvider(t, b, ar, "oidc3")
	p := back(b, url.Values{"state": {state}, "error": {"access_denied"}})
	if p.Status != http.StatusForbidden || !p.Has(e.Text("ru", "connector.denied", "Provider", "Тест oidc3")) || !p.Has(fp+q(ar)) {
		t.Fatalf("refused consent: %v", p)
	}
	// The answer is spent: the same one again is a replay.
	if p := back(b, url.Values{"state": {state}, "code": {"good"}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("ru", "connector.state")) {
		t.Fatalf("replay: %v", p)
	}

	b = e.Browser()
	ar = e.AuthRequest(b, "portal", nil)
	_, state = toProvider(t, b, ar, "oidc3")
	if p := back(b, url.Values{"state": {state}, "code": {"forged"}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "connector.invalid", "Provider", "Fake oidc3")) {
		t.Fatalf("bad signature: %v", p)
	}
	b = e.Browser()
	ar = e.AuthRequest(b, "portal", nil)
	_, _ = toProvider(t, b, ar, "oidc3")
	if p := back(b, url.Values{"state": {"someone-elses"}, "code": {"good"}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "connector.state")) {
		t.Fatalf("foreign state: %v", p)
	}
	// A browser that never went to the provider.
	if p := back(e.Browser(), url.Values{"state": {"x"}, "code": {"good"}}); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "connector.state")) {
		t.Fatalf("no flow: %v", p)
	}
	idp.down = true
	b = e.Browser()
	ar = e.AuthRequest(b, "portal", nil)
	fp, _ = b.Start(ar)
	b.Allow5xx = true
	if p := b.Post(fp+"/federated/oidc3"+q(ar), nil); p.Status != http.StatusBadGateway || !p.Has(e.Text("en", "connector.unavailable", "Provider", "Fake oidc3")) {
		t.Fatalf("provider down: %v", p)
	}
	if p := b.Post(fp+"/federated/nobody"+q(ar), nil); p.Status != http.StatusNotFound {
		t.Fatalf("unknown provider: %v", p)
	}
	var reasons []string
	for _, ev := range e.Audits(storage.AuditQuery{Type: directory.EventFederatedRefused}) {
		if ev.Details["provider"] == "oidc3" || ev.Details["provider"] == "" {
			reasons = append(reasons, ev.Details["reason"])
		}
	}
	for _, want := range []string{"denied", "state", "invalid", "unavailable"} {
		if !slices.Contains(reasons, want) {
			t.Errorf("no audit of %s (have %v)", want, reasons)
		}
	}
	if _, err := testStore(t).UserByIdentifier(t.Context(), storage.FederatedKey("oidc3", sub)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a failed sign-in left an account: %v", err)
	}
}
