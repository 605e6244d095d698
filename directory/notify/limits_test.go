package notify

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// hits counts per key, whatever the window, and remembers the clock it was given.
type hits struct {
	n   map[string]int64
	at  []time.Time
	err error
}

func (h *hits) Hit(_ context.Context, key string, _ time.Duration, now time.Time) (int64, error) {
	if h.err != nil {
		return 0, h.err
	}
	if h.n == nil {
		h.n = map[string]int64{}
	}
	h.n[key]++
	h.at = append(h.at, now)
	return h.n[key], nil
}

type kept struct {
	sms    []SMS
	emails []Email
}

func (k *kept) SendSMS(_ context.Context, m SMS) error { k.sms = append(k.sms, m); return nil }
func (k *kept) SendEmail(_ context.Context, m Email) error {
	k.emails = append(k.emails, m)
	return nil
}

func newLimits(c Counter, r Rule) *Limits {
	return NewLimits(c, r, r, slog.New(slog.DiscardHandler))
}

// TestLimitedSenderCountsEverySend: a send that no Check counted counts at the
// send, against the recipient, the client address (an IPv6 /64 as one) and the
// totals, by the Limits clock; past a bound it is refused with ErrLimited and
// not passed on.
func TestLimitedSenderCountsEverySend(t *testing.T) {
	c := &hits{}
	l := newLimits(c, Rule{PerRecipientHour: 2, PerAddressHour: 3, GlobalHour: 100, GlobalDay: 1000})
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	l.SetClock(func() time.Time { return at })
	k := &kept{}
	sms := l.SMS(k)
	ctx := FromAddress(t.Context(), "2001:db8:1:2::/64")
	for i, to := range []string{"+79090000001", "+79090000001", "+79090000001"} {
		err := sms.SendSMS(ctx, SMS{To: to, Text: "code"})
		if want := i < 2; (err == nil) != want {
			t.Fatalf("send %d: %v", i+1, err)
		}
		if i == 2 && !errors.Is(err, ErrLimited) {
			t.Fatalf("third send to one number: %v, want ErrLimited", err)
		}
	}
	if len(k.sms) != 2 {
		t.Fatalf("passed on %d messages, want 2", len(k.sms))
	}
	// Another request from the same address (the server keys an IPv6 /64 as
	// one, see clientaddr.LimitKey) shares the address bound, which counted 2
	// (the refused send stopped at its recipient's bound, before the address).
	other := FromAddress(t.Context(), "2001:db8:1:2::/64")
	if err := sms.SendSMS(other, SMS{To: "+79090000002"}); err != nil {
		t.Fatalf("third from the /64: %v", err)
	}
	if err := sms.SendSMS(other, SMS{To: "+79090000003"}); !errors.Is(err, ErrLimited) {
		t.Fatalf("fourth from the /64: %v, want ErrLimited", err)
	}
	if c.n["sms:ip:2001:db8:1:2::/64"] != 4 || c.n["sms:to:+79090000001"] != 3 {
		t.Fatalf("counters: %v", c.n)
	}
	for _, got := range c.at {
		if !got.Equal(at) {
			t.Fatalf("counted at %v, want the Limits clock's %v", got, at)
		}
	}
	// Email has its own counters.
	if err := l.Email(k).SendEmail(ctx, Email{To: "a@example.com"}); err != nil || len(k.emails) != 1 {
		t.Fatalf("email: %v %d", err, len(k.emails))
	}
}

// TestCheckCountsOnceAndFailsClosed: a message counted by Check is not counted
// again when it is sent under Check's context (recovery sends after the answer);
// only that recipient on that channel is; a limit reached at Check is
// ErrLimited; counters that cannot be read are another error, and the sender
// refuses rather than send uncounted.
func TestCheckCountsOnceAndFailsClosed(t *testing.T) {
	c := &hits{}
	l := newLimits(c, Rule{PerRecipientHour: 1})
	k := &kept{}
	sms, email := l.SMS(k), l.Email(k)
	ctx, err := l.Check(t.Context(), ChannelSMS, "+79090000001")
	if err != nil {
		t.Fatal(err)
	}
	if err := sms.SendSMS(Detach(ctx), SMS{To: "+79090000001"}); err != nil {
		t.Fatalf("send after Check counted twice: %v", err)
	}
	if c.n["sms:to:+79090000001"] != 1 {
		t.Fatalf("counted %d times, want once", c.n["sms:to:+79090000001"])
	}
	if err := sms.SendSMS(ctx, SMS{To: "+79090000002"}); err != nil || c.n["sms:to:+79090000002"] != 1 {
		t.Fatalf("another number under the context was not counted: %v %v", err, c.n)
	}
	if err := email.SendEmail(ctx, Email{To: "+79090000001"}); err != nil || c.n["email:to:+79090000001"] != 1 {
		t.Fatalf("another channel under the context was not counted: %v %v", err, c.n)
	}
	if _, err := l.Check(t.Context(), ChannelSMS, "+79090000001"); !errors.Is(err, ErrLimited) {
		t.Fatalf("second Check: %v, want ErrLimited", err)
	}
	if err := sms.SendSMS(Exempt(t.Context()), SMS{To: "+79090000001"}); err != nil || c.n["sms:to:+79090000001"] != 2 {
		t.Fatalf("an exempt message was refused or counted: %v %v", err, c.n)
	}

	broken := newLimits(&hits{err: errors.New("database down")}, Rule{PerRecipientHour: 1})
	k = &kept{}
	if _, err := broken.Check(t.Context(), ChannelEmail, "a@example.com"); err == nil || errors.Is(err, ErrLimited) {
		t.Fatalf("Check with broken counters: %v, want an error that is not ErrLimited", err)
	}
	if err := broken.Email(k).SendEmail(t.Context(), Email{To: "a@example.com"}); err == nil || len(k.emails) != 0 {
		t.Fatalf("sent with broken counters: %v %d", err, len(k.emails))
	}
	if broken.SMS(nil) != nil || broken.Email(nil) != nil {
		t.Fatal("a channel that is off must stay nil")
	}
	var none *Limits
	if _, err := none.Check(t.Context(), ChannelSMS, "+79090000001"); err != nil {
		t.Fatalf("no limits: %v", err)
	}
}
