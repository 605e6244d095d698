package directory

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vhod-id/vhod/storage"
)

type auditRecorder struct{ events []storage.AuditEvent }

func (a *auditRecorder) AppendAudit(_ context.Context, e storage.AuditEvent) error {
	a.events = append(a.events, e)
	return nil
}

// Issue 16 item 10: whoever writes the event, the user agent kept is bounded,
// valid UTF-8 and cut between characters; the address is kept as given.
func TestAuditTruncatesUserAgentOnCharacterBoundary(t *testing.T) {
	rec := &auditRecorder{}
	a := NewAuditor(rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	long := "a" + strings.Repeat("Я", 1000)
	for _, ua := range []string{long, "Mozilla/5.0 \xff\xfe broken", "short"} {
		a.Record(t.Context(), storage.AuditEvent{Type: EventSignIn, IP: "2001:db8::1", UserAgent: ua})
	}
	for i, e := range rec.events {
		if len(e.UserAgent) > MaxAuditUserAgent || !utf8.ValidString(e.UserAgent) || e.IP != "2001:db8::1" {
			t.Errorf("event %d: user agent %q (%d bytes), address %q", i, e.UserAgent, len(e.UserAgent), e.IP)
		}
	}
	if got := rec.events[0].UserAgent; len(got) != MaxAuditUserAgent-1 || !strings.HasPrefix(long, got) {
		t.Errorf("long user agent cut to %d bytes, want %d", len(got), MaxAuditUserAgent-1)
	}
	if got := rec.events[2].UserAgent; got != "short" {
		t.Errorf("short user agent changed: %q", got)
	}
}

func TestTruncateUTF8(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"}, {"hello", 3, "hel"}, {"aЯb", 2, "a"}, {"aЯb", 3, "aЯ"}, {"ЯЯ", 1, ""},
		{"😀x", 3, ""}, {"😀x", 4, "😀"}, {"a\xffb", 10, "a\uFFFDb"}, {"", 0, ""},
	} {
		if got := TruncateUTF8(c.in, c.n); got != c.want {
			t.Errorf("TruncateUTF8(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
