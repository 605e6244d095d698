package notify

import (
	"context"
	"sync"
	"time"
)

// OutboxMessage is a message kept by the dev outbox.
type OutboxMessage struct {
	Channel string    `json:"channel"`
	To      string    `json:"to"`
	Subject string    `json:"subject,omitempty"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// Outbox keeps the last messages in memory instead of sending them: the sender of
// `vhod dev`, whose messages the developer reads at /dev/outbox.
type Outbox struct {
	mu   sync.Mutex
	msgs []OutboxMessage
	max  int
}

// NewOutbox keeps at most max messages (oldest dropped first).
func NewOutbox(max int) *Outbox { return &Outbox{max: max} }

// SendEmail keeps the email.
func (o *Outbox) SendEmail(_ context.Context, m Email) error {
	o.add(OutboxMessage{Channel: "email", To: m.To, Subject: m.Subject, Text: m.Text})
	return nil
}

// SendSMS keeps the SMS.
func (o *Outbox) SendSMS(_ context.Context, m SMS) error {
	o.add(OutboxMessage{Channel: "sms", To: m.To, Text: m.Text})
	return nil
}

func (o *Outbox) add(m OutboxMessage) {
	m.At = time.Now().UTC()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	if len(o.msgs) > o.max {
		o.msgs = o.msgs[len(o.msgs)-o.max:]
	}
}

// Messages returns the kept messages, newest last.
func (o *Outbox) Messages() []OutboxMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OutboxMessage(nil), o.msgs...)
}
