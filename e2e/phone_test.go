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
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// smsGateway stands in for an SMS provider's webhook and keeps what it was sent.
type smsGateway struct {
	mu      sync.Mutex
	sent    map[string][]string
	arrived time.Time
}

func (g *smsGateway) lastArrival() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.arrived
}

// settle waits for Vhod's background sender to deliver (see settle).
func (g *smsGateway) settle(ready func() bool) { settle(g.lastArrival, ready) }

func newSMSGateway(t *testing.T) (*smsGateway, string) {
	g := &smsGateway{sent: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ To, Text string }
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.sent[m.To] = append(g.sent[m.To], m.Text)
		g.arrived = time.Now()
		g.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return g, srv.URL
}

var codeRe = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode is the code of the last SMS to number.
func (g *smsGateway) lastCode(t *testing.T, number string) string {
	t.Helper()
	g.settle(func() bool { return g.countNow(number) > 0 })
	g.mu.Lock()
	defer g.mu.Unlock()
	msgs := g.sent[number]
	if len(msgs) == 0 {
		t.Fatalf("no SMS to %s", number)
	}
	m := codeRe.FindStringSubmatch(msgs[len(msgs)-1])
	if m == nil {
		t.Fatalf("no code in %q", msgs[len(msgs)-1])
	}
	return m[1]
}

func (g *smsGateway) texts(number string) []string {
	g.settle(func() bool { return true })
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.sent[number]...)
}

func (g *smsGateway) count(number string) int {
	g.settle(func() bool { return true })
	return g.countNow(number)
}

func (g *smsGateway) countNow(number string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent[number])
}

func TestSignInWithSMSCode(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	cfg := strings.Replace(testConfig, "bootstrap:\n",
		"sms: {provider: webhook, webhook: {url: \""+gwURL+"\"}}\nlimits: {sms_per_number_hour: 3}\nbootstrap:\n", 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)

	// startPhone opens the sign-in, follows "Sign in with phone" and asks for a code.
	startPhone := func(b *rptest.Browser, a authorization, phone string) *rptest.Page {
		t.Helper()
		p, err := b.Get(a.URL)
		if err != nil {
			t.Fatal(err)
		}
		link := regexp.MustCompile(`href="([^"]*/phone\?[^"]*)"`).FindStringSubmatch(p.Body)
		if link == nil {
			t.Fatalf("no phone link on the sign-in page")
		}
		u, _ := p.URL.Parse(strings.ReplaceAll(link[1], "&amp;", "&"))
		if p, err = b.Get(u.String()); err != nil {
			t.Fatal(err)
		}
		if p, err = b.Submit(p, "/phone/send", url.Values{"phone": {phone}}); err != nil {
			t.Fatal(err)
		}
		return p
	}

	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p := startPhone(b, a, "8 (909) 000-00-00")
	if !strings.Contains(p.Body, "Если этот номер зарегистрирован") {
		t.Fatalf("no neutral notice: %.400s", p.Body)
	}
	code := gw.lastCode(t, "+79090000000")
	p = mustSubmit(t, b, p, "/phone/verify", url.Values{"code": {"000000"}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Неверный или устаревший код") {
		t.Fatalf("wrong code: %d %.300s", p.Status, p.Body)
	}
	p = mustSubmit(t, b, p, "/phone/verify", url.Values{"code": {code}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("right code did not finish the sign-in: %d %.300s", p.Status, p.Body)
	}
	_, _, claims := shop.exchange(a, shop.code(a, cb))
	if !slices.Equal(toStrings(claims["amr"]), []string{"sms", "otp"}) || claims["acr"] != "urn:vhod:acr:phone" {
		t.Fatalf("claims after SMS sign-in: amr %v acr %v", claims["amr"], claims["acr"])
	}

	// From the code page, "Sign in with password" leads to the password form, which works.
	b3 := rptest.NewBrowser("http://127.0.0.1:8765/")
	a3 := shop.authorization()
	p = startPhone(b3, a3, "+79090000000")
	back := regexp.MustCompile(`href="([^"]*method=password[^"]*)"`).FindStringSubmatch(p.Body)
	if back == nil {
		t.Fatal("no way back to the password form")
	}
	u, _ := p.URL.Parse(strings.ReplaceAll(back[1], "&amp;", "&"))
	p = mustGet(t, b3, u.String())
	p = mustSubmit(t, b3, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if cb, _ := url.Parse(p.Location); cb == nil || cb.Query().Get("code") == "" {
		t.Fatalf("password after asking for a code: %d %.300s", p.Status, p.Body)
	}

	// A number without an account gets the same answer and no SMS.
	p = startPhone(rptest.NewBrowser("http://127.0.0.1:8765/"), shop.authorization(), "+7 909 111-11-11")
	if !strings.Contains(p.Body, "Если этот номер зарегистрирован") || gw.count("+79091111111") != 0 {
		t.Fatalf("unknown number: SMS sent %d, page %.300s", gw.count("+79091111111"), p.Body)
	}

	// Five wrong codes use the code up: the right one is refused afterwards.
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	p = startPhone(b2, shop.authorization(), "+79090000000")
	code = gw.lastCode(t, "+79090000000")
	for range 5 {
		p = mustSubmit(t, b2, p, "/phone/verify", url.Values{"code": {"999999"}})
	}
	p = mustSubmit(t, b2, p, "/phone/verify", url.Values{"code": {code}})
	if p.Location != "" || !strings.Contains(p.Body, "Слишком много неверных попыток") {
		t.Fatalf("sixth attempt: location %q, %.300s", p.Location, p.Body)
	}

	// The number may get three codes an hour; the fourth request is refused.
	p = startPhone(rptest.NewBrowser("http://127.0.0.1:8765/"), shop.authorization(), "+79090000000")
	if p.Status != http.StatusTooManyRequests || gw.count("+79090000000") != 3 {
		t.Fatalf("fourth code: status %d, %d SMS sent", p.Status, gw.count("+79090000000"))
	}
}
