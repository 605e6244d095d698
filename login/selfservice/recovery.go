package selfservice

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// recoveryCodeLifetime is how long an emailed recovery code is valid.
const recoveryCodeLifetime = flows.CodeLifetime

// recoveryStart is "Forgot password?" (GET /recover?authRequestID=…): a recovery
// flow of its own, tied to the sign-in it came from so that the person returns there.
func (h *Pages) recoveryStart(w http.ResponseWriter, r *http.Request) {
	h.startSideFlow(w, r, flows.KindRecovery, "recover", nil)
}

func recoveryURL(flowID, step, authRequestID string) string {
	return sideFlowURL("recover", flowID, step, authRequestID)
}

// recoveryFlow loads a recovery flow of this browser.
func (h *Pages) recoveryFlow(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	return h.sideFlow(w, r, flows.KindRecovery)
}

func (h *Pages) renderRecovery(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, page recoveryPage) {
	page.Base = h.kit.Base(r, lang, "recovery.title")
	page.Action = recoveryURL(f.ID, "send", ar.ID)
	page.ResetAction = recoveryURL(f.ID, "reset", ar.ID)
	page.State = flows.State(f.State)
	if f.In(flows.StateSMSSent) || f.In(flows.StateDone) {
		page.SignInLink = "/login?authRequestID=" + url.QueryEscape(ar.ID)
	}
	if f.In(flows.StateStarted) {
		h.kit.WithCaptcha(r, &page.Base)
	}
	h.pages.Render(w, r, status, "recovery", page)
}

// recoveryShow shows the page of the recovery flow's state.
func (h *Pages) recoveryShow(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.recoveryFlow(w, r)
	if !ok {
		return
	}
	// The link in the email carries its code, so that a click fills the form in.
	code := r.URL.Query().Get("code")
	if !directory.WellFormedOTP(code) {
		code = ""
	}
	h.renderRecovery(w, r, http.StatusOK, f, ar, lang, recoveryPage{Code: code})
}

// recoverySend takes a phone or an email. The answer is the same whether or not an
// account has it; only an account's own number or address gets a message.
func (h *Pages) recoverySend(w http.ResponseWriter, r *http.Request) {
	typed := strings.TrimSpace(r.PostFormValue("identifier"))
	f, ar, lang, ok := h.recoveryFlow(w, r)
	if !ok {
		return
	}
	t := h.kit.Translator(lang)
	again := func(status int, key string) {
		h.renderRecovery(w, r, status, f, ar, lang, recoveryPage{Identifier: typed, Error: t.T(key)})
	}
	if !h.firstFormPasses(w, r, f, lang, func(key string) { again(http.StatusBadRequest, key) }) {
		return
	}
	key, err := directory.IdentifierKey(typed)
	kind, value, _ := strings.Cut(key, ":")
	switch {
	case err == nil && kind == storage.IdentPhone && h.cfg.SMS != nil:
		h.recoverByPhone(w, r, f, ar, lang, value)
	case err == nil && kind == storage.IdentEmail && h.cfg.Email != nil:
		h.recoverByEmail(w, r, f, ar, lang, value, "recovery.code_sent", "email")
	case err == nil && kind == storage.IdentLogin && h.cfg.Email != nil:
		// A contract number (or a login): the code goes to the email on file, if any.
		to := typed
		u, uerr := h.accounts.UserByLogin(r.Context(), typed)
		switch {
		case uerr == nil && u.Email != "" && !u.Disabled:
			to = u.Email
		case uerr != nil && !errors.Is(uerr, storage.ErrNotFound):
			h.kit.Fail(w, r, lang, login.Unavailable(uerr))
			return
		}
		h.recoverByEmail(w, r, f, ar, lang, to, "recovery.contract_sent", "contract")
	default:
		again(http.StatusBadRequest, "recovery.invalid")
	}
}

// recoverByPhone sends the number's account a recovery password by SMS. It works
// beside the account's password, once and for 15 minutes, and leads only to
// setting a new password; until that is done the password, sessions and tokens
// stay, so that a stranger who knows the number takes nothing from its owner.
func (h *Pages) recoverByPhone(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, phone string) {
	t := h.kit.Translator(lang)
	// Counted before the answer, which leaves before the number is looked up;
	// the SMS sent after it is not counted again.
	r, err := web.CheckSend(r, h.cfg.SendLimits, notify.ChannelSMS, phone)
	if errors.Is(err, notify.ErrLimited) {
		h.renderRecovery(w, r, http.StatusTooManyRequests, f, ar, lang, recoveryPage{Identifier: phone, Error: t.T("phone.send_limited")})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	f.Recipient = phone
	if uerr := h.kit.Move(r, &f, flows.StateSMSSent); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	h.renderRecovery(w, r, http.StatusOK, f, ar, lang, recoveryPage{Notice: t.T("recovery.sms_sent")})
	h.kit.AfterAnswer(r, func(r *http.Request) {
		u, err := h.accounts.UserByLogin(r.Context(), phone)
		if err != nil || u.Disabled {
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				h.kit.Logger().ErrorContext(r.Context(), "recovery by phone: look the number up", "flow", f.ID, "err", err)
			}
			h.kit.Audit(r, storage.AuditEvent{Type: directory.EventRecoveryRequested, Outcome: directory.OutcomeFailure,
				ClientID: ar.ClientID, Details: map[string]string{"via": "sms", "reason": "no_account"}})
			return
		}
		temp, err := h.accounts.StartRecovery(r.Context(), u.ID)
		if err != nil {
			h.kit.Logger().ErrorContext(r.Context(), "recovery by phone: temporary password not stored", "flow", f.ID, "err", err)
			return
		}
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventRecoveryRequested, Outcome: directory.OutcomeSuccess, UserID: u.ID,
			ClientID: ar.ClientID, Details: map[string]string{"via": "sms"}})
		if err := h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: phone, Text: t.T("recovery.sms_text", "Password", temp)}); err != nil {
			h.kit.Logger().WarnContext(r.Context(), "temporary password not delivered", "flow", f.ID, "err", err)
		}
	})
}

// recoverByEmail sends a code to the address of an account (for a contract number,
// the address on file); the code and a new password then reset it, and nothing
// changes before. noticeKey is the neutral sentence the person reads; via names
// the way in the audit.
func (h *Pages) recoverByEmail(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, email, noticeKey, via string) {
	t := h.kit.Translator(lang)
	// Counted before the answer, as by phone.
	r, err := web.CheckSend(r, h.cfg.SendLimits, notify.ChannelEmail, email)
	if errors.Is(err, notify.ErrLimited) {
		h.renderRecovery(w, r, http.StatusTooManyRequests, f, ar, lang, recoveryPage{Error: t.T("email.send_limited")})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	code, uerr := h.kit.IssueCode(r, &f, email, recoveryCodeLifetime)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	// As by phone: the answer leaves before the address is looked up.
	h.renderRecovery(w, r, http.StatusOK, f, ar, lang, recoveryPage{Notice: t.T(noticeKey)})
	h.kit.AfterAnswer(r, func(r *http.Request) {
		u, err := h.accounts.UserByLogin(r.Context(), email)
		if err != nil || u.Disabled {
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				h.kit.Logger().ErrorContext(r.Context(), "recovery by email: look the address up", "flow", f.ID, "err", err)
			}
			return
		}
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventRecoveryRequested, Outcome: directory.OutcomeSuccess, UserID: u.ID,
			ClientID: ar.ClientID, Details: map[string]string{"via": via, "flow": f.ID}})
		link := strings.TrimSuffix(h.kit.Issuer(), "/") + recoveryURL(f.ID, "", ar.ID) + "&code=" + code
		m := notify.Email{To: email, Subject: t.T("recovery.email_subject"), Text: t.T("recovery.email_text", "Code", code, "Link", link)}
		if err := h.cfg.Email.SendEmail(r.Context(), m); err != nil {
			h.kit.Logger().WarnContext(r.Context(), "recovery code not delivered", "flow", f.ID, "err", err)
		}
	})
}

// recoveryReset checks the emailed code and sets the new password. The attempt is
// counted and saved before the comparison.
func (h *Pages) recoveryReset(w http.ResponseWriter, r *http.Request) {
	code, next, repeat := strings.TrimSpace(r.PostFormValue("code")), r.PostFormValue("new"), r.PostFormValue("repeat")
	f, ar, lang, ok := h.recoveryFlow(w, r)
	if !ok {
		return
	}
	t := h.kit.Translator(lang)
	if !f.In(flows.StateCodeSent) {
		h.renderRecovery(w, r, http.StatusBadRequest, f, ar, lang, recoveryPage{Error: t.T("error.bad_request")})
		return
	}
	refusal, uerr := h.kit.SpendCodeAttempt(r, &f, code)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	refuse := func(key string, args ...string) {
		h.renderRecovery(w, r, http.StatusBadRequest, f, ar, lang, recoveryPage{Error: t.T(key, args...)})
	}
	if refusal != "" {
		refuse(refusal)
		return
	}
	if next != repeat {
		refuse("pwchange.mismatch")
		return
	}
	u, err := h.accounts.UserByLogin(r.Context(), f.Recipient)
	if errors.Is(err, storage.ErrNotFound) {
		refuse("phone.wrong_code")
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	err = h.resetPassword(r, u.ID, next)
	if key := directory.PasswordRefusalKey(err); key != "" {
		refuse(key, "Min", minLengthText(h.cfg.PasswordMinLength))
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	f.Challenge, f.ChallengeExpiresAt = "", time.Time{}
	if uerr := h.kit.Move(r, &f, flows.StateDone); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	h.renderRecovery(w, r, http.StatusOK, f, ar, lang, recoveryPage{Notice: t.T("recovery.done")})
}

// resetPassword sets the password chosen with an emailed code and ends everything
// the old one opened: every session and every token of the account.
func (h *Pages) resetPassword(r *http.Request, userID, password string) error {
	if err := h.kit.SignInAllowed(r, userID); err != nil { // an operator's lock: recovery does not lift it
		return err
	}
	if err := h.accounts.ResetPassword(r.Context(), userID, password, false); err != nil {
		return err
	}
	return h.kit.EndOldAccess(r, userID, directory.EventRecoveryCompleted, "email")
}
