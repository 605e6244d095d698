package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrLimited: a send limit is reached; the message is not sent. Pages show
// their "too many messages" sentence (429), never which limit it was.
var ErrLimited = errors.New("send limit reached")

// Rule bounds the messages of one channel, counted in the database: per
// recipient and per client address in an hour, and in all per hour and per day
// (SMS pumping costs money; mail floods cost reputation). 0 turns a bound off.
type Rule struct {
	PerRecipientHour, PerAddressHour, GlobalHour, GlobalDay int
}

// Counter counts events in a sliding window (the store's rate-limit counters).
type Counter interface {
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
}

// Limits is the one rule set of messages sent, applied by the senders it wraps
// (SMS, Email): every message counts once against its channel's rule, whoever
// sends it. A message counts at its send unless the sender already counted it
// with Check, which a page calls when its answer must not depend on the send:
// before it learns whether the recipient exists (an unknown recipient is sent
// nothing, but counts the same, or the limit would tell which recipients are
// known), or before it answers and sends afterwards (recovery).
type Limits struct {
	counter Counter
	rules   map[string]Rule
	log     *slog.Logger
	now     func() time.Time
}

// NewLimits makes the rule set over a counter.
func NewLimits(c Counter, sms, email Rule, log *slog.Logger) *Limits {
	return &Limits{counter: c, rules: map[string]Rule{ChannelSMS: sms, ChannelEmail: email}, log: log, now: time.Now}
}

// SetClock replaces the clock of the windows (tests).
func (l *Limits) SetClock(now func() time.Time) { l.now = now }

// countedKey marks in a context a message already counted by Check.
type countedKey struct{ channel, to string }

// Check counts one message on channel to `to` against the limits now. It
// returns ErrLimited when one is reached, another error when the counters
// cannot be read (the caller fails closed), and otherwise a context under
// which sending that message to that recipient does not count it again. The
// client address is the one FromAddress put into ctx.
func (l *Limits) Check(ctx context.Context, channel, to string) (context.Context, error) {
	if l == nil {
		return ctx, nil
	}
	if err := l.count(ctx, channel, to); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, countedKey{channel, to}, true), nil
}

// Exempt returns a context under which messages do not count: for a message
// that completes a step whose own message was counted (the activation's
// temporary password, after its counted code), or that answers a signed-in
// person's decision about a request another counted step made (an org admin's
// decision on a join request). Keep it rare: every other message counts.
func Exempt(ctx context.Context) context.Context {
	return context.WithValue(ctx, exemptKey{}, true)
}

type exemptKey struct{}

// counted: the message on channel to `to` was counted already under ctx, or
// does not count.
func counted(ctx context.Context, channel, to string) bool {
	return ctx.Value(countedKey{channel, to}) != nil || ctx.Value(exemptKey{}) != nil
}

// count adds one message to each bound in turn (recipient, address, hour, day)
// and stops at the first one exceeded.
func (l *Limits) count(ctx context.Context, channel, to string) error {
	if l == nil {
		return nil
	}
	r := l.rules[channel]
	for _, c := range []struct {
		key    string
		window time.Duration
		limit  int
	}{
		{channel + ":to:" + to, time.Hour, r.PerRecipientHour},
		{channel + ":ip:" + senderAddress(ctx), time.Hour, r.PerAddressHour},
		{channel + ":all", time.Hour, r.GlobalHour},
		{channel + ":all:day", 24 * time.Hour, r.GlobalDay},
	} {
		if c.limit <= 0 {
			continue
		}
		n, err := l.counter.Hit(ctx, c.key, c.window, l.now())
		if err != nil {
			return fmt.Errorf("count %s: %w", channel, err)
		}
		if n > int64(c.limit) {
			l.log.WarnContext(ctx, "send limit reached", "limit", c.key)
			return ErrLimited
		}
	}
	return nil
}

// SMS wraps a sender with the limits; nil stays nil (the channel is off).
func (l *Limits) SMS(next SMSSender) SMSSender {
	if next == nil {
		return nil
	}
	return limitedSMS{l, next}
}

// Email wraps a sender with the limits; nil stays nil (the channel is off).
func (l *Limits) Email(next EmailSender) EmailSender {
	if next == nil {
		return nil
	}
	return limitedEmail{l, next}
}

type limitedSMS struct {
	l    *Limits
	next SMSSender
}

func (s limitedSMS) SendSMS(ctx context.Context, m SMS) error {
	if !counted(ctx, ChannelSMS, m.To) {
		if err := s.l.count(ctx, ChannelSMS, m.To); err != nil {
			return err
		}
	}
	return s.next.SendSMS(ctx, m)
}

type limitedEmail struct {
	l    *Limits
	next EmailSender
}

func (s limitedEmail) SendEmail(ctx context.Context, m Email) error {
	if !counted(ctx, ChannelEmail, m.To) {
		if err := s.l.count(ctx, ChannelEmail, m.To); err != nil {
			return err
		}
	}
	return s.next.SendEmail(ctx, m)
}

type addressKey struct{}

// FromAddress returns ctx saying which client address the messages sent under
// it count against: its limit key (an IPv6 /64 as one address), set by the
// server for every request (the directory knows nothing of HTTP or proxies).
func FromAddress(ctx context.Context, limitKey string) context.Context {
	return context.WithValue(ctx, addressKey{}, limitKey)
}

func senderAddress(ctx context.Context) string {
	s, _ := ctx.Value(addressKey{}).(string)
	return s
}
