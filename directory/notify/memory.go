package notify

import (
	"context"
	"sync"
	"time"
)

// MemoryMessage is a message kept by Memory.
type MemoryMessage struct {
	Channel string    `json:"channel"`
	To      string    `json:"to"`
	Subject string    `json:"subject,omitempty"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// Memory keeps the last messages in memory instead of sending them: the gateway
// of `vhod dev` (provider "outbox"), whose messages the developer reads at
// /dev/outbox. It is not the durable Outbox, which queues messages for a gateway
// such as this one.
type Memory struct {
	mu   sync.Mutex
	msgs []MemoryMessage
	max  int
	now  func() time.Time // when a message was kept
}

// NewMemory keeps at most max messages (oldest dropped first).
func NewMemory(max int) *Memory { return &Memory{max: max, now: time.Now} }

// SendEmail keeps the email.
func (o *Memory) SendEmail(_ context.Context, m Email) error {
	o.add(MemoryMessage{Channel: ChannelEmail, To: m.To, Subject: m.Subject, Text: m.Text})
	return nil
}

// SendSMS keeps the SMS.
func (o *Memory) SendSMS(_ context.Context, m SMS) error {
	o.add(MemoryMessage{Channel: ChannelSMS, To: m.To, Text: m.Text})
	return nil
}

func (o *Memory) add(m MemoryMessage) {
	m.At = o.now().UTC()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	if len(o.msgs) > o.max {
		o.msgs = o.msgs[len(o.msgs)-o.max:]
	}
}

// Messages returns the kept messages, newest last.
func (o *Memory) Messages() []MemoryMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]MemoryMessage(nil), o.msgs...)
}
