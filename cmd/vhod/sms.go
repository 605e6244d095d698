package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// senders builds what the forms send SMS and email through: the durable outbox
// over the configured gateways. Forms only queue; runOutbox delivers. Either is
// nil when its channel is off (sign-in by phone disappears without SMS).
func (a *app) senders(audit *directory.Auditor) (notify.SMSSender, notify.EmailSender, error) {
	smsGW, err := a.smsGateway()
	if err != nil {
		return nil, nil, err
	}
	emailGW, err := a.emailGateway()
	if err != nil {
		return nil, nil, err
	}
	if smsGW == nil && emailGW == nil {
		return nil, nil, nil
	}
	c := a.cfg.Outbox
	outboxKey := deriveKey(a.master, "outbox")
	a.outbox = notify.NewOutbox(a.store, smsGW, emailGW, notify.OutboxConfig{
		Poll: c.PollInterval, Backoff: c.Backoff, MaxBackoff: c.MaxBackoff, MaxAttempts: c.MaxAttempts,
		Key: outboxKey[:],
	}, a.log)
	a.outbox.Report = a.reportSend(audit)
	a.outbox.Depth = func(n int64) { a.metrics.outboxDepth.Set(float64(n)) }
	var sms notify.SMSSender
	var email notify.EmailSender
	if smsGW != nil {
		sms = a.outbox
	}
	if emailGW != nil {
		email = a.outbox
	}
	return sms, email, nil
}

// smsGateway is the configured SMS gateway; nil when SMS is off.
func (a *app) smsGateway() (notify.SMSSender, error) {
	switch a.cfg.SMS.Provider {
	case "outbox":
		return a.devMemory(), nil
	case "webhook":
		return notify.NewWebhook(a.cfg.SMS.Webhook)
	case "smsru":
		return notify.NewSMSRu(a.cfg.SMS.SMSRu)
	}
	return nil, nil
}

// emailGateway is the configured email relay; nil when email is off.
func (a *app) emailGateway() (notify.EmailSender, error) {
	switch a.cfg.Email.Provider {
	case "outbox":
		return a.devMemory(), nil
	case "smtp":
		return notify.NewSMTP(a.cfg.Email.SMTP, nil)
	}
	return nil, nil
}

func (a *app) devMemory() *notify.Memory {
	if a.memory == nil {
		a.memory = notify.NewMemory(100)
	}
	return a.memory
}

// runOutbox delivers queued messages until ctx ends; the returned channel closes
// when the deliveries under way are finished.
func (a *app) runOutbox(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if a.outbox == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		a.outbox.Run(ctx)
	}()
	return done
}

// reportSend counts every step of every message (vhod_notifications_total) and
// audits its end: sent or failed. Never the text, which holds a code, nor the
// recipient.
func (a *app) reportSend(audit *directory.Auditor) func(context.Context, notify.Event) {
	provider := map[string]string{notify.ChannelSMS: a.cfg.SMS.Provider, notify.ChannelEmail: a.cfg.Email.Provider}
	return func(ctx context.Context, ev notify.Event) {
		a.metrics.notifications.WithLabelValues(ev.Channel, ev.Outcome).Inc()
		if ev.Outcome != notify.OutcomeSent && ev.Outcome != notify.OutcomeFailed {
			return
		}
		e := storage.AuditEvent{Type: "notify." + ev.Channel, Outcome: directory.OutcomeSuccess,
			Details: map[string]string{"attempts": strconv.Itoa(ev.Attempts), "provider": provider[ev.Channel], "message": ev.ID}}
		if ev.Err != nil {
			e.Outcome, e.Details["error"] = directory.OutcomeFailure, ev.Err.Error()
		}
		audit.Record(ctx, e)
	}
}

// serveOutbox shows the dev gateway's messages as JSON, newest last (vhod dev only).
func (a *app) serveOutbox(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(a.memory.Messages())
}
