package console

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// TestConsoleShell: the console's pages are drawn in the wide layout with the
// person's menu (Sign out) and the sections each person may open: an
// operator all of them, the page's own marked; a moderator the queue only.
func TestConsoleShell(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.user("mod", storage.AuthorityModerator)
	ts.signIn("op")
	sections := []string{"/console/clients", "/console/users", "/console/organisations", "/moderation", "/console/catalogues",
		"/console/keys", "/console/anchors", "/console/identity-providers", "/console/audit"}
	for _, path := range sections {
		code, body := ts.get(path)
		want(t, path, code, body, http.StatusOK, `<body class="wide">`, "<summary>op</summary>", `action="/sign-out"`,
			`<a href="`+path+`" aria-current="page">`, `<a href="/account">My account</a>`)
		for _, other := range sections {
			if !strings.Contains(body, `<a href="`+other+`"`) {
				t.Errorf("%s: no link to %s", path, other)
			}
		}
	}
	ts.signIn("mod")
	code, body := ts.get("/moderation")
	want(t, "moderator", code, body, http.StatusOK, `<a href="/moderation" aria-current="page">Moderation</a>`, `<a href="/console">Console</a>`)
	if strings.Contains(body, `href="/console/clients"`) || strings.Contains(body, `href="/console/audit"`) {
		t.Error("a moderator is offered the operator's sections")
	}
}
