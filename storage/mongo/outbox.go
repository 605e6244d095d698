package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

const colOutbox = "outbox"

// EnqueueMessage stores a new queued message.
func (s *Store) EnqueueMessage(ctx context.Context, m storage.OutboxMessage) error {
	m.State, m.Version = storage.MessageQueued, 0
	return s.insert(ctx, colOutbox, "enqueue message", m)
}

// ClaimMessages reads the due messages, then claims each with a marker of the
// version it was read at: the marker's unique _id is what makes the claim atomic
// on the embedded server as on MongoDB, so that of two instances one sends.
//
// The markers live for two leases. A claimer that wrote its marker and then
// lost the update leaves the message at the old version: once the marker is
// swept, the message is claimed again instead of staying stuck. Senders bound
// a delivery well inside the lease, so no marker they still need is swept.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	filter := bson.D{
		{Key: "state", Value: bson.M{"$in": []string{storage.MessageQueued, storage.MessageSending}}},
		{Key: "next_at", Value: bson.M{"$lte": now.UTC()}},
	}
	cur, err := s.db.Collection(colOutbox).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "next_at", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("find due messages", err)
	}
	var due []storage.OutboxMessage
	if err := cur.All(ctx, &due); err != nil {
		return nil, mapErr("find due messages", err)
	}
	claimed := make([]storage.OutboxMessage, 0, len(due))
	for _, m := range due {
		m.State, m.NextAt, m.Attempts = storage.MessageSending, now.Add(lease).UTC(), m.Attempts+1
		err := s.moveMessage(ctx, &m, now.Add(2*lease), bson.D{{Key: "$set", Value: bson.D{
			{Key: "state", Value: m.State}, {Key: "next_at", Value: m.NextAt}, {Key: "attempts", Value: m.Attempts}}}})
		switch {
		case errors.Is(err, storage.ErrConflict):
			continue // another instance has it
		case err != nil:
			return claimed, err
		}
		claimed = append(claimed, m)
	}
	return claimed, nil
}

// MarkMessageSent records a delivery and drops the text.
func (s *Store) MarkMessageSent(ctx context.Context, m storage.OutboxMessage, at, keepUntil time.Time) error {
	return s.finishMessage(ctx, m, storage.MessageSent, at, keepUntil, "")
}

// FailMessage gives a message up and drops the text.
func (s *Store) FailMessage(ctx context.Context, m storage.OutboxMessage, at, keepUntil time.Time, lastError string) error {
	return s.finishMessage(ctx, m, storage.MessageFailed, at, keepUntil, lastError)
}

// RetryMessage queues a claimed message again for next.
func (s *Store) RetryMessage(ctx context.Context, m storage.OutboxMessage, next time.Time, lastError string) error {
	return s.moveMessage(ctx, &m, s.leaseMarkerUntil(m), bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: storage.MessageQueued}, {Key: "next_at", Value: next.UTC()}, {Key: "last_error", Value: lastError}}}})
}

func (s *Store) finishMessage(ctx context.Context, m storage.OutboxMessage, state string, at, keepUntil time.Time, lastError string) error {
	set := bson.D{{Key: "state", Value: state}, {Key: "done_at", Value: at.UTC()}, {Key: "expires_at", Value: keepUntil.UTC()}}
	if lastError != "" {
		set = append(set, bson.E{Key: "last_error", Value: lastError})
	}
	return s.moveMessage(ctx, &m, s.leaseMarkerUntil(m), bson.D{
		{Key: "$set", Value: set},
		{Key: "$unset", Value: bson.D{{Key: "text", Value: ""}, {Key: "subject", Value: ""}}}})
}

// leaseMarkerUntil keeps the marker of a holder's change a minute past its
// lease: a reclaim happens only after the lease, and a change that wrote its
// marker but not its update is then freed by the sweep.
func (s *Store) leaseMarkerUntil(m storage.OutboxMessage) time.Time {
	return maxTime(m.NextAt, s.now()).Add(time.Minute)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// moveMessage applies update to m over the version it was read at, claimed by a
// marker that lives until markerUntil, and moves m to the next version.
func (s *Store) moveMessage(ctx context.Context, m *storage.OutboxMessage, markerUntil time.Time, update bson.D) error {
	op := "update message " + m.ID
	if err := s.claim(ctx, fmt.Sprintf("outbox:%s@%d", m.ID, m.Version), markerUntil); err != nil {
		return err
	}
	m.Version++
	update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}})
	return s.updateByID(ctx, colOutbox, op, m.ID, update)
}

// OutboxMessageByID reads one message.
func (s *Store) OutboxMessageByID(ctx context.Context, id string) (storage.OutboxMessage, error) {
	var m storage.OutboxMessage
	err := s.byID(ctx, colOutbox, "get message", id, &m, nil)
	return m, err
}

// CountPendingMessages counts the queued and sending messages.
func (s *Store) CountPendingMessages(ctx context.Context) (int64, error) {
	n, err := s.db.Collection(colOutbox).CountDocuments(ctx,
		bson.D{{Key: "state", Value: bson.M{"$in": []string{storage.MessageQueued, storage.MessageSending}}}})
	return n, mapErr("count pending messages", err)
}
