package account

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
)

// sectionSays finds the message shown inside the section with id.
func sectionSays(body, id string) string {
	m := regexp.MustCompile(`(?s)<section id="` + id + `".*?</section>`).FindString(body)
	if a := regexp.MustCompile(`<p class="(?:alert|notice)"[^>]*>([^<]*)</p>`).FindStringSubmatch(m); a != nil {
		return a[1]
	}
	return ""
}

// Answers appear at the section they belong to, and every form posts to its
// section's anchor so the answer opens scrolled there (no script).
func TestAccountAnswersAtTheirSection(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {})
	first := ts.get("/account")
	for _, action := range []string{"/account/profile#profile", "/account/identifier#contacts", "/account/password#password", "/account/sessions/others#sessions"} {
		first.has(t, `action="`+action+`"`)
	}
	for _, tc := range []struct {
		name, path, section, text string
		form                      url.Values
	}{
		{"password mismatch", "/account/password", "password", "Новые пароли не совпадают.", url.Values{"old": {testPassword}, "new": {"N3w-secret!"}, "repeat": {"other"}}},
		{"profile saved", "/account/profile", "profile", "", url.Values{"family_name": {"Петров"}}},
		{"bad identifier", "/account/identifier", "contacts", "", url.Values{"kind": {"email"}, "value": {"not-an-email"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ts.post(tc.path+"?ui_locales=ru", tc.form)
			said := sectionSays(p.body, tc.section)
			if said == "" || (tc.text != "" && said != tc.text) {
				t.Errorf("section %s says %q: %.1500s", tc.section, said, p.body)
			}
			for _, other := range []string{"profile", "contacts", "password", "sessions"} {
				if other != tc.section && sectionSays(p.body, other) != "" {
					t.Errorf("the answer also at %s", other)
				}
			}
		})
	}
}

// An account made from a certificate has no password: it sets a first one
// without an old one (audited, the owner told); the fresh-sign-in rule holds;
// afterwards the page asks for the old password as usual.
func TestAccountFirstPassword(t *testing.T) {
	ts := newTestServer(t, nil)
	u, err := ts.dir.CreateUser(t.Context(), directory.NewUser{Email: "cert-only@example.com", EmailVerified: true, FamilyName: "Сертова"})
	if err != nil {
		t.Fatal(err)
	}
	ts.signIn(u.ID, time.Minute)
	for lang, want := range map[string]string{"ru": "Задать пароль", "en": "Set the password"} {
		p := ts.get("/account?ui_locales=" + lang)
		p.has(t, want)
		if strings.Contains(p.body, `name="old"`) {
			t.Fatalf("%s: an old password asked of an account without one", lang)
		}
	}
	if p := ts.post("/account/password", url.Values{"new": {"short"}, "repeat": {"short"}}); p.code != http.StatusBadRequest || sectionSays(p.body, "password") == "" {
		t.Fatalf("weak first password: %d", p.code)
	}
	// Signed in long ago: sign in again first, nothing set.
	ts.signIn(u.ID, time.Hour)
	if p := ts.post("/account/password", url.Values{"new": {"Fir5t-password!"}, "repeat": {"Fir5t-password!"}}); p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/authorize?") {
		t.Fatalf("stale session: %d %s", p.code, p.location)
	}
	if _, err := ts.dir.Authenticate(t.Context(), "cert-only@example.com", "Fir5t-password!"); err == nil {
		t.Fatal("set without a fresh sign-in")
	}
	ts.signIn(u.ID, time.Minute)
	p := ts.post("/account/password?ui_locales=en", url.Values{"new": {"Fir5t-password!"}, "repeat": {"Fir5t-password!"}})
	if p.code != http.StatusOK || sectionSays(p.body, "password") != "The password is set. You can now sign in with it as well." {
		t.Fatalf("first password: %d %.1500s", p.code, p.body)
	}
	if _, err := ts.dir.Authenticate(t.Context(), "cert-only@example.com", "Fir5t-password!"); err != nil {
		t.Fatalf("the first password does not sign in: %v", err)
	}
	if !ts.audited(directory.EventPasswordChange, directory.OutcomeSuccess) {
		t.Error("not audited")
	}
	if _, ok := ts.sent.lastEmail("cert-only@example.com"); !ok {
		t.Error("the owner was not told")
	}
	p.has(t, `name="old"`)
	// Now that it has one, a post without the old password changes nothing.
	if p := ts.post("/account/password", url.Values{"new": {"An0ther-password!"}, "repeat": {"An0ther-password!"}}); p.code != http.StatusBadRequest {
		t.Fatalf("change without the old password: %d", p.code)
	}
}
