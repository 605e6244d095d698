package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// smsSender builds the configured SMS sender, retried and reported: every final
// result is counted (vhod_notifications_total) and audited (never with the text,
// which holds a code). nil when sign-in by phone is off.
func (a *app) smsSender(audit *directory.Auditor) (notify.SMSSender, error) {
	var base notify.SMSSender
	switch a.cfg.SMS.Provider {
	case "none":
		return nil, nil
	case "outbox":
		base = a.devOutbox()
	case "webhook":
		wh, err := notify.NewWebhook(a.cfg.SMS.Webhook)
		if err != nil {
			return nil, err
		}
		base = wh
	case "smsru":
		s, err := notify.NewSMSRu(a.cfg.SMS.SMSRu)
		if err != nil {
			return nil, err
		}
		base = s
	}
	return &notify.Retry{SMS: base, Attempts: 3, Backoff: 500 * time.Millisecond, Report: a.reportSend(audit, a.cfg.SMS.Provider)}, nil
}

// emailSender builds the configured email sender like smsSender; nil when off.
func (a *app) emailSender(audit *directory.Auditor) (notify.EmailSender, error) {
	var base notify.EmailSender
	switch a.cfg.Email.Provider {
	case "none":
		return nil, nil
	case "outbox":
		base = a.devOutbox()
	case "smtp":
		s, err := notify.NewSMTP(a.cfg.Email.SMTP, nil)
		if err != nil {
			return nil, err
		}
		base = s
	}
	return &notify.Retry{Email: base, Attempts: 3, Backoff: time.Second, Report: a.reportSend(audit, a.cfg.Email.Provider)}, nil
}

func (a *app) devOutbox() *notify.Outbox {
	if a.outbox == nil {
		a.outbox = notify.NewOutbox(100)
	}
	return a.outbox
}

// reportSend counts and audits the final result of every send.
func (a *app) reportSend(audit *directory.Auditor, provider string) func(context.Context, string, string, int, error) {
	return func(ctx context.Context, channel, _ string, attempts int, err error) {
		outcome, e := "sent", storage.AuditEvent{Type: "notify." + channel, Outcome: directory.OutcomeSuccess,
			Details: map[string]string{"attempts": strconv.Itoa(attempts), "provider": provider}}
		if err != nil {
			outcome, e.Outcome, e.Details["error"] = "failed", directory.OutcomeFailure, err.Error()
		}
		a.metrics.notifications.WithLabelValues(channel, outcome).Inc()
		audit.Record(ctx, e)
	}
}

// serveOutbox shows the dev outbox as JSON, newest last (vhod dev only).
func (a *app) serveOutbox(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(a.outbox.Messages())
}
