package login

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// orgsWithCatalogue are companies by user with a role catalogue.
type orgsWithCatalogue struct {
	orgsByUser
	roles []storage.Role
}

func (o orgsWithCatalogue) Catalogue(context.Context) ([]storage.Role, error) { return o.roles, nil }

// noRaw fails for each raw value or message key on the page.
func noRaw(t *testing.T, what string, p page, raws ...string) {
	t.Helper()
	for _, raw := range raws {
		if strings.Contains(p.body, raw) {
			t.Errorf("raw %q on the %s page: %s", raw, what, p.body)
		}
	}
}

// TestLoginPagesInWords: the company choice and the consent page name the
// companies with non-breaking spaces, the scopes and the person's roles in
// words (Vhod's own role by its message, others by the catalogue's name), in
// Russian and English, and show no key.
func TestLoginPagesInWords(t *testing.T) {
	members := orgsWithCatalogue{orgsByUser: orgsByUser{}, roles: []storage.Role{
		{Key: "buyer", Name: map[string]string{"ru": "Закупщик", "en": "Buyer"}}}}
	e := newEnv(t, func(c *Config) { c.Orgs = members })
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			u := e.user(directory.NewUser{})
			members.orgsByUser[u.ID] = []orgs.Active{
				{Org: storage.Organisation{ID: "org-r", Name: "ООО «Ромашка»", INN: "7728824599"}, Roles: []string{"org_admin", "buyer"}},
				{Org: storage.Organisation{ID: "org-s", Name: "ИП Сидорова А. В.", INN: "500100732259"}},
			}
			b := e.browser()
			b.lang = lang
			ar := e.authRequest(b, "shop", func(ar *storage.AuthRequest) { ar.Scopes = []string{"openid", "profile", ScopeOrg} })
			p := b.signIn(ar, u.Login)
			fp := flowPathOf(p.location)
			choice := b.follow(p)
			for _, want := range []string{"ООО\u00a0«Ромашка»", "ИП\u00a0Сидорова\u00a0А.\u00a0В.", e.text(lang, "org.title")} {
				if !choice.has(want) {
					t.Errorf("the choice lacks %q: %s", want, choice.body)
				}
			}
			noRaw(t, "choice", choice, "org.", "ООО «")
			p = b.post(fp+"/org"+q(ar), map[string][]string{"org": {"org-r"}})
			consent := b.follow(p)
			buyer := map[string]string{"ru": "Закупщик", "en": "Buyer"}[lang]
			for _, want := range []string{"Shop", "ООО\u00a0«Ромашка»", e.text(lang, "role.org_admin") + ", " + buyer,
				e.text(lang, "scope.org"), e.text(lang, "scope.profile"), e.text(lang, "consent.roles")} {
				if !consent.has(want) {
					t.Errorf("the consent page lacks %q: %s", want, consent.body)
				}
			}
			noRaw(t, "consent", consent, "org_admin", "buyer", "scope.", "consent.", "role.", ">openid<", ">org<")
		})
	}
}

// TestErrorPagesLeadSomewhere: an unknown client, a redirect URI not
// registered, a request from another browser and an expired request each
// have a sentence of their own, in each language, and a link on: back to the
// app at the origin of its registered redirect URI (never the URI of the
// request) when the client is known, else to the account.
func TestErrorPagesLeadSomewhere(t *testing.T) {
	e := newEnv(t, nil)
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			show := func(status int, reason, clientID string) page {
				w := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodGet, "/authorize?redirect_uri=https://evil.example/", nil)
				r.Header.Set("Accept-Language", lang)
				e.h.ErrorPage(w, r, status, reason, clientID, "detail for the log")
				return page{status: w.Code, body: html.UnescapeString(w.Body.String())}
			}
			toShop := `href="https://shop.example/"`
			for _, tc := range []struct {
				name, reason, clientID, key, link, linkText string
			}{
				{"unknown client", "unknown_client", "", "error.unknown_client", `href="/account"`, e.text(lang, "error.to_account")},
				{"redirect URI not registered", "bad_redirect_uri", "shop", "error.bad_redirect_uri", toShop, e.text(lang, "error.to_app", "App", "Shop")},
				{"no client known", "", "nonesuch", "error.bad_request", `href="/account"`, e.text(lang, "error.to_account")},
			} {
				p := show(http.StatusBadRequest, tc.reason, tc.clientID)
				if p.status != http.StatusBadRequest || !p.has(e.text(lang, tc.key)) || !p.has(tc.link) || !p.has(tc.linkText) {
					t.Errorf("%s: %v", tc.name, p)
				}
				noRaw(t, tc.name, p, "evil.example", "detail for the log", "error.")
			}
			// The auth request of another browser: back to its app.
			ar := e.authRequest(e.browser(), "shop", nil)
			other := e.browser()
			other.lang = lang
			if p := other.get("/login" + q(ar)); p.status != http.StatusBadRequest || !p.has(e.text(lang, "error.other_browser")) || !p.has(toShop) {
				t.Errorf("another browser's request: %v", p)
			}
			// An expired or unknown request names no app: on to the account.
			if p := other.get("/login?authRequestID=nope"); p.status != http.StatusBadRequest || !p.has(e.text(lang, "error.unknown_request")) || !p.has(`href="/account"`) {
				t.Errorf("unknown request: %v", p)
			}
		})
	}
}

// appHome leads only to a web address the client registered.
func TestAppHome(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	for _, c := range []storage.Client{
		{ID: "native-" + e.ip, Name: "Native", RedirectURIs: []string{"com.example.app:/cb", "https://user:pw@x.example/cb"}},
		{ID: "web-" + e.ip, RedirectURIs: []string{"myapp://cb", "https://app.example:8443/auth/cb?x=1"}},
	} {
		if err := e.store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string][2]string{
		"native-" + e.ip:          {"", ""},
		"web-" + e.ip:             {"web-" + e.ip, "https://app.example:8443/"},
		"shop":                    {"Shop", "https://shop.example/"},
		directory.AccountClientID: {"", ""},
		"nonesuch":                {"", ""},
	} {
		if name, home := e.h.appHome(ctx, id); name != want[0] || home != want[1] {
			t.Errorf("%s: %q %q, want %v", id, name, home, want)
		}
	}
}
