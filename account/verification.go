package account

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// verifyFlowKey carries, within one request, the verification flow the account page
// should ask the code for.
type verifyFlowKey struct{}

func withVerify(r *http.Request, flowID string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), verifyFlowKey{}, flowID))
}

// accountIdentifier starts a change of email or phone: a code goes to the new one
// (to an address or number another account has, a notice instead, and the page says
// the same), and the change happens only with that code.
// A session signed in too long ago signs in again first (freshOrReauth).
func (h *Handler) accountIdentifier(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	kind, typed := r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("value"))
	if !(kind == storage.IdentEmail && h.cfg.Email != nil) && !(kind == storage.IdentPhone && h.cfg.SMS != nil) {
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", "recovery.invalid")
		return
	}
	if !h.freshOrReauth(w, r, sess, u, kind, directory.TruncateUTF8(typed, 320), "") {
		return
	}
	h.changeIdentifier(w, r, sess, u, kind, typed)
}

// changeIdentifier sends the code for a new email or phone (typed as given).
func (h *Handler) changeIdentifier(w http.ResponseWriter, r *http.Request, sess *storage.Session, u storage.User, kind, typed string) {
	normalize, channel, limitedKey := func(string) (string, error) { return "", directory.ErrInvalidIdentifier }, notify.ChannelEmail, "email.send_limited"
	switch {
	case kind == storage.IdentEmail && h.cfg.Email != nil:
		normalize = directory.NormalizeEmail
	case kind == storage.IdentPhone && h.cfg.SMS != nil:
		normalize, channel, limitedKey = directory.NormalizePhone, notify.ChannelSMS, "phone.send_limited"
	}
	value, err := normalize(typed)
	if err == nil {
		// Counted before the identifier is looked up (taken or free, both are sent a message).
		if r, err = h.checkSend(r, channel, value); errors.Is(err, notify.ErrLimited) {
			h.renderAccount(w, r, http.StatusTooManyRequests, sess, u, "", limitedKey)
			return
		}
	}
	if errors.Is(err, directory.ErrInvalidIdentifier) {
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", "recovery.invalid")
		return
	}
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	code, err := directory.NewOTP()
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	now := h.now().UTC()
	f := flow{Flow: storage.Flow{ID: directory.NewID(), Kind: string(flows.KindVerification), State: string(flows.StateCodeSent),
		BrowserHash: h.cookies.BrowserHash(r.Context()), UserID: u.ID, Method: kind, Recipient: value,
		Steps: []storage.FlowStep{{At: now, To: string(flows.StateCodeSent)}}, CreatedAt: now, ExpiresAt: now.Add(flows.CodeLifetime),
		ChallengeExpiresAt: now.Add(flows.CodeLifetime)}}
	f.Challenge = directory.OTPHash(h.cfg.OTPKey, f.ID, value, code)
	if err := h.store.CreateFlow(r.Context(), f.Flow); err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	t := h.catalog.Translator(web.PickLanguage(r, nil))
	_, lookErr := h.people.UserByLogin(r.Context(), value)
	taken := lookErr == nil
	var sendErr error
	switch {
	case kind == storage.IdentPhone && taken:
		sendErr = h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: value, Text: t.T("account.taken_text")})
	case kind == storage.IdentPhone:
		sendErr = h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: value, Text: t.T("account.verify_sms", "Code", code)})
	case taken:
		sendErr = h.cfg.Email.SendEmail(r.Context(), notify.Email{To: value, Subject: t.T("account.verify_subject"), Text: t.T("account.taken_text")})
	default:
		sendErr = h.cfg.Email.SendEmail(r.Context(), notify.Email{To: value, Subject: t.T("account.verify_subject"), Text: t.T("account.verify_text", "Code", code)})
	}
	if sendErr != nil {
		h.log.WarnContext(r.Context(), "verification code not delivered", "flow", f.ID, "err", sendErr)
	}
	h.renderAccount(w, withVerify(r, f.ID), http.StatusOK, sess, u, "account.verify_sent", "", "To", value)
}

// accountIdentifierConfirm checks the code and makes the change.
func (h *Handler) accountIdentifierConfirm(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	flowID, code := r.PostFormValue("flow"), strings.TrimSpace(r.PostFormValue("code"))
	stored, err := h.store.FlowByID(r.Context(), flowID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (stored.Kind != string(flows.KindVerification) ||
		stored.UserID != u.ID || stored.BrowserHash != h.cookies.BrowserHash(r.Context()))) {
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", "phone.wrong_code")
		return
	}
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	f := flow{Flow: stored}
	if !f.In(flows.StateCodeSent) {
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", "phone.wrong_code")
		return
	}
	refusal, uerr := h.spendCodeAttempt(r, &f, code)
	if uerr != nil {
		h.fail(w, r, uerr)
		return
	}
	wrong := func(key string) { h.renderAccount(w, withVerify(r, f.ID), http.StatusBadRequest, sess, u, "", key) }
	if refusal != "" {
		wrong(refusal)
		return
	}
	before := u
	err = h.store.ChangeIdentifier(r.Context(), u.ID, f.Method, f.Recipient)
	if errors.Is(err, storage.ErrAlreadyExists) {
		wrong("phone.wrong_code")
		return
	}
	if err == nil {
		f.Challenge = ""
		if uerr := h.move(r, &f, flows.StateDone); uerr != nil {
			h.fail(w, r, uerr)
			return
		}
		u, err = h.people.UserByID(r.Context(), u.ID)
	}
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventIdentifierChange, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"kind": f.Method}})
	// The old address or number hears of it: the owner, if this was not them.
	if f.Method == storage.IdentEmail {
		h.tellOfChange(r, before, directory.ChangeEmail, directory.Contact{Kind: storage.IdentEmail, To: before.Email})
	} else {
		h.tellOfChange(r, before, directory.ChangePhone, directory.Contact{Kind: storage.IdentPhone, To: before.Phone})
	}
	h.renderAccount(w, r, http.StatusOK, sess, u, "account.changed", "")
}
