package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// slowGateway is an SMS webhook that takes delay to answer, or drops the
// connection while down: a stand-in for a slow or unreachable provider.
type slowGateway struct {
	delay time.Duration
	down  atomic.Bool
	calls atomic.Int32
	mu    sync.Mutex
	sent  map[string][]string
}

func newSlowGateway(t *testing.T, delay time.Duration) (*slowGateway, string) {
	g := &slowGateway{delay: delay, sent: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.calls.Add(1)
		if g.down.Load() {
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = c.Close()
			}
			return
		}
		time.Sleep(g.delay)
		var m struct{ To, Text string }
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.sent[m.To] = append(g.sent[m.To], m.Text)
		g.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return g, srv.URL
}

func (g *slowGateway) texts(number string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.sent[number])
}

// waitFor polls cond every 50 ms for at most limit.
func waitFor(limit time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// outboxConfig is the base config with SMS through gwURL, send limits out of the
// way and a quick outbox sender.
func outboxConfig(gwURL string) string {
	return strings.Replace(testConfig, "bootstrap:\n", "sms: {provider: webhook, webhook: {url: \""+gwURL+"\"}}\n"+
		"limits: {sms_per_number_hour: 1000, sms_per_ip_hour: 1000, sms_global_hour: 10000, sms_global_day: 10000}\n"+
		"outbox: {poll_interval: 50ms, backoff: 100ms, max_backoff: 500ms, max_attempts: 50}\nbootstrap:\n", 1)
}

// openPhonePage starts a sign-in at shop and follows "Sign in with phone".
func openPhonePage(t *testing.T, shop *rp) (*rptest.Browser, *rptest.Page) {
	t.Helper()
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	return b, follow(t, b, mustGet(t, b, shop.authorization().URL), phoneLinkRe)
}

var (
	phoneLinkRe   = regexp.MustCompile(`href="([^"]*/phone\?[^"]*)"`)
	recoverLinkRe = regexp.MustCompile(`href="(/recover\?[^"]*)"`)
)

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return (s[len(s)/2] + s[(len(s)-1)/2]) / 2
}

// sameTiming measures answers for "known" and "unknown" alternately, tries
// of each a round, so that drift of the machine weighs on both alike, and fails
// when their medians differ by more than 20 % or the known one waited for the
// gateway. A leak shows in every round; a busy machine (CI runs other suites
// beside these) makes one round's medians differ by chance now and then, so a
// round that differs is measured again, up to three times. It returns how many
// answers of each kind it took.
func sameTiming(t *testing.T, tries int, gatewayDelay time.Duration, measure func(kind string) time.Duration) int {
	t.Helper()
	const rounds = 3
	for round := 1; ; round++ {
		times := map[string][]time.Duration{}
		for i := range tries {
			order := []string{"known", "unknown"}
			if i%2 == 1 {
				order = []string{"unknown", "known"}
			}
			for _, kind := range order {
				times[kind] = append(times[kind], measure(kind))
			}
		}
		known, unknown := median(times["known"]), median(times["unknown"])
		t.Logf("round %d: median answer: known number %s, unknown number %s (gateway %s)", round, known, unknown, gatewayDelay)
		if known >= gatewayDelay {
			t.Fatalf("the form waited for the gateway: median %s", known)
		}
		if hi, lo := max(known, unknown), min(known, unknown); float64(hi-lo) <= 0.2*float64(hi) {
			return round * tries
		}
		if round == rounds {
			t.Fatalf("medians differ by more than 20%% in all %d rounds: known %s, unknown %s", rounds, known, unknown)
		}
	}
}

// An attacker times "send me a code" for many numbers to learn which have an
// account. With a gateway that takes 300 ms, the answer for a registered number
// must take no longer than the one for an unknown number: forms only queue.
func TestAbuseTimingKnownVsUnknown(t *testing.T) {
	const tries, gatewayDelay = 30, 300 * time.Millisecond
	gw, gwURL := newSlowGateway(t, gatewayDelay)
	srv := startServer(t, outboxConfig(gwURL))
	shop := shopRP(t, srv)
	numbers := map[string]string{"known": "+79090000000", "unknown": "+79091111111"}
	browsers, pages := map[string]*rptest.Browser{}, map[string]*rptest.Page{}
	for kind := range numbers {
		browsers[kind], pages[kind] = openPhonePage(t, shop)
	}
	send := func(kind string) time.Duration {
		start := time.Now()
		p, err := browsers[kind].Submit(pages[kind], "/phone/send", url.Values{"phone": {numbers[kind]}})
		took := time.Since(start)
		if err != nil || p.Status != http.StatusOK || !strings.Contains(p.Body, "Если этот номер зарегистрирован") {
			t.Fatalf("%s number: %v, status %d, %.300s", kind, err, p.Status, p.Body)
		}
		pages[kind] = p
		return took
	}
	send("known") // warm up both paths
	send("unknown")
	sent := 1 + sameTiming(t, tries, gatewayDelay, send)
	// The registered number still gets every code, the unknown one none.
	if !waitFor(30*time.Second, func() bool { return len(gw.texts(numbers["known"])) == sent }) {
		t.Errorf("delivered %d of %d codes", len(gw.texts(numbers["known"])), sent)
	}
	if n := len(gw.texts(numbers["unknown"])); n != 0 {
		t.Errorf("%d messages to the number without an account", n)
	}
}

// A code asked for while the gateway is down is not lost: it waits in the
// database through a restart of Vhod and goes out once the gateway is back; the
// person then signs in with it.
func TestOutboxSurvivesRestart(t *testing.T) {
	gw, gwURL := newSlowGateway(t, 0)
	gw.down.Store(true)
	srv := startServer(t, outboxConfig(gwURL))
	shop := shopRP(t, srv)
	b, p := openPhonePage(t, shop)
	p, err := b.Submit(p, "/phone/send", url.Values{"phone": {"+79090000000"}})
	if err != nil || p.Status != http.StatusOK {
		t.Fatalf("send with the gateway down: %v, %d %.300s", err, p.Status, p.Body)
	}
	if !waitFor(10*time.Second, func() bool { return gw.calls.Load() >= 2 }) {
		t.Fatalf("the sender did not try (and retry) the gateway: %d calls", gw.calls.Load())
	}
	srv.Stop()
	gw.down.Store(false)
	srv.Restart()
	if !waitFor(10*time.Second, func() bool { return len(gw.texts("+79090000000")) > 0 }) {
		t.Fatalf("the queued code was not delivered after the restart (%d calls)\n%s", gw.calls.Load(), srv.Log())
	}
	texts := gw.texts("+79090000000")
	code := codeRe.FindStringSubmatch(texts[0])
	if len(texts) != 1 || code == nil {
		t.Fatalf("gateway got %q", texts)
	}
	p, err = b.Submit(p, "/phone/verify", url.Values{"code": {code[1]}})
	if err != nil || p.Location == "" {
		t.Fatalf("the delivered code did not sign in: %v, %d %.300s", err, p.Status, p.Body)
	}
	if time.Sleep(200 * time.Millisecond); len(gw.texts("+79090000000")) != 1 {
		t.Fatalf("the code was sent %d times", len(gw.texts("+79090000000")))
	}
}

// The same for "Forgot password?" by phone: the answer for a registered number
// takes the time of the one for an unknown number, however slow the gateway.
// Recovery changes nothing until the temporary password is used, and the branch
// for an unknown number spends what the other spends (a throwaway hash).
func TestAbuseTimingRecoveryKnownVsUnknown(t *testing.T) {
	const tries, gatewayDelay = 30, 300 * time.Millisecond
	gw, gwURL := newSlowGateway(t, gatewayDelay)
	srv := startServer(t, strings.Replace(outboxConfig(gwURL), "bootstrap:\n", "captcha: {work: 1000}\nbootstrap:\n", 1))
	shop := shopRP(t, srv)
	numbers := map[string]string{"known": "+79090000000", "unknown": "+79091111111"}
	recover := func(kind string) time.Duration {
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		p := follow(t, b, mustGet(t, b, shop.authorization().URL), recoverLinkRe)
		answer := solveAltcha(t, p.Body)
		start := time.Now()
		p, err := b.Submit(p, "/send", url.Values{"identifier": {numbers[kind]}, "captcha": {answer}})
		took := time.Since(start)
		if err != nil || p.Status != http.StatusOK || !strings.Contains(p.Body, "Если этот номер зарегистрирован") {
			t.Fatalf("%s number: %v, status %d, %.300s", kind, err, p.Status, p.Body)
		}
		return took
	}
	recover("known")
	recover("unknown")
	sent := 1 + sameTiming(t, tries, gatewayDelay, recover)
	if !waitFor(30*time.Second, func() bool { return len(gw.texts(numbers["known"])) == sent }) {
		t.Errorf("delivered %d of %d temporary passwords", len(gw.texts(numbers["known"])), sent)
	}
	if n := len(gw.texts(numbers["unknown"])); n != 0 {
		t.Errorf("%d messages to the number without an account", n)
	}
}
