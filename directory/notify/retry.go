package notify

import (
	"context"
	"time"
)

// Retry tries a send a few times with exponential backoff, stops at permanent
// errors, and reports the final result with the attempts it took: the caller
// counts it, audits it and keeps what failed. Every wait is bounded by ctx.
type Retry struct {
	Email    EmailSender
	SMS      SMSSender
	Attempts int
	Backoff  time.Duration
	// Report hears every final result: channel "email" or "sms", the recipient and
	// the error (nil on success).
	Report func(ctx context.Context, channel, to string, attempts int, err error)
}

// SendEmail sends through r.Email.
func (r *Retry) SendEmail(ctx context.Context, m Email) error {
	return r.run(ctx, "email", m.To, func() error { return r.Email.SendEmail(ctx, m) })
}

// SendSMS sends through r.SMS.
func (r *Retry) SendSMS(ctx context.Context, m SMS) error {
	return r.run(ctx, "sms", m.To, func() error { return r.SMS.SendSMS(ctx, m) })
}

func (r *Retry) run(ctx context.Context, channel, to string, send func() error) error {
	attempts := max(r.Attempts, 1)
	wait := r.Backoff
	var err error
	n := 0
	for n < attempts {
		n++
		if err = send(); err == nil || IsPermanent(err) || n == attempts {
			break
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
			n = attempts
		case <-time.After(wait):
			wait *= 2
		}
		if ctx.Err() != nil {
			break
		}
	}
	if r.Report != nil {
		r.Report(ctx, channel, to, n, err)
	}
	return err
}
