package login

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// overCounter answers every count with n.
type overCounter struct{ n int64 }

func (c overCounter) Hit(context.Context, string, time.Duration, time.Time) (int64, error) {
	return c.n, nil
}

// audits keeps the events recorded.
type audits struct{ events []storage.AuditEvent }

func (a *audits) AppendAudit(_ context.Context, e storage.AuditEvent) error {
	a.events = append(a.events, e)
	return nil
}

// TestChangeNoticeWithinTheSendersLimits (issue 17 item 1): a change notice is
// counted by the limited sender itself, not by the page; past the limit it is
// not sent, and the audit says send_limited, as when the page counted it.
func TestChangeNoticeWithinTheSendersLimits(t *testing.T) {
	for _, c := range []struct {
		count  int64
		sent   int
		reason string
	}{{5, 1, ""}, {6, 0, "send_limited"}} {
		sent, rec := &sentMessages{}, &audits{}
		limits := notify.NewLimits(overCounter{c.count}, notify.Rule{PerRecipientHour: 5}, notify.Rule{PerRecipientHour: 5},
			slog.New(slog.DiscardHandler))
		h := newTestHandler(t, &fakeStore{}, Config{Email: limits.Email(sent), SendLimits: limits,
			Audit: directory.NewAuditor(rec, slog.New(slog.DiscardHandler))})
		r := httptest.NewRequest("POST", "/account/password", nil)
		h.tellOfChange(r, storage.User{ID: "u1", Login: "ivanov"}, changePassword, contact{storage.IdentEmail, "ivanov@example.com"})
		if len(sent.emails) != c.sent {
			t.Fatalf("count %d: %d notices sent, want %d", c.count, len(sent.emails), c.sent)
		}
		if len(rec.events) != 1 || rec.events[0].Details["reason"] != c.reason {
			t.Fatalf("count %d: audit %+v, want reason %q", c.count, rec.events, c.reason)
		}
	}
}
