package directory

import (
	"context"
	"log/slog"

	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// Texts renders a message of the catalogue the pages speak: lang is a
// language tag ("ru", "en"; the default when empty or unknown), args pairs of
// template fields ("Company", "ООО «Ромашка»"). The catalogue stays with the
// pages' other texts, so that one test keeps ru and en complete.
type Texts func(lang, key string, args ...string) string

type noticeStore interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
}

// Notifier mails people the decisions that concern them. Delivery is the
// sender's (the durable outbox); a person without an address, or a Vhod
// without email, is only logged: a decision never fails for its mail.
type Notifier struct {
	users noticeStore
	email notify.EmailSender
	texts Texts
	log   *slog.Logger
}

// NewNotifier makes a Notifier; email nil turns mail off.
func NewNotifier(users noticeStore, email notify.EmailSender, texts Texts, log *slog.Logger) *Notifier {
	return &Notifier{users: users, email: email, texts: texts, log: log}
}

// Mail sends the person the message key (its subject key+"_subject", its text
// key+"_text") in their own language, else in lang.
func (n *Notifier) Mail(ctx context.Context, userID, lang, key string, args ...string) {
	if n == nil || userID == "" {
		return
	}
	u, err := n.users.UserByID(ctx, userID)
	if err != nil || u.Email == "" || n.email == nil || n.texts == nil {
		n.log.InfoContext(ctx, "notice not emailed", "user", userID, "key", key, "err", err)
		return
	}
	if u.Locale != "" {
		lang = u.Locale
	}
	msg := notify.Email{To: u.Email, Subject: n.texts(lang, key+"_subject", args...), Text: n.texts(lang, key+"_text", args...)}
	if err := n.email.SendEmail(ctx, msg); err != nil {
		n.log.WarnContext(ctx, "notice email not delivered", "user", userID, "key", key, "err", err)
	}
}
