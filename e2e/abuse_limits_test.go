package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// lowLimits: three failures lock, no captcha, so that the attacks below stay short.
const lowLimits = "captcha: {provider: none}\nlimits: {lock_after_failures: 3, delay_after_failures: 2, lock_for: 1h}\n"

var contractLinkRe = regexp.MustCompile(`href="([^"]*/contract\?[^"]*)"`)

// contractConfig is the base config with low limits and company romashka
// whose accountant contracts are contracts (ivanov administers it).
func contractConfig(contracts string) string {
	cfg := strings.Replace(testConfig, "bootstrap:\n", strings.Replace(lowLimits, "delay_after_failures: 2", "delay_after_failures: 10", 1)+"bootstrap:\n", 1)
	cfg = strings.Replace(cfg, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	return strings.Replace(cfg, "  users:\n", `  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021", contracts: [`+contracts+`]}
  memberships:
    - {user: ivanov, org: romashka, roles: [org_admin]}
  users:
`, 1)
}

// setContractPIN sets the accountant PIN of romashka's contract as its org
// admin ivanov does on the members page.
func setContractPIN(t *testing.T, srv *server, contract, pin string) {
	t.Helper()
	admin := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	p := mustGet(t, admin, srv.Issuer+"/account/companies/romashka/members")
	if p = mustSubmit(t, admin, p, "/contracts", url.Values{"contract": {contract}, "pin": {pin}}); !strings.Contains(p.Body, "PIN set.") {
		t.Fatalf("PIN for %s: %.400s", contract, p.Body)
	}
}

// TestAbuseContractRespelling: an accountant PIN is guessed by spelling the
// contract number differently on each try ("Д-15", "Д 15", "Д--1-5" are one
// contract). All spellings count against one lock: after three wrong PINs, the
// right PIN under yet another spelling is refused, while another contract of the
// company still signs in.
func TestAbuseContractRespelling(t *testing.T) {
	srv := startServer(t, contractConfig("Д-15, Д-16"))
	setContractPIN(t, srv, "Д-15", "246810")
	setContractPIN(t, srv, "Д-16", "246810")
	shop := shopRP(t, srv)
	try := func(contract, pin string) *rptest.Page {
		t.Helper()
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		b.Lang = "en"
		p := follow(t, b, mustGet(t, b, shop.authorization().URL), contractLinkRe)
		return mustSubmit(t, b, p, "/contract", url.Values{"inn": {"7728824599"}, "contract": {contract}, "pin": {pin}})
	}
	for i, spelling := range []string{"Д-15", "Д 15", "Д--1-5"} {
		if p := try(spelling, "00000"+string(rune('0'+i))); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong PIN %d (%q): %d %.300s", i+1, spelling, p.Status, p.Body)
		}
	}
	if p := try("д15", "246810"); p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "Too many failed sign-in attempts") {
		t.Fatalf("the right PIN after three wrong ones under other spellings: %d %.300s", p.Status, p.Body)
	}
	if p := try("Д-16", "246810"); p.Location == "" {
		t.Fatalf("another contract of the company is locked too: %d %.300s", p.Status, p.Body)
	}
}

// TestAbuseContractLockSparesAccountantDevice (review of issue 16 item 5): the
// INN is public and contract numbers are guessable, so strangers can lock a
// contract with wrong PINs; the accountant's own browser, which signed in to
// that contract before, still signs in, while a stranger's right PIN is refused.
func TestAbuseContractLockSparesAccountantDevice(t *testing.T) {
	srv := startServer(t, contractConfig("Д-15"))
	setContractPIN(t, srv, "Д-15", "246810")
	shop := shopRP(t, srv)
	try := func(b *rptest.Browser, pin string) *rptest.Page {
		t.Helper()
		p := follow(t, b, mustGet(t, b, shop.authorization(oauth2.SetAuthURLParam("prompt", "login")).URL), contractLinkRe)
		return mustSubmit(t, b, p, "/contract", url.Values{"inn": {"7728824599"}, "contract": {"Д 15"}, "pin": {pin}})
	}
	stranger := func() *rptest.Browser {
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		b.Lang = "en"
		return b
	}
	accountant := stranger()
	if p := try(accountant, "246810"); p.Location == "" {
		t.Fatalf("the accountant's first sign-in: %d %.300s", p.Status, p.Body)
	}
	for i := range 3 {
		if p := try(stranger(), "00000"+string(rune('0'+i))); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong PIN %d: %d %.300s", i+1, p.Status, p.Body)
		}
	}
	if p := try(stranger(), "246810"); p.Status != http.StatusTooManyRequests {
		t.Fatalf("a stranger's right PIN on a locked contract: %d %.300s", p.Status, p.Body)
	}
	if p := try(accountant, "246810"); p.Location == "" {
		t.Fatalf("the accountant's own browser is locked out: %d %.300s", p.Status, p.Body)
	}
}

// signInAttempt is one answer of the password form, as a stranger sees it.
type signInAttempt struct {
	Status  int
	Limited bool // "too many failed attempts"
	Slow    bool // answered after the deliberate delay (≥ 1 s)
}

// TestAbuseUnknownIdentifierLocked: a stranger probes whether logins exist by
// failing until the delay and the lock show. A login without an account must
// answer exactly as a real one: the same statuses, the same delays, the same lock.
func TestAbuseUnknownIdentifierLocked(t *testing.T) {
	srv := startServer(t, strings.Replace(testConfig, "bootstrap:\n", lowLimits+"bootstrap:\n", 1))
	shop := shopRP(t, srv)
	attempt := func(login, password string) signInAttempt {
		t.Helper()
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		p := mustGet(t, b, shop.authorization().URL)
		start := time.Now()
		p = mustSubmit(t, b, p, "/password", url.Values{"login": {login}, "password": {password}})
		return signInAttempt{Status: p.Status, Limited: strings.Contains(p.Body, "Слишком много неудачных попыток"),
			Slow: time.Since(start) >= time.Second}
	}
	// want: the 2nd failure is delayed (1 s), the 3rd locks, the 4th is refused.
	want := []signInAttempt{{Status: 401}, {Status: 401, Slow: true}, {Status: 401}, {Status: 429, Limited: true}}
	probe := func(login string) {
		t.Helper()
		for i, w := range want {
			got := attempt(login, "wrong-password")
			// A loaded machine may slow any answer; only the delay is certain.
			if got.Status != w.Status || got.Limited != w.Limited || (w.Slow && !got.Slow) {
				t.Errorf("%s, failure %d: %+v, want %+v", login, i+1, got, w)
			}
		}
	}
	probe("ivanov")
	probe("nobody-here")
	// The lock holds for other spellings of the same unknown identifier too.
	if a, b := attempt("8 (909) 111-22-33", "x"), attempt("+7 909 111 22 33", "x"); a.Status != 401 || b.Status != 401 {
		t.Fatalf("unknown phone, first failures: %+v %+v", a, b)
	}
	if c := attempt("89091112233", "x"); c.Status != 401 { // third failure: locks
		t.Fatalf("unknown phone, third failure: %+v", c)
	}
	if d := attempt("+79091112233", "x"); !d.Limited {
		t.Fatalf("unknown phone under another spelling after three failures: %+v", d)
	}
}

// TestAbuseSignInTimingKnownUnknown: the password form answers a wrong password
// for a real account and any password for an unknown login in the same time
// (both cost one password hash and the same database reads and writes). Medians
// over 30 interleaved tries each must be within 20 %. The machine running the
// tests is shared, so a round spoilt by load is measured once more: a real
// difference shows in both rounds.
func TestAbuseSignInTimingKnownUnknown(t *testing.T) {
	cfg := strings.Replace(testConfig, "bootstrap:\n",
		"captcha: {provider: none}\nlimits: {signin_failures_per_ip: 1000, signin_failures_per_account: 1000, delay_after_failures: 1000, lock_after_failures: 1000}\nbootstrap:\n", 1)
	cfg = strings.Replace(cfg, "passwords: {memory_kib: 8192, iterations: 1, parallelism: 1}", "passwords: {memory_kib: 32768, iterations: 2, parallelism: 1}", 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	p := mustGet(t, b, shop.authorization().URL)
	measure := func(login string) time.Duration {
		start := time.Now()
		q := mustSubmit(t, b, p, "/password", url.Values{"login": {login}, "password": {"wrong-password"}})
		d := time.Since(start)
		if q.Status != http.StatusUnauthorized {
			t.Fatalf("%s: %d %.300s", login, q.Status, q.Body)
		}
		p = q
		return d
	}
	for _, pair := range [][2]string{{"ivanov", "nobody-here"}, {"ivanov@example.com", "nobody@example.com"}, {"+7 909 000-00-00", "+7 909 000-00-01"}} {
		// One login of each kind, tried alike: a first failure creates counters in
		// the database, later ones update them, whether the account exists or not.
		for range 2 {
			measure(pair[0])
			measure(pair[1])
		}
		var ratio float64
		for round := range 2 {
			var known, unknown []time.Duration
			for i := range 30 {
				// Alternate which goes first, so that neither always follows the other.
				if i%2 == 0 {
					known = append(known, measure(pair[0]))
					unknown = append(unknown, measure(pair[1]))
				} else {
					unknown = append(unknown, measure(pair[1]))
					known = append(known, measure(pair[0]))
				}
			}
			mk, mu := median(known), median(unknown)
			ratio = float64(mu) / float64(mk)
			t.Logf("round %d: median answer %q %v, %q %v (%.2f)", round+1, pair[0], mk, pair[1], mu, ratio)
			if ratio >= 0.8 && ratio <= 1.25 {
				break
			}
		}
		if ratio < 0.8 || ratio > 1.25 {
			t.Errorf("%q answers in %.2f of the time of %q", pair[1], ratio, pair[0])
		}
	}
}

// TestLockoutSparesKnownDevice: a stranger's wrong passwords lock the account
// for strangers only. The owner's browser, which signed in before (it holds a
// signed device cookie), still signs in with the right password; a fresh browser
// with the right password is refused; the SMS code sign-in stays open.
func TestLockoutSparesKnownDevice(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	cfg := strings.Replace(testConfig, "bootstrap:\n",
		"sms: {provider: webhook, webhook: {url: \""+gwURL+"\"}}\n"+lowLimits+"bootstrap:\n", 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)

	owner := rptest.NewBrowser("http://127.0.0.1:8765/")
	a, code := shop.signIn(owner, "ivanov", "S3cure-pass!")
	shop.exchange(a, code)

	for i := range 3 {
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		p := mustGet(t, b, shop.authorization().URL)
		if p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"guess-" + string(rune('a'+i))}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("attacker's failure %d: %d", i+1, p.Status)
		}
	}
	fresh := rptest.NewBrowser("http://127.0.0.1:8765/")
	p := mustGet(t, fresh, shop.authorization().URL)
	if p = mustSubmit(t, fresh, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("a fresh browser with the right password during the lock: %d %.300s", p.Status, p.Body)
	}

	// The owner asks to sign in again (prompt=login: the session alone is not enough).
	a = shop.authorization(oauth2.SetAuthURLParam("prompt", "login"))
	p = mustGet(t, owner, a.URL)
	if !strings.Contains(p.Body, `name="password"`) {
		t.Fatalf("no password form for prompt=login: %d %.300s", p.Status, p.Body)
	}
	p = mustSubmit(t, owner, p, "/password", url.Values{"login": {"ivanov@example.com"}, "password": {"S3cure-pass!"}})
	if p.Location == "" {
		t.Fatalf("the owner's known browser is locked out: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, mustParse(t, p.Location)))

	// The SMS code sign-in is another way in; the password lock does not close it.
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a = shop.authorization()
	p = follow(t, b, mustGet(t, b, a.URL), regexp.MustCompile(`href="([^"]*/phone\?[^"]*)"`))
	p = mustSubmit(t, b, p, "/phone/send", url.Values{"phone": {"+79090000000"}})
	p = mustSubmit(t, b, p, "/phone/verify", url.Values{"code": {gw.lastCode(t, "+79090000000")}})
	if p.Location == "" {
		t.Fatalf("SMS code sign-in during the password lock: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, mustParse(t, p.Location)))

	// A device cookie that sends wrong passwords as often as locks an account is
	// distrusted (someone else may be using that browser): the lock applies to it.
	signInAgain := func(password string) *rptest.Page {
		t.Helper()
		p := mustGet(t, owner, shop.authorization(oauth2.SetAuthURLParam("prompt", "login")).URL)
		return mustSubmit(t, owner, p, "/password", url.Values{"login": {"ivanov"}, "password": {password}})
	}
	for i := range 3 {
		if p := signInAgain("owner-typo-" + string(rune('a'+i))); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d from the known browser: %d %.300s", i+1, p.Status, p.Body)
		}
	}
	if p := signInAgain("S3cure-pass!"); p.Status != http.StatusTooManyRequests {
		t.Fatalf("a known browser after three wrong passwords during the lock: %d %.300s", p.Status, p.Body)
	}
}
