package directory

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// overCounter answers every count with n.
type overCounter struct{ n int64 }

func (c overCounter) Hit(context.Context, string, time.Duration, time.Time) (int64, error) {
	return c.n, nil
}

// noticeAudits keeps the events recorded.
type noticeAudits struct{ events []storage.AuditEvent }

func (a *noticeAudits) AppendAudit(_ context.Context, e storage.AuditEvent) error {
	a.events = append(a.events, e)
	return nil
}

// sentNotices records what would have been sent.
type sentNotices struct {
	emails []notify.Email
	sms    []notify.SMS
}

func (s *sentNotices) SendEmail(_ context.Context, m notify.Email) error {
	s.emails = append(s.emails, m)
	return nil
}

func (s *sentNotices) SendSMS(_ context.Context, m notify.SMS) error {
	s.sms = append(s.sms, m)
	return nil
}

func noticeTexts(lang, key string, args ...string) string { return lang + ":" + key }

// TestChangeNoticeWithinTheSendersLimits (issue 17 item 1): a change notice is
// counted by the limited sender itself, not by the page; past the limit it is
// not sent, and the audit says send_limited, as when the page counted it.
func TestChangeNoticeWithinTheSendersLimits(t *testing.T) {
	for _, c := range []struct {
		count  int64
		sent   int
		reason string
	}{{5, 1, ""}, {6, 0, "send_limited"}} {
		sent, rec := &sentNotices{}, &noticeAudits{}
		limits := notify.NewLimits(overCounter{c.count}, notify.Rule{PerRecipientHour: 5}, notify.Rule{PerRecipientHour: 5},
			slog.New(slog.DiscardHandler))
		n := NewChangeNotices(limits.Email(sent), nil, noticeTexts, NewAuditor(rec, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
		n.Tell(t.Context(), Actor{IP: "192.0.2.1", Lang: "en"}, storage.User{ID: "u1", Login: "ivanov"}, ChangePassword,
			Contact{storage.IdentEmail, "ivanov@example.com"})
		if len(sent.emails) != c.sent {
			t.Fatalf("count %d: %d notices sent, want %d", c.count, len(sent.emails), c.sent)
		}
		if len(rec.events) != 1 || rec.events[0].Details["reason"] != c.reason || rec.events[0].IP != "192.0.2.1" {
			t.Fatalf("count %d: audit %+v, want reason %q", c.count, rec.events, c.reason)
		}
	}
}

// TestChangeNoticeContact: the notice goes to the email, else the phone, of a
// channel that is on; the owner's own language wins over the page's.
func TestChangeNoticeContact(t *testing.T) {
	sent := &sentNotices{}
	email := NewChangeNotices(sent, nil, noticeTexts, nil, slog.New(slog.DiscardHandler))
	sms := NewChangeNotices(nil, sent, noticeTexts, nil, slog.New(slog.DiscardHandler))
	u := storage.User{ID: "u1", Email: "a@example.com", Phone: "+79090000001", Locale: "en"}
	if c := email.Contact(u); c != (Contact{storage.IdentEmail, "a@example.com"}) {
		t.Fatalf("email contact %+v", c)
	}
	if c := sms.Contact(u); c != (Contact{storage.IdentPhone, "+79090000001"}) {
		t.Fatalf("sms contact %+v", c)
	}
	if c := (*ChangeNotices)(nil).Contact(u); c != (Contact{}) {
		t.Fatalf("no notices, contact %+v", c)
	}
	email.Tell(t.Context(), Actor{Lang: "ru"}, u, ChangeEmail, email.Contact(u))
	if len(sent.emails) != 1 || sent.emails[0].Subject != "en:notice.subject" || sent.emails[0].Text != "en:notice.email" {
		t.Fatalf("sent %+v", sent.emails)
	}
	sms.Tell(t.Context(), Actor{Lang: "ru"}, storage.User{Phone: "+79090000001"}, ChangePhone, Contact{storage.IdentPhone, "+79090000002"})
	if len(sent.sms) != 1 || sent.sms[0].To != "+79090000002" || sent.sms[0].Text != "ru:notice.phone" {
		t.Fatalf("sms %+v", sent.sms)
	}
}
