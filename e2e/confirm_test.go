package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// mustConfirm presses a dangerous action's button on p: the answer must be
// its confirmation page, with question in it, and nothing done yet; then the
// page's own button, which does it. The page after that comes back.
func mustConfirm(t *testing.T, b *rptest.Browser, p *rptest.Page, action string, fields url.Values, question string) *rptest.Page {
	t.Helper()
	p = mustSubmit(t, b, p, action, fields)
	if !strings.Contains(p.Body, `<input type="hidden" name="confirm" value="1">`) || !strings.Contains(p.Body, question) {
		t.Fatalf("%s did not ask %q first: %d %.800s", action, question, p.Status, p.Body)
	}
	return mustSubmit(t, b, p, action, nil)
}
