package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

func TestLockoutAfterRepeatedFailuresAndUnlock(t *testing.T) {
	_, gwURL := newSMSGateway(t)
	_, port := newMailbox(t)
	cfg := strings.Replace(recoveryConfig(gwURL, port), "captcha: {work: 5000}\n",
		"captcha: {provider: none}\nlimits: {lock_after_failures: 3, delay_after_failures: 2, lock_for: 1h}\n", 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)
	attempt := func(login, password string) *rptest.Page {
		t.Helper()
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		p, err := b.Get(shop.authorization().URL)
		if err != nil {
			t.Fatal(err)
		}
		p, err = b.Submit(p, "/password", url.Values{"login": {login}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i := range 3 {
		if p := attempt("ivanov", "wrong"); p.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, p.Status)
		}
	}
	// Locked: even the right password is refused, with the limit's words.
	if p := attempt("ivanov@example.com", "S3cure-pass!"); p.Status != http.StatusTooManyRequests ||
		!strings.Contains(p.Body, "Слишком много неудачных попыток") {
		t.Fatalf("locked account: %d %.300s", p.Status, p.Body)
	}
	// An operator unlocks it (with the embedded store, Vhod is stopped meanwhile).
	srv.Stop()
	out, err := runVhod(t, nil, "users", "unlock", "ivanov", "--config", srv.Config)
	if err != nil || !strings.Contains(out, "ivanov: unlocked") {
		t.Fatalf("users unlock: %v\n%s", err, out)
	}
	srv.Restart()
	if p := attempt("ivanov", "S3cure-pass!"); p.Location == "" {
		t.Fatalf("after unlock: %d %.300s", p.Status, p.Body)
	}
}
