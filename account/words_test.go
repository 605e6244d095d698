package account

import (
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestAccountInWords: sessions show their time in the configured zone and
// the browser in words, counted in the language's plural form; companies show
// their status and roles by name. No raw role key, status, ISO time or user
// agent is left.
func TestAccountInWords(t *testing.T) {
	vladivostok, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(c *Config) { c.TimeZone = vladivostok })
	at := time.Date(2026, 12, 4, 14, 30, 0, 0, time.UTC) // 5 Dec 00:30 in Vladivostok
	iphone := "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	if err := ts.store.CreateSession(t.Context(), storage.Session{ID: "h-other", SID: directory.NewID(), UserID: ts.user.ID,
		AuthTime: at, CreatedAt: at, ExpiresAt: time.Now().Add(time.Hour), IP: "192.0.2.7", UserAgent: iphone}); err != nil {
		t.Fatal(err)
	}
	p := ts.get("/account")
	p.has(t, "2 open sessions", "Dec 5, 2026, 12:30\u202fAM", "Safari on iPhone", "Unknown browser")
	for _, raw := range []string{iphone, "2026-12-04", " UTC"} {
		if strings.Contains(p.body, raw) {
			t.Errorf("raw %q on the account page", raw)
		}
	}
	ts.activeOrg("7728824599")
	p = ts.get("/account/companies")
	p.has(t, "ООО\u00a0«Ромашка»", "Active", "Company administrator")
	for _, raw := range []string{"org_admin", "· active"} {
		if strings.Contains(p.body, raw) {
			t.Errorf("raw %q on the companies page: %s", raw, p.body)
		}
	}
}
