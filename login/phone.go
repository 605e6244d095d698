package login

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// otpLifetime is how long an SMS code is valid.
const otpLifetime = 5 * time.Minute

func (h *Handler) renderPhone(w http.ResponseWriter, r *http.Request, status int, f flow, ar storage.AuthRequest, lang language.Tag, page phonePage) {
	page.base = h.newBase(r, lang, "phone.title")
	page.SendAction = flowURL(f.ID, "phone/send", ar.ID)
	page.VerifyAction = flowURL(f.ID, "phone/verify", ar.ID)
	page.PasswordLink = flowURL(f.ID, "", ar.ID) + "&method=" + string(MethodPassword)
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	h.pages.Render(w, r, status, "phone", page)
}

// phoneFlow loads a flow for the phone pages, which exist only when SMS is set up.
func (h *Handler) phoneFlow(w http.ResponseWriter, r *http.Request) (flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, _, uerr := h.loadFlow(r)
	if uerr == nil && h.cfg.SMS == nil {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("sign-in by phone is off")}
	}
	if uerr == nil && !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("phone page in state " + f.State)}
	}
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// phoneForm shows the number field (GET /login/{flow}/phone).
func (h *Handler) phoneForm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.phoneFlow(w, r)
	if !ok {
		return
	}
	h.renderPhone(w, r, http.StatusOK, f, ar, lang, phonePage{Phone: f.Recipient, CodeSent: f.In(flows.StateCodeSent)})
}

// phoneSend makes a code and, when the number has an account, texts it. The answer
// is the same either way, so that nobody learns which numbers are registered; the
// code is stored (as an HMAC) either way.
func (h *Handler) phoneSend(w http.ResponseWriter, r *http.Request) {
	typed := r.PostFormValue("phone")
	f, ar, lang, ok := h.phoneFlow(w, r)
	if !ok {
		return
	}
	phone, err := directory.NormalizePhone(typed)
	if err != nil {
		h.renderPhone(w, r, http.StatusBadRequest, f, ar, lang, phonePage{Phone: typed, Error: h.catalog.Translator(lang).T("phone.invalid_phone")})
		return
	}
	// Counted before the number is looked up, as for a number with an account.
	if r, err = h.checkSend(r, notify.ChannelSMS, phone); err != nil {
		if errors.Is(err, notify.ErrLimited) {
			h.renderPhone(w, r, http.StatusTooManyRequests, f, ar, lang, phonePage{Phone: typed, Error: h.catalog.Translator(lang).T("phone.send_limited")})
			return
		}
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	code, uerr := h.issueCode(r, &f, phone, otpLifetime)
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	notice := h.catalog.Translator(lang).T("phone.sent")
	h.renderPhone(w, r, http.StatusOK, f, ar, lang, phonePage{Phone: phone, CodeSent: true, Notice: notice})
	// As recovery does: the number is looked up and the code queued after the
	// answer, so that neither the answer nor the connection tells whether the
	// number has an account.
	h.afterAnswer(r, func(r *http.Request) {
		user, err := h.accounts.UserByLogin(r.Context(), phone)
		switch {
		case err == nil && !user.Disabled:
			text := h.catalog.Translator(lang).T("phone.sms_text", "Code", code)
			if err := h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: phone, Text: text}); err != nil {
				h.log.WarnContext(r.Context(), "sign-in code not delivered", "flow", f.ID, "err", err)
			}
		case errors.Is(err, storage.ErrNotFound) || err == nil:
			h.log.InfoContext(r.Context(), "sign-in code for a number without an account not sent", "flow", f.ID)
		default:
			h.log.ErrorContext(r.Context(), "sign-in code: look the number up", "flow", f.ID, "err", err)
		}
	})
}

// phoneVerify checks the code. The attempt is counted and saved before the
// comparison, so that racing requests cannot try more codes than allowed.
func (h *Handler) phoneVerify(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.PostFormValue("code"))
	f, ar, lang, ok := h.phoneFlow(w, r)
	if !ok {
		return
	}
	t := h.catalog.Translator(lang)
	if !f.In(flows.StateCodeSent) {
		h.renderPhone(w, r, http.StatusBadRequest, f, ar, lang, phonePage{Error: t.T("phone.wrong_code")})
		return
	}
	refusal, uerr := h.spendCodeAttempt(r, &f, code)
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	failed := func(key string) {
		h.cfg.OnSignIn(string(MethodPhone), OutcomeFailure)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(MethodPhone), "reason": strings.TrimPrefix(key, "phone.")}})
		h.renderPhone(w, r, http.StatusUnauthorized, f, ar, lang, phonePage{Phone: f.Recipient, CodeSent: true, Error: t.T(key)})
	}
	if refusal != "" {
		failed(refusal)
		return
	}
	user, err := h.accounts.UserByLogin(r.Context(), f.Recipient)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && user.Disabled) {
		failed("phone.wrong_code")
		return
	}
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	// The code is spent: the flow leaves code_sent with the transition below, and the
	// challenge is cleared with it.
	f.Challenge, f.ChallengeExpiresAt = "", time.Time{}
	sess, err := h.startSession(w, r, user.ID, []string{directory.AMRSMS, directory.AMROTP}, directory.ACRPhone)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	h.cfg.OnSignIn(string(MethodPhone), OutcomeSuccess)
	h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: user.ID,
		ClientID: ar.ClientID, Details: map[string]string{"method": string(MethodPhone), "sid": sess.SID}})
	h.afterAuthentication(w, r, f, ar, lang, sess, MethodPhone)
}

// checkSend counts a message against the send limits before the page answers
// (see notify.Limits.Check): before it learns whether the recipient exists, or
// when it sends after the answer. It returns r carrying the count, so that the
// send itself does not count the message again. notify.ErrLimited: a limit is
// reached; any other error: the limits cannot be counted, and nothing is sent.
func (h *Handler) checkSend(r *http.Request, channel, to string) (*http.Request, error) {
	return web.CheckSend(r, h.cfg.SendLimits, channel, to)
}
