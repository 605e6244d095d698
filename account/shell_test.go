package account

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// TestAccountShell: every account and company page is drawn in the wide
// layout: the person's name and a "Sign out" form (with its CSRF token) in
// the header, the sections in a navigation with the page's own marked; the
// moderator's and console's sections only for those who may open them.
func TestAccountShell(t *testing.T) {
	ts := newTestServer(t, nil)
	for path, current := range map[string]string{
		"/account":                `<a href="/account#profile" aria-current="page">Profile</a>`,
		"/account/companies":      `<a href="/account/companies" aria-current="page">Companies</a>`,
		"/account/companies/join": `<a href="/account/companies" aria-current="page">Companies</a>`,
	} {
		p := ts.get(path)
		if p.code != http.StatusOK {
			t.Fatalf("%s: %d", path, p.code)
		}
		p.has(t, `<body class="wide">`, "<summary>Иванов Иван</summary>", `<form method="post" action="/sign-out">`,
			`<nav class="sections" aria-label="Your account">`, current, `<a href="/account#sessions">Active sessions</a>`)
		form := p.body[strings.Index(p.body, `action="/sign-out"`):]
		if !strings.Contains(form[:strings.Index(form, "</form>")], `name="csrf_token"`) {
			t.Errorf("%s: the sign-out form has no CSRF token", path)
		}
		if strings.Contains(p.body, `href="/moderation"`) || strings.Contains(p.body, `href="/console"`) {
			t.Errorf("%s: moderation or console offered to a person without authority", path)
		}
		if strings.Count(p.body, `aria-current="page"`) != 1 {
			t.Errorf("%s: not one section marked current", path)
		}
	}
	if err := ts.store.SetAuthorities(t.Context(), ts.user.ID, []string{storage.AuthorityModerator}); err != nil {
		t.Fatal(err)
	}
	ts.get("/account").has(t, `<a href="/moderation">Moderation</a>`, `<a href="/console">Console</a>`)
}
