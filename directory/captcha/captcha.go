// Package captcha tells people from scripts: by default with a proof of work (the
// ALTCHA protocol, solved by a small script of ours in the page, no third party),
// or by asking one of the hosted services (Yandex SmartCaptcha, reCAPTCHA,
// hCaptcha, Turnstile) to verify the token their widget produced.
package captcha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/altcha-org/altcha-lib-go"
)

// ErrFailed means the answer is missing, wrong, expired or used already.
var ErrFailed = errors.New("captcha not solved")

// Widget says how a page shows the captcha and where its answer comes back.
type Widget struct {
	// Hosted is a third-party widget; otherwise the page's own ALTCHA script.
	Hosted bool
	// Class and SiteKey make the widget's element; Script loads it.
	Class, SiteKey, Script string
	// Field is the form field that carries the answer.
	Field string
	// Origins must be allowed by the page's CSP for scripts and frames.
	Origins []string
}

// Verifier makes challenges and checks answers.
type Verifier interface {
	// Widget describes the page side.
	Widget() Widget
	// Challenge is what the page needs: for ALTCHA a challenge (JSON), for a hosted
	// service its site key.
	Challenge(ctx context.Context) (string, error)
	// Verify checks an answer from the form; ErrFailed when it does not pass.
	Verify(ctx context.Context, answer, remoteIP string) error
}

// spent remembers answers already used (a database claim): an ALTCHA solution is
// valid until its challenge expires, and must not serve twice.
type spent func(ctx context.Context, key string, until time.Time) error

// Altcha is the built-in proof-of-work captcha.
type Altcha struct {
	key       string
	maxNumber int64
	ttl       time.Duration
	spend     spent
	// now is the clock of challenge expiry (the library checks an answer's
	// expiry against its own clock).
	now func() time.Time
}

// NewAltcha makes the verifier; key signs challenges (the same on every instance),
// maxNumber sets the work (100,000 takes a browser well under a second), and spend
// claims a solution once.
func NewAltcha(key []byte, maxNumber int64, spend func(ctx context.Context, key string, until time.Time) error) *Altcha {
	return &Altcha{key: string(key), maxNumber: maxNumber, ttl: 10 * time.Minute, spend: spend, now: time.Now}
}

// Widget is the page's own script; the answer comes back in "captcha".
func (a *Altcha) Widget() Widget { return Widget{Field: "captcha"} }

// Challenge returns a signed challenge as JSON.
func (a *Altcha) Challenge(context.Context) (string, error) {
	exp := a.now().Add(a.ttl)
	ch, err := altcha.CreateChallenge(altcha.ChallengeOptions{HMACKey: a.key, MaxNumber: a.maxNumber, Expires: &exp})
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(ch)
	return string(b), err
}

// Verify checks a base64 ALTCHA payload: signature, expiry, work, and single use.
func (a *Altcha) Verify(ctx context.Context, answer, _ string) error {
	if answer == "" || len(answer) > 4096 {
		return ErrFailed
	}
	ok, err := altcha.VerifySolutionSafe(answer, a.key, true)
	if err != nil || !ok {
		return ErrFailed
	}
	sig := answerSignature(answer)
	if sig == "" {
		return ErrFailed
	}
	if err := a.spend(ctx, "altcha:"+sig, a.now().Add(a.ttl)); err != nil {
		if errors.Is(err, ErrSpent) {
			return ErrFailed
		}
		return err
	}
	return nil
}

// ErrSpent is what a spend function returns for an answer used before.
var ErrSpent = errors.New("answer used before")

func answerSignature(answer string) string {
	var p altcha.Payload
	b, err := decodeBase64(answer)
	if err != nil || json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Signature
}

// Hosted verifies tokens of a hosted captcha service through its verify endpoint.
type Hosted struct {
	provider, siteKey, secret, verifyURL string
	client                               *http.Client
}

// hostedWidgets describe the page side of each hosted service.
var hostedWidgets = map[string]Widget{
	"yandex": {Class: "smart-captcha", Script: "https://smartcaptcha.yandexcloud.net/captcha.js", Field: "smart-token",
		Origins: []string{"https://smartcaptcha.yandexcloud.net"}},
	"recaptcha": {Class: "g-recaptcha", Script: "https://www.google.com/recaptcha/api.js", Field: "g-recaptcha-response",
		Origins: []string{"https://www.google.com", "https://www.gstatic.com"}},
	"hcaptcha": {Class: "h-captcha", Script: "https://js.hcaptcha.com/1/api.js", Field: "h-captcha-response",
		Origins: []string{"https://hcaptcha.com", "https://*.hcaptcha.com"}},
	"turnstile": {Class: "cf-turnstile", Script: "https://challenges.cloudflare.com/turnstile/v0/api.js", Field: "cf-turnstile-response",
		Origins: []string{"https://challenges.cloudflare.com"}},
}

// Widget is the service's own widget with the site key.
func (h *Hosted) Widget() Widget {
	w := hostedWidgets[h.provider]
	w.Hosted, w.SiteKey = true, h.siteKey
	return w
}

// Hosted providers and their verify endpoints.
var verifyURLs = map[string]string{
	"yandex":    "https://smartcaptcha.yandexcloud.net/validate",
	"recaptcha": "https://www.google.com/recaptcha/api/siteverify",
	"hcaptcha":  "https://api.hcaptcha.com/siteverify",
	"turnstile": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
}

// NewHosted makes a verifier for provider; verifyURL overrides the endpoint (tests,
// proxies in closed networks).
func NewHosted(provider, siteKey, secret, verifyURL string) (*Hosted, error) {
	def, ok := verifyURLs[provider]
	if !ok {
		return nil, fmt.Errorf("captcha: unknown provider %q", provider)
	}
	if secret == "" || siteKey == "" {
		return nil, fmt.Errorf("captcha: %s needs a site key and a secret", provider)
	}
	if verifyURL == "" {
		verifyURL = def
	}
	return &Hosted{provider: provider, siteKey: siteKey, secret: secret, verifyURL: verifyURL,
		client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// Challenge returns the site key for the widget.
func (h *Hosted) Challenge(context.Context) (string, error) { return h.siteKey, nil }

// Verify asks the service. Yandex answers {"status": "ok"}, the others {"success": true}.
func (h *Hosted) Verify(ctx context.Context, answer, remoteIP string) error {
	if answer == "" || len(answer) > 8192 {
		return ErrFailed
	}
	form := url.Values{"secret": {h.secret}}
	if h.provider == "yandex" {
		form.Set("token", answer)
		form.Set("ip", remoteIP)
	} else {
		form.Set("response", answer)
		form.Set("remoteip", remoteIP)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.verifyURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("captcha %s: %w", h.provider, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("captcha %s: answered %d", h.provider, resp.StatusCode)
	}
	var out struct {
		Status  string `json:"status"`
		Success bool   `json:"success"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return fmt.Errorf("captcha %s: %w", h.provider, err)
	}
	if out.Success || out.Status == "ok" {
		return nil
	}
	return ErrFailed
}
