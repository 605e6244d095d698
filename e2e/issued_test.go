package e2e

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// An operator issues an account for a contract with a temporary password; the person
// signs in with the contract number in any spelling and must set a password; later
// recovery by the contract number reaches the email on file.
func TestOperatorIssuedAccountByContract(t *testing.T) {
	_, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	srv.Stop()
	out, err := runVhod(t, nil, "users", "create", "--contract", "ЛС-12345", "--email", "tenant@example.com",
		"--family-name", "Петров", "--config", srv.Config)
	if err != nil {
		t.Fatalf("users create: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`temporary password \(shown once; the first sign-in replaces it\): (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no temporary password printed:\n%s", out)
	}
	srv.Restart()
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p, _ := b.Get(a.URL)
	p, _ = b.Submit(p, "/password", url.Values{"login": {"лс 12345"}, "password": {m[1]}})
	if !strings.Contains(p.Body, "/password/change") {
		t.Fatalf("contract sign-in: %d %.600s", p.Status, p.Body[strings.Index(p.Body, "<main"):])
	}
	p, _ = b.Submit(p, "/password/change", url.Values{"old": {m[1]}, "new": {"Tenant-pass-1"}, "repeat": {"Tenant-pass-1"}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("contract sign-in with forced change: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))

	p = startRecovery(t, rptest.NewBrowser("http://127.0.0.1:8765/"), shop, shop.authorization(), "ЛС12345")
	if !strings.Contains(p.Body, "Если этот номер договора") {
		t.Fatalf("recovery by contract: %.300s", p.Body)
	}
	if box.count("tenant@example.com") != 1 {
		t.Fatalf("the email on file got %d messages", box.count("tenant@example.com"))
	}
}
