package notify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// Store is what the outbox needs of storage.
type Store interface {
	EnqueueMessage(ctx context.Context, m storage.OutboxMessage) error
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error)
	MarkMessageSent(ctx context.Context, m storage.OutboxMessage, at, keepUntil time.Time) error
	RetryMessage(ctx context.Context, m storage.OutboxMessage, next time.Time, lastError string) error
	FailMessage(ctx context.Context, m storage.OutboxMessage, at, keepUntil time.Time, lastError string) error
	CountPendingMessages(ctx context.Context) (int64, error)
}

// OutboxConfig tunes the background sender. Zero fields take the defaults.
type OutboxConfig struct {
	// Poll is how often the queue is read for due retries and for messages that
	// other instances queued or a restart left (default 2 s); a message queued
	// here is picked up at once.
	Poll time.Duration
	// Backoff is the wait before the second attempt (default 5 s); each further
	// wait doubles, up to MaxBackoff (default 10 min).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxAttempts bounds the attempts of one message (default 8); then it fails.
	MaxAttempts int
	// Lease is how long a claimed message is one sender's (default 2 min). A
	// delivery is cut off at half of it, so that a lease never runs out under a
	// sender that is still working.
	Lease time.Duration
	// Parallel is how many messages are delivered at once (default 4).
	Parallel int
	// KeepSent and KeepFailed are how long sent messages (default 1 h) and
	// failed ones (default 7 days) stay, without their text, for operators; the
	// audit log keeps the outcome. Sent ones go soon, since the embedded store
	// reads the whole collection on every poll. Pending is how long an
	// undelivered one may wait (default 7 days): its codes are long expired.
	KeepSent   time.Duration
	KeepFailed time.Duration
	Pending    time.Duration
	// Key (32 bytes) seals a message's text and subject while it waits in the
	// database: they hold codes and temporary passwords that open accounts, and
	// a database dump or backup must not. Empty: stored as they are (tests).
	Key []byte
}

func (c *OutboxConfig) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Poll, 2*time.Second)
	def(&c.Backoff, 5*time.Second)
	def(&c.MaxBackoff, 10*time.Minute)
	def(&c.Lease, 2*time.Minute)
	def(&c.KeepSent, time.Hour)
	def(&c.KeepFailed, 7*24*time.Hour)
	def(&c.Pending, 7*24*time.Hour)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Parallel <= 0 {
		c.Parallel = 4
	}
}

// Outcomes of messages, as reported.
const (
	OutcomeQueued  = "queued"
	OutcomeSent    = "sent"
	OutcomeRetried = "retried"
	OutcomeFailed  = "failed"
)

// Event is one step of one message: queued, sent, retried or failed. It never
// holds the text, which may carry a code.
type Event struct {
	ID       string
	Channel  string
	Outcome  string
	Attempts int
	Err      error
}

// Outbox is the SMS and email sender of the forms: SendSMS and SendEmail only
// queue the message in the database and return, so that a form answers at once
// and in the same time whatever the gateway does; Run delivers the queue through
// the gateways.
type Outbox struct {
	store Store
	sms   SMSSender
	email EmailSender
	cfg   OutboxConfig
	log   *slog.Logger
	// Report hears every event (for metrics and audit); Depth the number of
	// messages still waiting after every pass. Both may be nil.
	Report func(ctx context.Context, e Event)
	Depth  func(n int64)
	now    func() time.Time
	kick   chan struct{}
}

// NewOutbox makes an outbox over store that delivers SMS through sms and email
// through email; either may be nil when that channel is off.
func NewOutbox(store Store, sms SMSSender, email EmailSender, cfg OutboxConfig, log *slog.Logger) *Outbox {
	cfg.setDefaults()
	return &Outbox{store: store, sms: sms, email: email, cfg: cfg, log: log, now: time.Now, kick: make(chan struct{}, 1)}
}

// SendSMS queues m.
func (o *Outbox) SendSMS(ctx context.Context, m SMS) error {
	return o.enqueue(ctx, storage.OutboxMessage{Channel: ChannelSMS, To: m.To, Text: m.Text})
}

// SendEmail queues m.
func (o *Outbox) SendEmail(ctx context.Context, m Email) error {
	return o.enqueue(ctx, storage.OutboxMessage{Channel: ChannelEmail, To: m.To, Subject: m.Subject, Text: m.Text})
}

func (o *Outbox) enqueue(ctx context.Context, m storage.OutboxMessage) error {
	now := o.now().UTC()
	m.ID, m.CreatedAt, m.NextAt, m.ExpiresAt = rand.Text(), now, now, now.Add(o.cfg.Pending)
	if err := o.seal(&m); err != nil {
		return fmt.Errorf("queue %s: %w", m.Channel, err)
	}
	if h, ok := ctx.Value(holdKey{}).(*hold); ok && h != nil {
		// Stored beside the rest of the request (see Hold): the answer does not
		// take the time of this write, which an answer without a message lacks.
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			if err := o.store.EnqueueMessage(context.WithoutCancel(ctx), m); err != nil {
				o.log.ErrorContext(ctx, "outbox: queue message", "channel", m.Channel, "err", err)
				return
			}
			o.queued(ctx, m)
		}()
		return nil
	}
	if err := o.store.EnqueueMessage(ctx, m); err != nil {
		return fmt.Errorf("queue %s: %w", m.Channel, err)
	}
	o.queued(ctx, m)
	return nil
}

func (o *Outbox) queued(ctx context.Context, m storage.OutboxMessage) {
	o.report(ctx, Event{ID: m.ID, Channel: m.Channel, Outcome: OutcomeQueued})
	select { // wake the sender; one pending wake-up is enough
	case o.kick <- struct{}{}:
	default:
	}
}

type holdKey struct{}

type hold struct{ wg sync.WaitGroup }

// Hold returns a context under which SendSMS and SendEmail return at once and
// store the message while the caller goes on (rendering its page), and a wait
// that returns when every such message is stored. A server calls wait before it
// ends the answer: the message is durable before the person reads "sent", and
// the answer for a known recipient does not take one database write more than
// the answer for an unknown one.
func Hold(ctx context.Context) (context.Context, func()) {
	h := &hold{}
	return context.WithValue(ctx, holdKey{}, h), h.wg.Wait
}

// Detach returns a context for work that goes on after the answer: it carries
// ctx's values but not its end (a request's context ends when the client closes
// the connection), and messages sent under it are stored before SendSMS or
// SendEmail returns, as the answer's Hold has been waited for already.
func Detach(ctx context.Context) context.Context {
	return context.WithValue(context.WithoutCancel(ctx), holdKey{}, (*hold)(nil))
}

// Run delivers queued messages until ctx ends: kickDelay after one is queued here,
// else every Poll. Deliveries under way when ctx ends are finished (bounded by
// half the lease) before Run returns, so that a shutdown loses none.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.cfg.Poll)
	defer t.Stop()
	for {
		o.Drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.kick:
			// Let the request that queued the message finish first (its page
			// still reads the database), so that the sender's work does not
			// lengthen exactly the answers that queued something; a burst is
			// then taken in one pass.
			select {
			case <-ctx.Done():
				return
			case <-time.After(kickDelay):
			}
		}
	}
}

// kickDelay is how long after a message is queued here its delivery starts.
const kickDelay = 50 * time.Millisecond

// maxRounds bounds one pass, so that a flood of messages cannot keep the loop
// from seeing ctx end; the next pass takes the rest.
const maxRounds = 50

// Drain claims and delivers the due messages once.
func (o *Outbox) Drain(ctx context.Context) {
	batch := o.cfg.Parallel * 4
	for range maxRounds {
		if ctx.Err() != nil {
			return
		}
		msgs, err := o.store.ClaimMessages(ctx, o.now(), o.cfg.Lease, batch)
		if err != nil {
			// Those claimed before the error are delivered; the rest wait for the next pass.
			o.log.WarnContext(ctx, "outbox: claim messages", "err", err)
		}
		sem := make(chan struct{}, o.cfg.Parallel)
		var wg sync.WaitGroup
		for _, m := range msgs {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				o.deliver(ctx, m)
			}()
		}
		wg.Wait()
		if err != nil {
			return
		}
		if len(msgs) < batch {
			break
		}
	}
	if o.Depth != nil {
		if n, err := o.store.CountPendingMessages(ctx); err == nil {
			o.Depth(n)
		}
	}
}

// deliver sends one claimed message and records the outcome. It runs on to the
// end even when ctx ends, within half the lease.
func (o *Outbox) deliver(ctx context.Context, m storage.OutboxMessage) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.Lease/2)
	defer cancel()
	err := o.send(dctx, m)
	now := o.now().UTC()
	e := Event{ID: m.ID, Channel: m.Channel, Attempts: m.Attempts, Err: err}
	var merr error
	switch {
	case err == nil:
		e.Outcome, merr = OutcomeSent, o.store.MarkMessageSent(dctx, m, now, now.Add(o.cfg.KeepSent))
	case IsPermanent(err) || m.Attempts >= o.cfg.MaxAttempts:
		e.Outcome, merr = OutcomeFailed, o.store.FailMessage(dctx, m, now, now.Add(o.cfg.KeepFailed), err.Error())
	default:
		e.Outcome, merr = OutcomeRetried, o.store.RetryMessage(dctx, m, now.Add(o.backoff(m.Attempts)), err.Error())
		o.log.WarnContext(ctx, "outbox: delivery failed, will retry", "id", m.ID, "channel", m.Channel, "attempts", m.Attempts, "err", err)
	}
	if merr != nil {
		// The outcome is not recorded: the lease runs out and the message is
		// tried again (a sent one may then arrive twice, which beats never).
		o.log.WarnContext(ctx, "outbox: record outcome", "id", m.ID, "outcome", e.Outcome, "err", merr)
		return
	}
	o.report(dctx, e)
}

func (o *Outbox) send(ctx context.Context, m storage.OutboxMessage) error {
	if err := o.open(&m); err != nil {
		return Permanent(err)
	}
	switch {
	case m.Channel == ChannelSMS && o.sms != nil:
		return o.sms.SendSMS(ctx, SMS{To: m.To, Text: m.Text})
	case m.Channel == ChannelEmail && o.email != nil:
		return o.email.SendEmail(ctx, Email{To: m.To, Subject: m.Subject, Text: m.Text})
	default:
		return Permanent(errors.New("no gateway for " + m.Channel))
	}
}

// backoff is the wait after attempt n: Backoff doubled n-1 times, at most MaxBackoff.
func (o *Outbox) backoff(n int) time.Duration {
	d := o.cfg.Backoff
	for i := 1; i < n && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, o.cfg.MaxBackoff)
}

func (o *Outbox) report(ctx context.Context, e Event) {
	if o.Report != nil {
		o.Report(ctx, e)
	}
}
