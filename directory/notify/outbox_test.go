package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// flakyGateway fails its first failures calls with err, then takes messages.
type flakyGateway struct {
	mu       sync.Mutex
	failures int
	err      error
	calls    []time.Time
	got      []SMS
}

func (g *flakyGateway) SendSMS(_ context.Context, m SMS) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, time.Now())
	if len(g.calls) <= g.failures {
		return g.err
	}
	g.got = append(g.got, m)
	return nil
}

func (g *flakyGateway) snapshot() ([]time.Time, []SMS) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]time.Time(nil), g.calls...), append([]SMS(nil), g.got...)
}

// events collects what the outbox reports.
type events struct {
	mu   sync.Mutex
	list []Event
}

func (e *events) add(_ context.Context, ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
}

func (e *events) outcomes() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.list {
		out = append(out, ev.Outcome)
	}
	return out
}

var fastOutbox = OutboxConfig{Poll: 10 * time.Millisecond, Backoff: 50 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, MaxAttempts: 4}

func newTestOutbox(t *testing.T, store Store, sms SMSSender, cfg OutboxConfig) (*Outbox, *events) {
	o := NewOutbox(store, sms, nil, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ev := &events{}
	o.Report = ev.add
	return o, ev
}

// run starts the sender and stops it (waiting for it) when the test ends.
func run(t *testing.T, o *Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitState polls the stored message until it reaches state (at most 5 s).
func waitState(t *testing.T, s *mongo.Store, id, state string) storage.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, err := s.OutboxMessageByID(t.Context(), id)
		if err == nil && m.State == state {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s: %+v (%v), want state %s", id, m, err, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitOutcomes polls the events until the last one is last (at most 5 s): the
// sender records an event just after it marks the message, so a test that saw
// the mark may look a moment too early.
func waitOutcomes(t *testing.T, ev *events, last string) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := ev.outcomes()
		if len(got) > 0 && got[len(got)-1] == last {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("events %v, want the last %s", got, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func onlyMessage(t *testing.T, ev *events) string {
	t.Helper()
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if len(ev.list) == 0 || ev.list[0].Outcome != OutcomeQueued {
		t.Fatalf("events %+v", ev.list)
	}
	return ev.list[0].ID
}

// A gateway that fails twice gets the message at the third attempt, after
// growing waits; the stored message then has no text.
func TestOutboxRetriesWithBackoffThenSends(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	gw := &flakyGateway{failures: 2, err: errors.New("gateway answered 502")}
	o, ev := newTestOutbox(t, store, gw, fastOutbox)
	start := time.Now()
	if err := o.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "Код: 123456"}); err != nil {
		t.Fatal(err)
	}
	if calls, _ := gw.snapshot(); len(calls) != 0 || time.Since(start) > time.Second {
		t.Fatalf("SendSMS called the gateway (%d calls) or waited %s", len(calls), time.Since(start))
	}
	id := onlyMessage(t, ev)
	run(t, o)
	m := waitState(t, store, id, storage.MessageSent)
	calls, got := gw.snapshot()
	if len(calls) != 3 || m.Attempts != 3 || len(got) != 1 || got[0].Text != "Код: 123456" {
		t.Fatalf("%d calls, %d attempts, delivered %+v", len(calls), m.Attempts, got)
	}
	if m.Text != "" || m.DoneAt.IsZero() {
		t.Fatalf("sent message keeps its text or lacks its time: %+v", m)
	}
	// Backoff 50 ms, then doubled (capped at 80 ms).
	if d := calls[1].Sub(calls[0]); d < 50*time.Millisecond {
		t.Fatalf("second attempt after %s", d)
	}
	if d := calls[2].Sub(calls[1]); d < 80*time.Millisecond {
		t.Fatalf("third attempt after %s", d)
	}
	want := []string{OutcomeQueued, OutcomeRetried, OutcomeRetried, OutcomeSent}
	if got := waitOutcomes(t, ev, OutcomeSent); len(got) != len(want) || got[3] != OutcomeSent || got[1] != OutcomeRetried {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// A refusal that no retry can fix fails the message at once; so does the last
// allowed attempt of one that keeps failing.
func TestOutboxPermanentFailureFailsTheMessage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		attempts int
	}{
		{"permanent", Permanent(errors.New("number refused")), 1},
		{"attempts spent", errors.New("gateway answered 503"), fastOutbox.MaxAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
			gw := &flakyGateway{failures: 100, err: tc.err}
			o, ev := newTestOutbox(t, store, gw, fastOutbox)
			if err := o.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "Код: 123456"}); err != nil {
				t.Fatal(err)
			}
			id := onlyMessage(t, ev)
			run(t, o)
			m := waitState(t, store, id, storage.MessageFailed)
			if calls, _ := gw.snapshot(); len(calls) != tc.attempts || m.Attempts != tc.attempts {
				t.Fatalf("%d calls, %d attempts, want %d", len(calls), m.Attempts, tc.attempts)
			}
			if m.Text != "" || m.LastError != tc.err.Error() {
				t.Fatalf("failed message %+v", m)
			}
			waitOutcomes(t, ev, OutcomeFailed)
		})
	}
}

// A message queued by a process that stopped before sending is sent by the next.
func TestOutboxMessageSurvivesRestart(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	first, ev := newTestOutbox(t, store, &flakyGateway{}, fastOutbox)
	if err := first.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "Код: 123456"}); err != nil {
		t.Fatal(err)
	}
	id := onlyMessage(t, ev)
	gw := &flakyGateway{}
	second, _ := newTestOutbox(t, store, gw, fastOutbox)
	var depth []int64
	second.Depth = func(n int64) { depth = append(depth, n) }
	second.Drain(t.Context())
	waitState(t, store, id, storage.MessageSent)
	if _, got := gw.snapshot(); len(got) != 1 || len(depth) != 1 || depth[0] != 0 {
		t.Fatalf("delivered %+v, depth %v", got, depth)
	}
}

// slowStore takes delay to store a message.
type slowStore struct {
	*mongo.Store
	delay time.Duration
}

func (s slowStore) EnqueueMessage(ctx context.Context, m storage.OutboxMessage) error {
	time.Sleep(s.delay)
	return s.Store.EnqueueMessage(ctx, m)
}

// Under Hold the write of the message runs beside the caller's own work, and the
// wait returns only once the message is stored.
func TestOutboxHoldStoresBesideTheRequest(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	o, ev := newTestOutbox(t, slowStore{store, 300 * time.Millisecond}, &flakyGateway{}, fastOutbox)
	ctx, wait := Hold(t.Context())
	start := time.Now()
	if err := o.SendSMS(ctx, SMS{To: "+79090000000", Text: "Код: 123456"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Fatalf("SendSMS under Hold took %s", d)
	}
	wait()
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("wait returned after %s, before the message was stored", d)
	}
	id := onlyMessage(t, ev)
	if m, err := store.OutboxMessageByID(t.Context(), id); err != nil || m.State != storage.MessageQueued {
		t.Fatalf("stored %+v, %v", m, err)
	}
}

// TestOutboxSealsTextAtRest (review of issue 16 item 4): a queued message's
// text holds a code or a temporary password that opens an account; in the
// database it is sealed, so a dump or backup does not open accounts. The
// gateway gets the plain text, and a text moved to another message does not open.
func TestOutboxSealsTextAtRest(t *testing.T) {
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	gw := &flakyGateway{}
	cfg := fastOutbox
	cfg.Key = bytes.Repeat([]byte{7}, 32)
	o, ev := newTestOutbox(t, store, gw, cfg)
	if err := o.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "Временный пароль: Xy7-secret."}); err != nil {
		t.Fatal(err)
	}
	id := onlyMessage(t, ev)
	queued, err := store.OutboxMessageByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(queued.Text, "Xy7-secret") || !strings.HasPrefix(queued.Text, sealedPrefix) {
		t.Fatalf("queued text stored as %q", queued.Text)
	}
	moved := queued
	moved.ID = "another"
	if err := o.open(&moved); err == nil {
		t.Fatal("a sealed text opened in another message")
	}
	run(t, o)
	waitState(t, store, id, storage.MessageSent)
	if _, got := gw.snapshot(); len(got) != 1 || got[0].Text != "Временный пароль: Xy7-secret." {
		t.Fatalf("delivered %+v", got)
	}
}
