package login

import (
	"errors"
	"net/http"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// Changes of a way in that the owner is told of (the text is "notice.<change>").
const (
	changeEmail              = "email"
	changePhone              = "phone"
	changePassword           = "password"
	changeCertificateAdded   = "certificate_added"
	changeCertificateRemoved = "certificate_removed"
)

// contact is where a notice goes: storage.IdentEmail or storage.IdentPhone, and the
// address or number.
type contact struct{ kind, to string }

// currentContact is the account's email, or its phone without one, when a sender
// for it is configured.
func (h *Handler) currentContact(u storage.User) contact {
	switch {
	case u.Email != "" && h.cfg.Email != nil:
		return contact{storage.IdentEmail, u.Email}
	case u.Phone != "" && h.cfg.SMS != nil:
		return contact{storage.IdentPhone, u.Phone}
	}
	return contact{}
}

// tellOfChange tells the owner that a way into the account changed, so that an
// owner who did not make the change learns of it: at c, which is the old address or
// number when that is what changed. The change is made whatever happens here; a
// notice not sent is logged and audited, never shown. Notices count against the
// same send limits as codes (SMS cost money), at the send: the answer does not
// depend on it.
func (h *Handler) tellOfChange(r *http.Request, u storage.User, change string, c contact) {
	if c.to == "" {
		return
	}
	lang := web.PickLanguage(r, nil)
	if t, err := language.Parse(u.Locale); err == nil && u.Locale != "" {
		lang = t
	}
	t := h.catalog.Translator(lang)
	text := t.T("notice."+change, "Who", firstOf(u.Login, u.Email, u.Phone, u.Contract),
		"At", h.now().UTC().Format("2006-01-02 15:04 MST"))
	var err error
	switch {
	case c.kind == storage.IdentEmail && h.cfg.Email != nil:
		err = h.cfg.Email.SendEmail(r.Context(), notify.Email{To: c.to, Subject: t.T("notice.subject"), Text: text})
	case c.kind == storage.IdentPhone && h.cfg.SMS != nil:
		err = h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: c.to, Text: text})
	default:
		return
	}
	e := storage.AuditEvent{Type: directory.EventChangeNotice, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"change": change, "channel": c.kind}}
	switch {
	case errors.Is(err, notify.ErrLimited):
		e.Outcome, e.Details["reason"] = directory.OutcomeFailure, "send_limited"
	case err != nil:
		h.log.WarnContext(r.Context(), "change notice not delivered", "change", change, "channel", c.kind, "err", err)
		e.Outcome, e.Details["reason"] = directory.OutcomeFailure, "not_delivered"
	}
	h.audit(r, e)
}
