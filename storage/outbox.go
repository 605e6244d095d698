package storage

import (
	"context"
	"time"
)

// States of an outbox message.
const (
	// MessageQueued waits for its next attempt (NextAt).
	MessageQueued = "queued"
	// MessageSending is held by one sender until its lease (NextAt) ends; a sender
	// that died with it leaves it to be claimed again after that.
	MessageSending = "sending"
	// MessageSent was accepted by the gateway; its text is gone.
	MessageSent = "sent"
	// MessageFailed was given up (attempts spent or refused for good); its text is gone.
	MessageFailed = "failed"
)

// OutboxMessage is one email or SMS on its way out. Forms only queue messages, so
// that they answer at once whether or not anything is sent and whatever the
// gateway does; a background sender delivers them, retries across restarts and
// records the outcome.
type OutboxMessage struct {
	ID      string `bson:"_id"`
	Channel string `bson:"channel"` // "sms" or "email"
	To      string `bson:"to"`
	// Subject and Text may hold a code or a temporary password: they are kept
	// only while the message waits and cleared when it is sent or failed.
	Subject string `bson:"subject,omitempty"`
	Text    string `bson:"text,omitempty"`
	State   string `bson:"state"`
	// Attempts counts the claims, so that a message that keeps killing its
	// sender is given up too.
	Attempts int `bson:"attempts"`
	// NextAt is when a queued message is due, or when a sending one's lease ends.
	NextAt    time.Time `bson:"next_at"`
	LastError string    `bson:"last_error,omitempty"`
	// Version changes with every state change; a change is made only over the
	// version it was read at, so that two senders never both win.
	Version   int64     `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	DoneAt    time.Time `bson:"done_at,omitempty"`
	// ExpiresAt is when DeleteExpired removes the document: long after any retry
	// while it waits, a while after it was sent or failed.
	ExpiresAt time.Time `bson:"expires_at"`
}

// Outbox is the durable queue of outgoing messages.
type Outbox interface {
	// EnqueueMessage stores a new message in state queued.
	EnqueueMessage(ctx context.Context, m OutboxMessage) error
	// ClaimMessages takes up to limit messages that are due at now (queued with
	// NextAt passed, or sending with the lease ended), oldest due first: each
	// becomes sending with a lease until now+lease and one more attempt. Of
	// concurrent callers exactly one gets each message. The returned messages
	// carry the new version.
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// MarkMessageSent records the delivery of a claimed message (at its claimed
	// version) and clears its text. ErrConflict when the lease was lost.
	MarkMessageSent(ctx context.Context, m OutboxMessage, at, keepUntil time.Time) error
	// RetryMessage puts a claimed message back in the queue until next, with the
	// error of this attempt. ErrConflict when the lease was lost.
	RetryMessage(ctx context.Context, m OutboxMessage, next time.Time, lastError string) error
	// FailMessage gives a claimed message up and clears its text. ErrConflict when
	// the lease was lost.
	FailMessage(ctx context.Context, m OutboxMessage, at, keepUntil time.Time, lastError string) error
	// OutboxMessageByID reads one message (for tests and operators).
	OutboxMessageByID(ctx context.Context, id string) (OutboxMessage, error)
	// CountPendingMessages counts the messages not yet sent or failed.
	CountPendingMessages(ctx context.Context) (int64, error)
}
