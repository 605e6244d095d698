package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vhod-id/vhod/internal/rptest"
)

// TestAbusePasswordBurst: a stranger posts many wrong passwords at the same
// moment, each from its own browser. They must meet the limits as passwords
// posted in turn do: with three failures allowed, three are checked and the
// rest refused unchecked, for a real account and for a login without one alike.
// Found in review: the failure counts were read before the password was
// checked and counted after it, so every request of a burst passed the read,
// and all 30 were checked.
func TestAbusePasswordBurst(t *testing.T) {
	limits := "captcha: {provider: none}\nlimits: {signin_failures_per_account: 3, lock_after_failures: 3, delay_after_failures: 100, lock_for: 1h}\n"
	srv := startServer(t, strings.Replace(testConfig, "bootstrap:\n", limits+"bootstrap:\n", 1))
	shop := shopRP(t, srv)
	form := func() (*rptest.Browser, *rptest.Page) {
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		return b, mustGet(t, b, shop.authorization().URL)
	}
	const burst = 30
	for _, login := range []string{"ivanov", "nobody-here"} {
		browsers, forms := make([]*rptest.Browser, burst), make([]*rptest.Page, burst)
		for i := range burst {
			browsers[i], forms[i] = form()
		}
		statuses := make([]int, burst)
		var wg sync.WaitGroup
		for i := range burst {
			wg.Go(func() {
				p, err := browsers[i].Submit(forms[i], "/password", url.Values{"login": {login}, "password": {"guess-" + string(rune('a'+i))}})
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = p.Status
			})
		}
		wg.Wait()
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		if counts[http.StatusUnauthorized] != 3 || counts[http.StatusTooManyRequests] != burst-3 {
			t.Errorf("%s: %d wrong passwords at once answered %v; want 3 checked (401) and %d refused (429)", login, burst, counts, burst-3)
		}
	}
	b, p := form()
	if p, err := b.Submit(p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}}); err != nil || p.Status != http.StatusTooManyRequests {
		t.Fatalf("the right password after the burst: %v %v", p, err)
	}
}

// TestAbuseContractPINBurst: PINs of an accountant contract posted at once
// meet the contract's lock as PINs posted in turn do (TestAbusePasswordBurst).
func TestAbuseContractPINBurst(t *testing.T) {
	srv := startServer(t, contractConfig("Д-15"))
	admin := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	p := mustGet(t, admin, srv.Issuer+"/account/companies/romashka/members")
	if p = mustSubmit(t, admin, p, "/contracts", url.Values{"contract": {"Д-15"}, "pin": {"246810"}}); !strings.Contains(p.Body, "PIN set.") {
		t.Fatalf("PIN: %.400s", p.Body)
	}
	shop := shopRP(t, srv)
	const burst = 20
	browsers, forms := make([]*rptest.Browser, burst), make([]*rptest.Page, burst)
	for i := range burst {
		browsers[i] = rptest.NewBrowser("http://127.0.0.1:8765/")
		forms[i] = follow(t, browsers[i], mustGet(t, browsers[i], shop.authorization().URL), contractLinkRe)
	}
	statuses := make([]int, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			p, err := browsers[i].Submit(forms[i], "/contract", url.Values{"inn": {"7728824599"}, "contract": {"Д 15"}, "pin": {"10000" + string(rune('0'+i%10))}})
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = p.Status
		})
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	// contractConfig allows three failures (lock_after_failures: 3).
	if counts[http.StatusUnauthorized] != 3 || counts[http.StatusTooManyRequests] != burst-3 {
		t.Errorf("%d wrong PINs at once answered %v; want 3 checked (401) and %d refused (429)", burst, counts, burst-3)
	}
}
