package login

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request, status int, f flow, ar storage.AuthRequest, lang language.Tag, login, errKey string, withCaptcha bool) {
	page := passwordPage{base: h.newBase(r, lang, "login.title"), Action: flowURL(f.ID, "password", ar.ID), Login: login, Reauth: directory.IsReauth(ar),
		Links: map[string]string{}, Linking: f.Certificate != nil && f.Certificate.LinkAfterSignIn}
	for _, p := range h.parts {
		p.Links(page.Links, f, ar)
		if b, ok := p.(ButtonPages); ok {
			page.Buttons = append(page.Buttons, b.Buttons(r, f, ar, lang)...)
		}
		if n, ok := p.(NoticePages); ok && page.Notice == "" {
			page.Notice = n.Notice(r, f, lang)
		}
	}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	if withCaptcha {
		h.withCaptcha(r, &page.base)
	}
	h.pages.Render(w, r, status, "password", page)
}

// password checks the login and password of a started flow.
func (h *Handler) password(w http.ResponseWriter, r *http.Request) {
	login, password := r.PostFormValue("login"), r.PostFormValue("password")
	f, ar, lang, replaced, uerr := h.loadFlow(r)
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	if replaced {
		h.passwordForm(w, r, http.StatusOK, f, ar, lang, login, "login.flow_expired", false)
		return
	}
	if !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("password posted in state " + f.State)})
		return
	}
	keys := identKeys(login)
	if login == "" || password == "" {
		c, err := h.failures(r, keys...)
		if err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		h.passwordForm(w, r, http.StatusBadRequest, f, ar, lang, login, "login.missing_fields", h.captchaNeeded(c))
		return
	}
	// A browser that signed in to this account before is spared the identifier's
	// limit and the account's lock (they are for strangers); the address's stay.
	dev, err := h.knownDevice(r, login)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	// Counted under the identifiers before the password is checked, for every
	// login, with an account or without (lockout.go): c.locked too.
	try, err := h.beginAttempt(r, dev, keys...)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	defer try.End()
	c := try.Counts
	known, opts := dev != nil, []directory.AuthOption{h.accountTry(try)}
	if known {
		opts = append(opts, directory.KnownDevice(dev.userID))
	}
	over := h.over(c)
	if !over && h.captchaNeeded(c) {
		switch err := h.cfg.Captcha.Verify(r.Context(), h.captchaAnswer(r), clientIP(r)); {
		case errors.Is(err, captcha.ErrFailed):
			h.passwordForm(w, r, http.StatusBadRequest, f, ar, lang, login, "captcha.required", true)
			return
		case err != nil:
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
	}
	if over {
		h.cfg.OnSignIn(string(MethodPassword), OutcomeLimited)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(MethodPassword), "reason": "too_many_failures"}})
		h.log.WarnContext(r.Context(), "sign-in refused: too many failures", "method", MethodPassword, "flow", f.ID, "ip", clientIP(r))
		h.passwordForm(w, r, http.StatusTooManyRequests, f, ar, lang, login, "login.too_many_failures", false)
		return
	}
	user, err := h.accounts.Authenticate(r.Context(), login, password, opts...)
	var wrong *directory.WrongPasswordError
	unknown := errors.Is(err, directory.ErrInvalidCredentials) && !errors.As(err, &wrong)
	if unknown && c.locked {
		// No account (or none that can sign in): its identifiers lock as an
		// account would, so that the answers do not tell which exist.
		err = directory.ErrAccountLocked
	}
	if errors.Is(err, directory.ErrAccountLocked) {
		if guess := new(directory.LockedGuessError); errors.As(err, &guess) {
			try.Failed() // a wrong recovery password was checked: answered as the lock, counted
		}
		h.cfg.OnSignIn(string(MethodPassword), OutcomeLimited)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(MethodPassword), "reason": "account_locked"}})
		h.passwordForm(w, r, http.StatusTooManyRequests, f, ar, lang, login, "login.too_many_failures", false)
		return
	}
	var after counts // the counts with this failure
	if errors.Is(err, directory.ErrInvalidCredentials) {
		// Kept before anything else can fail: a wrong password checked is counted.
		after = try.Failed()
	}
	if lerr := h.lockCount(r, f, try, keys, wrong, unknown, known); lerr != nil {
		h.pages.Fail(w, r, lang, unavailable(lerr))
		return
	}
	if errors.Is(err, directory.ErrInvalidCredentials) {
		h.cfg.OnSignIn(string(MethodPassword), OutcomeFailure)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(MethodPassword), "reason": "invalid_credentials"}})
		f.Attempts++
		if uerr := h.move(r, &f, flows.StateStarted); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
		h.log.InfoContext(r.Context(), "sign-in failed", "method", MethodPassword, "flow", f.ID, "attempts", f.Attempts)
		h.passwordForm(w, r, http.StatusUnauthorized, f, ar, lang, login, "login.invalid_credentials", h.captchaNeeded(after))
		return
	}
	if errors.Is(err, directory.ErrAccountBlocked) { // the right password: the page may say why
		h.refuseBlocked(r, user.ID, []string{directory.AMRPassword})
	}
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if user.PasswordTemporary {
		// No session yet: a temporary password only opens the way to setting a new one.
		if user.Recovery.WaitsForChange() {
			h.audit(r, storage.AuditEvent{Type: directory.EventRecoveryUsed, Outcome: directory.OutcomeSuccess, UserID: user.ID,
				ClientID: ar.ClientID, Details: map[string]string{"via": "sms", "flow": f.ID}})
		}
		f.UserID, f.Method = user.ID, string(MethodPassword)
		if uerr := h.move(r, &f, flows.StatePasswordChange); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
		http.Redirect(w, r, flowURL(f.ID, "", ar.ID), http.StatusSeeOther)
		return
	}
	sess, err := h.startSessionWith(w, r, storage.Session{UserID: user.ID, AMR: []string{directory.AMRPassword}, ACR: directory.ACRPassword, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	h.cfg.OnSignIn(string(MethodPassword), OutcomeSuccess)
	h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: user.ID,
		ClientID: ar.ClientID, Details: map[string]string{"method": string(MethodPassword), "sid": sess.SID}})
	h.log.InfoContext(r.Context(), "sign-in succeeded", "method", MethodPassword, "user", user.ID, "client_id", ar.ClientID)
	h.afterAuthentication(w, r, f, ar, lang, sess, MethodPassword)
}

// lockCount counts a failed password towards the delays and locks: from a known
// device against that device only; else against the typed identifiers (for any
// login, see lockout.go; counted with the attempt) and then the account, whose
// counter slows and locks it, or, without an account, the identifiers' counter,
// which does the same.
func (h *Handler) lockCount(r *http.Request, f flow, try *Attempt, keys []string, wrong *directory.WrongPasswordError, unknown, known bool) error {
	if known && wrong != nil || wrong == nil && !unknown {
		return nil // a known device's failure is counted with the attempt, against its cookie
	}
	n := try.lock
	if wrong != nil {
		_, err := h.accountFailure(r, try, wrong.UserID)
		return err
	}
	// The account's counter is one more write; without an account, a counter
	// of the identifier stands in for it, so both answers cost the same.
	if _, err := h.store.Hit(r.Context(), "signin-fail:nouser:"+keys[0], h.lockWindow(), h.now()); err != nil {
		return err
	}
	if l := h.cfg.Limits; l.LockAfter > 0 && n >= int64(l.LockAfter) {
		h.audit(r, storage.AuditEvent{Type: directory.EventAccountLocked, Outcome: directory.OutcomeSuccess,
			Details: map[string]string{"account": "none", "failures": strconv.FormatInt(n, 10), "until": h.now().Add(l.LockFor).UTC().Format(time.RFC3339)}})
		h.log.WarnContext(r.Context(), "sign-in locked for an identifier without an account", "flow", f.ID, "failures", n, "ip", clientIP(r))
		return nil
	}
	h.failureDelay(r, n)
	return nil
}

// afterAuthentication takes a person who has just proved who they are through
// the steps that remain: the company to act for, consent, the callback.
func (h *Handler) afterAuthentication(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag, sess storage.Session, method Method) {
	f.UserID = sess.UserID
	f.Method = string(method)
	// The gate first: a certificate or an outside identity joins an account
	// only once the sign-in is whole (second factor included), never on a
	// first factor alone.
	if h.gate != nil && h.gate.Hold(w, r, f, ar, lang, sess, "") {
		return
	}
	// Whatever the method, this browser has now proved itself to the account.
	h.setDeviceCookie(w, sess.UserID)
	if c := f.Certificate; c != nil && c.LinkAfterSignIn && method != MethodCertificate {
		// "I already have an account" on a certificate's confirmation: now that the
		// person is in, the certificate's page offers to bind it to this account.
		c.LinkAfterSignIn, f.SessionUserID = false, sess.UserID
		if uerr := h.move(r, &f, flows.StateCertConfirm); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
		http.Redirect(w, r, flowURL(f.ID, "", ar.ID), http.StatusSeeOther)
		return
	}
	for _, p := range h.parts {
		if j, ok := p.(Joiner); ok {
			j.Join(r, &f, sess.UserID)
		}
	}
	page, err := h.settleOrg(r.Context(), ar, &sess)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if page {
		if uerr := h.move(r, &f, flows.StateOrgChoice); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
		http.Redirect(w, r, flowURL(f.ID, "", ar.ID), http.StatusSeeOther)
		return
	}
	h.afterOrg(w, r, f, ar, lang, sess)
}

// afterOrg asks for consent when the client needs it, else finishes.
func (h *Handler) afterOrg(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag, sess storage.Session) {
	need, err := h.needsConsent(r.Context(), ar, sess.UserID)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	next := flows.StateDone
	if need {
		next = flows.StateConsentRequired
	}
	if uerr := h.move(r, &f, next); uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	if need {
		http.Redirect(w, r, flowURL(f.ID, "", ar.ID), http.StatusSeeOther)
		return
	}
	h.finish(w, r, lang, ar, sess)
}
