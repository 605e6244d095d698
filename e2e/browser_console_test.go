package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/ruid"
)

// TestBrowserConsole runs the console's sorting, its long forms in sections,
// the signed-in frame of confirmation and 404 pages, and the error pages that
// lead back to the app (issue 18 items 1, 3, 4 and 8), in Russian and English
// (e2e/browser/console.test.mjs). Sign-in requests live a minute, so that the
// suite meets an expired one; the sweep waits an hour, so that the expired
// request still names its app; consoleOrgs companies make the organisations
// list two pages long.
func TestBrowserConsole(t *testing.T) {
	runBrowser(t, browserSetup{Config: func(cfg, _ string) string {
		cfg = strings.Replace(cfg, "bootstrap:\n", "tokens: {auth_request_lifetime: 1m}\nmaintenance: {interval: 1h}\nbootstrap:\n", 1)
		return strings.Replace(cfg, "  organisations:\n", "  organisations:\n"+consoleOrgs(t, 55), 1)
	}}, "browser/console.test.mjs")
}

// consoleOrgs are n companies for the bootstrap, "ООО «Тест 01»"…, each with
// a valid INN of its own.
func consoleOrgs(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		inn := ""
		for d := range 10 {
			if s := fmt.Sprintf("770%06d%d", 100+i, d); ruid.ValidINN10(s) {
				inn = s
				break
			}
		}
		if inn == "" {
			t.Fatalf("no valid INN for company %d", i)
		}
		fmt.Fprintf(&b, "    - {id: test%02d, name: ООО «Тест %02d», inn: %q, kpp: \"770101001\"}\n", i, i, inn)
	}
	return b.String()
}
