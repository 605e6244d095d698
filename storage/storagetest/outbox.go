package storagetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func newMessage(id string, due time.Time) storage.OutboxMessage {
	return storage.OutboxMessage{ID: id, Channel: "sms", To: "+79090000000", Text: "Код: 123456",
		NextAt: due.UTC(), CreatedAt: due.UTC(), ExpiresAt: due.Add(7 * 24 * time.Hour).UTC()}
}

// testOutbox walks messages through the queue: due ones are claimed once under
// a lease, retried later, sent or failed with their text dropped, reclaimed when
// a lease ends, and swept when their time is up.
func testOutbox(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	const lease = time.Minute
	must(t, s.EnqueueMessage(ctx, newMessage("m1", now.Add(-2*time.Second))))
	must(t, s.EnqueueMessage(ctx, newMessage("m2", now.Add(-time.Second))))
	must(t, s.EnqueueMessage(ctx, newMessage("later", now.Add(time.Hour))))
	if n, err := s.CountPendingMessages(ctx); err != nil || n != 3 {
		t.Fatalf("pending %d, %v", n, err)
	}

	got, err := s.ClaimMessages(ctx, now, lease, 10)
	must(t, err)
	if len(got) != 2 || got[0].ID != "m1" || got[1].ID != "m2" {
		t.Fatalf("claimed %+v, want m1 and m2 (oldest first)", got)
	}
	m1, m2 := got[0], got[1]
	if m1.State != storage.MessageSending || m1.Attempts != 1 || !m1.NextAt.Equal(now.Add(lease)) || m1.Text == "" {
		t.Fatalf("claimed message %+v", m1)
	}
	// Under its lease a message is nobody else's.
	if again, err := s.ClaimMessages(ctx, now.Add(time.Second), lease, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed during the lease: %+v, %v", again, err)
	}

	// A retry waits for its time, then counts a second attempt.
	must(t, s.RetryMessage(ctx, m1, now.Add(10*time.Second), "gateway answered 502"))
	wantErr(t, s.RetryMessage(ctx, m1, now.Add(10*time.Second), "again"), storage.ErrConflict)
	if early, _ := s.ClaimMessages(ctx, now.Add(5*time.Second), lease, 10); len(early) != 0 {
		t.Fatalf("retried message claimed early: %+v", early)
	}
	got, err = s.ClaimMessages(ctx, now.Add(10*time.Second), lease, 10)
	must(t, err)
	if len(got) != 1 || got[0].ID != "m1" || got[0].Attempts != 2 || got[0].LastError != "gateway answered 502" {
		t.Fatalf("retry claimed %+v", got)
	}
	m1 = got[0]

	// Sent: the text is gone and the message is kept until keepUntil.
	sentAt := now.Add(11 * time.Second)
	must(t, s.MarkMessageSent(ctx, m1, sentAt, now.Add(24*time.Hour)))
	wantErr(t, s.MarkMessageSent(ctx, m1, sentAt, now.Add(24*time.Hour)), storage.ErrConflict)
	stored, err := s.OutboxMessageByID(ctx, "m1")
	must(t, err)
	if stored.State != storage.MessageSent || stored.Text != "" || stored.Subject != "" || !stored.DoneAt.Equal(sentAt) || stored.To == "" {
		t.Fatalf("sent message %+v", stored)
	}

	// A lease that ends without an outcome (the sender died) frees the message;
	// the old holder can then no longer record anything.
	got, err = s.ClaimMessages(ctx, now.Add(lease+time.Second), lease, 10)
	must(t, err)
	if len(got) != 1 || got[0].ID != "m2" || got[0].Attempts != 2 {
		t.Fatalf("reclaimed %+v", got)
	}
	wantErr(t, s.MarkMessageSent(ctx, m2, now.Add(lease), now.Add(24*time.Hour)), storage.ErrConflict)
	m2 = got[0]
	must(t, s.FailMessage(ctx, m2, now.Add(lease+2*time.Second), now.Add(7*24*time.Hour), "number refused"))
	stored, err = s.OutboxMessageByID(ctx, "m2")
	must(t, err)
	if stored.State != storage.MessageFailed || stored.Text != "" || stored.LastError != "number refused" {
		t.Fatalf("failed message %+v", stored)
	}
	if n, err := s.CountPendingMessages(ctx); err != nil || n != 1 {
		t.Fatalf("pending after sent and failed: %d, %v", n, err)
	}

	// Sent messages are swept after their keeping time; waiting ones stay.
	_, err = s.DeleteExpired(ctx, now.Add(25*time.Hour))
	must(t, err)
	wantErr(t, func() error { _, err := s.OutboxMessageByID(ctx, "m1"); return err }(), storage.ErrNotFound)
	for _, id := range []string{"m2", "later"} {
		if _, err := s.OutboxMessageByID(ctx, id); err != nil {
			t.Fatalf("%s swept too early: %v", id, err)
		}
	}
}

// testConcurrentOutboxClaims has several senders claim the same due messages at
// once: every message goes to exactly one of them.
func testConcurrentOutboxClaims(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC()
	const messages, senders = 10, 6
	for i := range messages {
		must(t, s.EnqueueMessage(ctx, newMessage(fmt.Sprintf("m%02d", i), now.Add(-time.Second))))
	}
	var mu sync.Mutex
	owners := map[string]int{}
	errs := make([]error, senders)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got, err := s.ClaimMessages(ctx, now, time.Minute, messages)
			errs[i] = err
			mu.Lock()
			defer mu.Unlock()
			for _, m := range got {
				owners[m.ID]++
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	if len(owners) != messages {
		t.Fatalf("%d of %d messages claimed", len(owners), messages)
	}
	for id, n := range owners {
		if n != 1 {
			t.Errorf("message %s claimed by %d senders", id, n)
		}
	}
}
