package login

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// decideStore adds to fakeStore the consents of the person and the session's
// company, which decide reads and writes.
type decideStore struct {
	*fakeStore
	granted []string
	setOrg  string
}

func (d *decideStore) ConsentedScopes(context.Context, string, string) ([]string, error) {
	return d.granted, nil
}

func (d *decideStore) SetSessionOrg(_ context.Context, _, orgID string) error {
	d.setOrg = orgID
	return nil
}

type fakeOrgs []orgs.Active

func (f fakeOrgs) ActiveOrgs(context.Context, string) ([]orgs.Active, error) { return f, nil }

// TestDecide is the one decision of /authorize (SSO) and the sign-in pages
// (start): which sessions answer which requests, and what stands in the way.
func TestDecide(t *testing.T) {
	maxAge := func(s int64) *int64 { return &s }
	two := fakeOrgs{{Org: storage.Organisation{ID: "o1", INN: "7700000001"}}, {Org: storage.Organisation{ID: "o2", INN: "7700000002"}}}
	one := fakeOrgs{{Org: storage.Organisation{ID: "o1", INN: "7700000001"}}}
	firstParty := storage.Client{ID: "shop", FirstParty: true}
	thirdParty := storage.Client{ID: "partner"}
	for _, tc := range []struct {
		name     string
		client   storage.Client
		ar       storage.AuthRequest // ClientID and openid scope filled in
		acr      string              // of the session; password when empty
		orgID    string              // the session's company
		orgs     fakeOrgs
		granted  []string
		want     verdict
		wantOrg  string // recorded in the session by the decision
		noneDeny string // the error for prompt=none
	}{
		{name: "plain", client: firstParty, want: answer},
		{name: "prompt=login", client: firstParty, ar: storage.AuthRequest{Prompt: []string{"login"}}, want: signIn, noneDeny: "login_required"},
		{name: "select_account without org scope signs in again", client: firstParty,
			ar: storage.AuthRequest{Prompt: []string{"select_account"}}, want: signIn},
		{name: "max_age exceeded", client: firstParty, ar: storage.AuthRequest{MaxAge: maxAge(60)}, want: signIn},
		{name: "max_age kept", client: firstParty, ar: storage.AuthRequest{MaxAge: maxAge(3600)}, want: answer},
		{name: "id_token_hint of another person", client: firstParty, ar: storage.AuthRequest{HintSubject: "u2"}, want: signIn},
		{name: "id_token_hint of this person", client: firstParty, ar: storage.AuthRequest{HintSubject: "u1"}, want: answer},
		{name: "acr_values above the session", client: firstParty,
			ar: storage.AuthRequest{ACRValues: []string{directory.ACRCertificate}}, want: signIn},
		{name: "client min_acr above the session", client: storage.Client{ID: "gov", FirstParty: true, MinACR: directory.ACRPhone}, want: signIn},
		{name: "client min_acr met", client: storage.Client{ID: "gov", FirstParty: true, MinACR: directory.ACRCertificate},
			acr: directory.ACRCertificate, want: answer},
		{name: "third party without consent", client: thirdParty, want: askConsent, noneDeny: "consent_required"},
		{name: "third party with consent", client: thirdParty, granted: []string{"openid"}, want: answer},
		{name: "prompt=consent asks again", client: thirdParty, granted: []string{"openid"},
			ar: storage.AuthRequest{Prompt: []string{"consent"}}, want: askConsent},
		{name: "consent to fewer scopes", client: thirdParty, granted: []string{"openid"},
			ar: storage.AuthRequest{Scopes: []string{"profile"}}, want: askConsent},
		{name: "two companies, none chosen", client: firstParty, orgs: two,
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}}, want: chooseOrg, noneDeny: "account_selection_required"},
		{name: "two companies, chosen before", client: firstParty, orgs: two, orgID: "o2",
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}}, want: answer},
		{name: "one company is recorded", client: firstParty, orgs: one,
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}}, want: answer, wantOrg: "o1"},
		{name: "org hint picks one of two", client: firstParty, orgs: two,
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}, OrgHint: "7700000002"}, want: answer, wantOrg: "o2"},
		{name: "select_account with org scope chooses again", client: firstParty, orgs: two, orgID: "o1",
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}, Prompt: []string{"select_account"}}, want: chooseOrg},
		{name: "no company at all still answers", client: firstParty, orgs: fakeOrgs{},
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}}, want: answer},
		{name: "company before consent", client: thirdParty, orgs: two,
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}}, want: chooseOrg},
		{name: "consent after the one company", client: thirdParty, orgs: one,
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}}, want: askConsent, wantOrg: "o1"},
		{name: "a signed-in session does not lift prompt=login for the org page", client: firstParty, orgs: two,
			ar: storage.AuthRequest{Scopes: []string{ScopeOrg}, Prompt: []string{"login"}}, want: signIn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &decideStore{fakeStore: &fakeStore{client: tc.client}, granted: tc.granted}
			cfg := Config{}
			if tc.orgs != nil {
				cfg.Orgs = tc.orgs
			}
			h := newTestHandler(t, st.fakeStore, cfg)
			h.store = st
			ar := tc.ar
			ar.ClientID = tc.client.ID
			ar.Scopes = append([]string{"openid"}, ar.Scopes...)
			sess := st.session
			sess.AuthTime = time.Now().Add(-10 * time.Minute)
			sess.OrgID = tc.orgID
			if tc.acr != "" {
				sess.ACR = tc.acr
			}
			got, err := h.decideFor(t.Context(), ar, &sess)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("decided %v, want %v", got, tc.want)
			}
			if st.setOrg != tc.wantOrg || (tc.wantOrg != "" && sess.OrgID != tc.wantOrg) {
				t.Fatalf("company recorded %q (session %q), want %q", st.setOrg, sess.OrgID, tc.wantOrg)
			}
			if tc.noneDeny != "" && got.promptNoneError() != tc.noneDeny {
				t.Fatalf("prompt=none error %q, want %q", got.promptNoneError(), tc.noneDeny)
			}
		})
	}
}

// TestDecideWithoutSession: no SSO session, no reads, a sign-in.
func TestDecideWithoutSession(t *testing.T) {
	h := newTestHandler(t, &fakeStore{}, Config{})
	var v verdict
	var sess *storage.Session
	var err error
	rec := httptest.NewRecorder()
	h.cookies.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		v, sess, err = h.decide(r.Context(), storage.AuthRequest{ClientID: "shop"})
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/authorize", nil))
	if v != signIn || sess != nil || err != nil {
		t.Fatalf("decide without a session: %v %+v %v", v, sess, err)
	}
}

// TestDecideFailsClosed: a step that cannot be read is an error, never an answer.
func TestDecideFailsClosed(t *testing.T) {
	for _, errs := range [][]error{{errDatabase}, {nil, errDatabase}} {
		st := &decideStore{fakeStore: &fakeStore{client: storage.Client{ID: "shop", FirstParty: true}, clientErrs: errs}}
		h := newTestHandler(t, st.fakeStore, Config{})
		h.store = st
		sess := st.session
		if v, err := h.decideFor(t.Context(), storage.AuthRequest{ClientID: "shop", Scopes: []string{"openid"}}, &sess); err == nil || v == answer {
			t.Fatalf("client lookups %v: decided %v, %v", errs, v, err)
		}
	}
}

// TestSSOAndStartAgree: the same session and request give the same outcome at
// /authorize and on the pages' start, for each verdict.
func TestSSOAndStartAgree(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client storage.Client
		prompt []string
		sso    bool   // SSO answers
		start  string // where start sends the browser
	}{
		{name: "answer", client: storage.Client{ID: "shop", FirstParty: true}, sso: true, start: "/callback"},
		{name: "consent", client: storage.Client{ID: "partner"}, start: "/login/"},
		{name: "sign in", client: storage.Client{ID: "shop", FirstParty: true}, prompt: []string{"login"}, start: "/login/"},
		{name: "consent, prompt=none", client: storage.Client{ID: "partner"}, prompt: []string{"none"}, start: "/denied?consent_required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &decideStore{fakeStore: &fakeStore{client: tc.client}}
			ft := &flowStore{decideStore: st, ar: storage.AuthRequest{ID: "ar1", ClientID: tc.client.ID,
				Scopes: []string{"openid"}, Prompt: tc.prompt, ExpiresAt: time.Now().Add(time.Hour)}}
			h := newTestHandler(t, st.fakeStore, Config{
				Callback: func(context.Context, string) string { return "/callback" },
				Deny: func(w http.ResponseWriter, r *http.Request, _, code string) {
					http.Redirect(w, r, "/denied?"+code, http.StatusSeeOther)
				}})
			h.store = ft
			var done *storage.Completion
			var err error
			signedIn(h, httptest.NewRequest(http.MethodGet, "/authorize", nil), func(_ http.ResponseWriter, r *http.Request) {
				done, err = h.SSO(r.Context(), ft.ar)
			})
			if err != nil || (done != nil) != tc.sso {
				t.Fatalf("SSO: %+v, %v", done, err)
			}
			ft.ar.BrowserHash = h.cookies.BrowserHash(withBrowser(h))
			rec := signedIn(h, httptest.NewRequest(http.MethodGet, "/login?authRequestID=ar1", nil), h.start)
			loc := rec.Header().Get("Location")
			if rec.Code != http.StatusSeeOther || len(loc) < len(tc.start) || loc[:len(tc.start)] != tc.start {
				t.Fatalf("start: %d to %q, want %q…", rec.Code, loc, tc.start)
			}
			if tc.sso && ft.completed == nil {
				t.Fatal("start answered without completing the request")
			}
		})
	}
}

// flowStore adds the auth request and flows that start reads and writes.
type flowStore struct {
	*decideStore
	ar        storage.AuthRequest
	completed *storage.Completion
}

func (f *flowStore) AuthRequestByID(_ context.Context, id string) (storage.AuthRequest, error) {
	if id != f.ar.ID {
		return storage.AuthRequest{}, storage.ErrNotFound
	}
	return f.ar, nil
}

func (f *flowStore) CreateFlow(context.Context, storage.Flow) error { return nil }

func (f *flowStore) SaveFlow(_ context.Context, fl storage.Flow) (storage.Flow, error) {
	return fl, nil
}

func (f *flowStore) CompleteAuthRequest(_ context.Context, _ string, c storage.Completion, _ time.Time) error {
	f.completed = &c
	return nil
}

// withBrowser is the context of a request of the signed-in test browser.
func withBrowser(h *Handler) context.Context {
	var ctx context.Context
	signedIn(h, httptest.NewRequest(http.MethodGet, "/", nil), func(_ http.ResponseWriter, r *http.Request) { ctx = r.Context() })
	return ctx
}
