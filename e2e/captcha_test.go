package e2e

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/altcha-org/altcha-lib-go"

	"github.com/vhod-id/vhod/internal/rptest"
)

// solveAltcha does what the page's script does: finds the number and builds the answer.
func solveAltcha(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`data-altcha="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no captcha on the page")
	}
	var ch altcha.Challenge
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &ch); err != nil {
		t.Fatal(err)
	}
	sol, err := altcha.SolveChallenge(ch.Challenge, ch.Salt, altcha.Algorithm(ch.Algorithm), int(ch.MaxNumber), 0, nil)
	if err != nil || sol == nil {
		t.Fatalf("solve: %v", err)
	}
	b, _ := json.Marshal(altcha.Payload{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: int64(sol.Number), Salt: ch.Salt, Signature: ch.Signature})
	return base64.StdEncoding.EncodeToString(b)
}

func TestCaptchaAfterRepeatedFailures(t *testing.T) {
	srv := startServer(t, strings.Replace(testConfig, "bootstrap:\n", "captcha: {work: 5000}\n"+"bootstrap:\n", 1))
	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	a := shop.authorization()
	p := mustGet(t, b, a.URL)
	if strings.Contains(p.Body, "data-altcha") {
		t.Fatal("captcha before any failure")
	}
	for i := range 3 {
		p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"wrong"}})
		if has := strings.Contains(p.Body, "data-altcha"); has != (i == 2) {
			t.Fatalf("after %d failures captcha shown: %v", i+1, has)
		}
	}
	// Without the captcha the right password is not even tried.
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Подтвердите, что вы не робот") {
		t.Fatalf("no captcha answer: %d %.300s", p.Status, p.Body)
	}
	answer := solveAltcha(t, p.Body)
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}, "captcha": {answer}})
	cb, _ := url.Parse(p.Location)
	if cb == nil {
		t.Fatalf("solved captcha and right password: %d %.300s", p.Status, p.Body)
	}
	shop.exchange(a, shop.code(a, cb))

	// An answer serves once.
	b2 := rptest.NewBrowser("http://127.0.0.1:8765/")
	p = mustGet(t, b2, shop.authorization().URL)
	p = mustSubmit(t, b2, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}, "captcha": {answer}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("a used captcha answer served again: %d", p.Status)
	}
}
