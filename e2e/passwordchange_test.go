package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

func TestTemporaryPasswordMustBeChanged(t *testing.T) {
	cfg := testConfig + `    - login: petrov
      password: "Temp-0rary-1"
      password_temporary: true
`
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	a := shop.authorization()
	p := mustGet(t, b, a.URL)
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"petrov"}, "password": {"Temp-0rary-1"}})
	if p.Location != "" || !strings.Contains(p.Body, "Repeat new password") {
		t.Fatalf("no change form after a temporary password: %q %.300s", p.Location, p.Body)
	}
	for _, tc := range []struct {
		name, old, new, repeat, want string
	}{
		{"repeated differently", "Temp-0rary-1", "N3w-password!", "N3w-password?", "The new passwords differ."},
		{"old wrong", "nope", "N3w-password!", "N3w-password!", "The old password is wrong."},
		{"too short", "Temp-0rary-1", "Sh0rt!", "Sh0rt!", "at least 8 characters"},
		{"common", "Temp-0rary-1", "iloveyou", "iloveyou", "too common"},
		{"unchanged", "Temp-0rary-1", "Temp-0rary-1", "Temp-0rary-1", "must differ from the old one"},
	} {
		p = mustSubmit(t, b, p, "/password/change", url.Values{"old": {tc.old}, "new": {tc.new}, "repeat": {tc.repeat}})
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, tc.want) {
			t.Fatalf("%s: %d %.400s", tc.name, p.Status, p.Body)
		}
		if strings.Contains(p.Body, tc.new) {
			t.Fatalf("%s: a typed password came back in the page", tc.name)
		}
	}
	p = mustSubmit(t, b, p, "/password/change", url.Values{"old": {"Temp-0rary-1"}, "new": {"N3w-password!"}, "repeat": {"N3w-password!"}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("change did not finish the sign-in: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))

	// The next sign-in takes the new password and asks nothing more; the old one is gone.
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "petrov", "N3w-password!")
	shop.exchange(a, code)
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	p = mustGet(t, b2, shop.authorization().URL)
	p = mustSubmit(t, b2, p, "/password", url.Values{"login": {"petrov"}, "password": {"Temp-0rary-1"}})
	if p.Status != http.StatusUnauthorized {
		t.Fatalf("old temporary password still works: %d", p.Status)
	}
}
