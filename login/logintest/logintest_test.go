package logintest

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// The harness itself: a password sign-in through the bare core, read back
// through the env's helpers, and the fakes.
func TestHarness(t *testing.T) {
	ctx := context.Background()
	st, err := mongo.Open(ctx, mongotest.URI(t), "logintest_"+rand.Text()[:12], mongo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.DropDatabase(ctx); _ = st.Close(ctx) })
	for _, c := range Clients {
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	e := New(t, st, func(p *directory.Passwords) *directory.Directory {
		return directory.New(st, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}, nil, nil)
	u := e.User(directory.NewUser{})
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	p := b.SignIn(ar, u.Login)
	if p.Status != http.StatusSeeOther || b.SessionCookie() == "" || p.String() == "" {
		t.Fatalf("sign-in: %v", p)
	}
	if s, ok := b.Session(); !ok || s.UserID != u.ID {
		t.Errorf("session %+v", s)
	}
	if c := e.AR(ar.ID).Completion; c == nil || c.UserID != u.ID {
		t.Errorf("completion %+v", c)
	}
	if !e.HasAudit(u.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "password"}) {
		t.Error("sign-in not audited")
	}
	if e.Text("en", "login.title") == "" || FlowPathOf("/recover/F/send?x=1") != "/recover/F" || Q(ar) == "" {
		t.Error("helpers")
	}
	now := e.Now()
	e.Advance(time.Minute)
	if e.SetClock(now); !e.Now().Equal(now) {
		t.Error("clock")
	}

	_ = e.Sent.SendSMS(ctx, notify.SMS{To: "+79090000000", Text: "code 123456"})
	_ = e.Sent.SendEmail(ctx, notify.Email{To: "a@example.com", Text: "code 654321"})
	if CodeIn(t, e.WaitSMS("+79090000000").Text) != "123456" || CodeIn(t, e.WaitEmail("a@example.com").Text) != "654321" || e.SentCount() != 2 {
		t.Error("capture")
	}
	if e.Sent.Forget(); e.SentCount() != 0 {
		t.Error("forget")
	}

	var fc FakeCaptcha
	if fc.Widget().Field != "captcha" || fc.Verify(ctx, "solved", "") != nil || !errors.Is(fc.Verify(ctx, "", ""), captcha.ErrFailed) {
		t.Error("fake captcha")
	}
	if c, _ := fc.Challenge(ctx); c == "" {
		t.Error("challenge")
	}
	if _, err := (LimitAll{}).Check(ctx, "sms", "x"); !errors.Is(err, notify.ErrLimited) {
		t.Error("limit")
	}
}
