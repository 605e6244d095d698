// Package notify sends email and SMS: over SMTP, through HTTP gateways (a generic
// webhook and SMS.ru), or into memory for `vhod dev`. Forms never call a gateway:
// they queue messages in the durable Outbox, whose background sender delivers
// them, retries with backoff across restarts and reports every outcome, so that
// the caller can count and audit it. It knows nothing of HTTP handlers or pages.
package notify

import (
	"context"
	"errors"
)

// Channels of messages.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Email is one message to one address.
type Email struct {
	To      string
	Subject string
	Text    string
}

// SMS is one text message to one phone number in E.164.
type SMS struct {
	To   string
	Text string
}

// EmailSender delivers email.
type EmailSender interface {
	SendEmail(ctx context.Context, m Email) error
}

// SMSSender delivers SMS.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// permanentError marks a failure that a retry cannot fix (a refused recipient, a
// rejected API key): the outbox gives up at once.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err as not worth retrying.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent tells whether err should not be retried.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
