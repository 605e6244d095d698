package directory

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// Changes of a way in that the owner is told of (the text is "notice.<change>").
const (
	ChangeEmail              = "email"
	ChangePhone              = "phone"
	ChangePassword           = "password"
	ChangeCertificateAdded   = "certificate_added"
	ChangeCertificateRemoved = "certificate_removed"
	ChangeProviderLinked     = "provider_linked"
	ChangeProviderUnlinked   = "provider_unlinked"
)

// Contact is where a notice goes: storage.IdentEmail or storage.IdentPhone,
// and the address or number.
type Contact struct{ Kind, To string }

// ChangeNotices tell the owner that a way into the account changed (email,
// phone, password, certificates), so that an owner who did not make the change
// learns of it. The sign-in pages (a password reset by SMS, a certificate
// bound at sign-in) and the account pages send the same notice.
type ChangeNotices struct {
	email notify.EmailSender
	sms   notify.SMSSender
	texts Texts
	audit *Auditor
	log   *slog.Logger
	now   func() time.Time
}

// NewChangeNotices sends through email and sms (each nil: that channel off),
// which count against the send limits of every message.
func NewChangeNotices(email notify.EmailSender, sms notify.SMSSender, texts Texts, audit *Auditor, log *slog.Logger) *ChangeNotices {
	return &ChangeNotices{email: email, sms: sms, texts: texts, audit: audit, log: log, now: time.Now}
}

// Contact is the account's email, or its phone without one, when a sender for
// it is configured.
func (n *ChangeNotices) Contact(u storage.User) Contact {
	switch {
	case n == nil:
	case u.Email != "" && n.email != nil:
		return Contact{storage.IdentEmail, u.Email}
	case u.Phone != "" && n.sms != nil:
		return Contact{storage.IdentPhone, u.Phone}
	}
	return Contact{}
}

// Tell tells u of change at c, which is the old address or number when that
// is what changed, in u's language (else by.Lang). The change is made whatever
// happens here; a notice not sent is logged and audited, never shown. Notices
// count against the same send limits as codes (SMS cost money), at the send:
// the answer does not depend on it.
func (n *ChangeNotices) Tell(ctx context.Context, by Actor, u storage.User, change string, c Contact) {
	if n == nil || c.To == "" {
		return
	}
	lang := by.Lang
	if u.Locale != "" {
		lang = u.Locale
	}
	text := n.texts(lang, "notice."+change, "Who", Who(u), "At", n.now().UTC().Format("2006-01-02 15:04 MST"))
	var err error
	switch {
	case c.Kind == storage.IdentEmail && n.email != nil:
		err = n.email.SendEmail(ctx, notify.Email{To: c.To, Subject: n.texts(lang, "notice.subject"), Text: text})
	case c.Kind == storage.IdentPhone && n.sms != nil:
		err = n.sms.SendSMS(ctx, notify.SMS{To: c.To, Text: text})
	default:
		return
	}
	e := storage.AuditEvent{Type: EventChangeNotice, Outcome: OutcomeSuccess, UserID: u.ID, IP: by.IP, UserAgent: by.UserAgent,
		Details: map[string]string{"change": change, "channel": c.Kind}}
	switch {
	case errors.Is(err, notify.ErrLimited):
		e.Outcome, e.Details["reason"] = OutcomeFailure, "send_limited"
	case err != nil:
		n.log.WarnContext(ctx, "change notice not delivered", "change", change, "channel", c.Kind, "err", err)
		e.Outcome, e.Details["reason"] = OutcomeFailure, "not_delivered"
	}
	n.audit.Record(ctx, e)
}
