package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// WebhookConfig is a generic SMS gateway: POST {"to": "+7…", "text": "…"} as JSON.
type WebhookConfig struct {
	URL   string `yaml:"url"`
	Token string `yaml:"token" secret:"true"`
}

// Webhook sends SMS to a URL of the operator's choice.
type Webhook struct {
	cfg    WebhookConfig
	client *http.Client
}

// NewWebhook makes a webhook sender.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("sms webhook: url %q is not http(s)", cfg.URL)
	}
	return &Webhook{cfg: cfg, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// SendSMS posts the message; 4xx answers are permanent, others are retried.
func (w *Webhook) SendSMS(ctx context.Context, m SMS) error {
	body, _ := json.Marshal(map[string]string{"to": m.To, "text": m.Text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if w.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.cfg.Token)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return statusError("sms webhook", resp.StatusCode)
}

// SMSRuConfig is the SMS.ru HTTP API (a Russian gateway).
type SMSRuConfig struct {
	APIID string `yaml:"api_id" secret:"true"`
	// From is a sender name registered with SMS.ru; empty: the account default.
	From string `yaml:"from"`
	// BaseURL is https://sms.ru unless a test or a proxy says otherwise.
	BaseURL string `yaml:"base_url"`
}

// SMSRu sends SMS through SMS.ru.
type SMSRu struct {
	cfg    SMSRuConfig
	client *http.Client
}

// NewSMSRu makes an SMS.ru sender.
func NewSMSRu(cfg SMSRuConfig) (*SMSRu, error) {
	if cfg.APIID == "" {
		return nil, fmt.Errorf("sms.ru: api_id is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://sms.ru"
	}
	return &SMSRu{cfg: cfg, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// SendSMS calls /sms/send and reads the per-number status of the JSON answer.
func (s *SMSRu) SendSMS(ctx context.Context, m SMS) error {
	to := strings.TrimPrefix(m.To, "+")
	form := url.Values{"api_id": {s.cfg.APIID}, "to": {to}, "msg": {m.Text}, "json": {"1"}}
	if s.cfg.From != "" {
		form.Set("from", s.cfg.From)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(s.cfg.BaseURL, "/")+"/sms/send",
		strings.NewReader(form.Encode()))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms.ru: %w", err)
	}
	defer resp.Body.Close()
	if err := statusError("sms.ru", resp.StatusCode); err != nil {
		return err
	}
	var out struct {
		Status     string `json:"status"`
		StatusText string `json:"status_text"`
		SMS        map[string]struct {
			Status     string `json:"status"`
			StatusText string `json:"status_text"`
		} `json:"sms"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return fmt.Errorf("sms.ru: unreadable answer: %w", err)
	}
	if out.Status != "OK" {
		// The whole request was refused (key, balance, sender name): retrying won't help.
		return Permanent(fmt.Errorf("sms.ru: %s", out.StatusText))
	}
	if n, ok := out.SMS[to]; !ok || n.Status != "OK" {
		return Permanent(fmt.Errorf("sms.ru: number %s refused: %s", to, n.StatusText))
	}
	return nil
}

func statusError(who string, status int) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusTooManyRequests || status >= 500:
		return fmt.Errorf("%s: answered %d", who, status)
	default:
		return Permanent(fmt.Errorf("%s: answered %d", who, status))
	}
}
