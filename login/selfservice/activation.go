package selfservice

import (
	"errors"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// activationStart: an operator issued an account with a contract number and an
// activation secret (the flat number on a utility bill, say); the person activates
// it with both and an email, confirms the email and gets a temporary password.
func (h *Pages) activationStart(w http.ResponseWriter, r *http.Request) {
	var off error
	if h.cfg.Email == nil {
		off = errors.New("activation needs email")
	}
	h.startSideFlow(w, r, flows.KindActivation, "activate", off)
}

func (h *Pages) activationFlow(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	return h.sideFlow(w, r, flows.KindActivation)
}

func (h *Pages) renderActivation(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, page activationPage) {
	page.codeFormPage = h.codeForm(r, lang, "activate.title", "activate", f, ar)
	h.pages.Render(w, r, status, "activation", page)
}

func (h *Pages) activationShow(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.activationFlow(w, r)
	if !ok {
		return
	}
	h.renderActivation(w, r, http.StatusOK, f, ar, lang, activationPage{})
}

// activationSend checks contract number and secret (counted like failed sign-ins
// against the address and the contract) and mails a code to the given address.
func (h *Pages) activationSend(w http.ResponseWriter, r *http.Request) {
	contract, secret, typedEmail := strings.TrimSpace(r.PostFormValue("contract")), r.PostFormValue("secret"), strings.TrimSpace(r.PostFormValue("email"))
	f, ar, lang, ok := h.activationFlow(w, r)
	if !ok {
		return
	}
	t := h.kit.Translator(lang)
	again := func(status int, key string) {
		h.renderActivation(w, r, status, f, ar, lang, activationPage{Contract: contract, Email: typedEmail, Error: t.T(key)})
	}
	if !h.firstFormPasses(w, r, f, lang, func(key string) { again(http.StatusBadRequest, key) }) {
		return
	}
	email, err := directory.NormalizeEmail(typedEmail)
	if err != nil {
		again(http.StatusBadRequest, "recovery.invalid")
		return
	}
	// Counted before the contract and secret are checked, as for a right pair.
	if r, err = web.CheckSend(r, h.cfg.SendLimits, notify.ChannelEmail, email); err != nil {
		if errors.Is(err, notify.ErrLimited) {
			again(http.StatusTooManyRequests, "email.send_limited")
			return
		}
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	// Counted before the secret is checked (login.Attempt).
	try, err := h.kit.BeginAttempt(r, nil, login.ContractKeys(contract)...)
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	defer try.End()
	if h.kit.Over(try.Counts) {
		again(http.StatusTooManyRequests, "login.too_many_failures")
		return
	}
	u, err := h.accounts.CheckActivation(r.Context(), contract, secret)
	if errors.Is(err, directory.ErrNotActivatable) {
		try.Failed()
		h.kit.Audit(r, storage.AuditEvent{Type: "account.activation", Outcome: directory.OutcomeFailure, ClientID: ar.ClientID})
		again(http.StatusUnauthorized, "activate.wrong")
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	f.UserID = u.ID
	code, uerr := h.kit.IssueCode(r, &f, email, recoveryCodeLifetime)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	if err := h.cfg.Email.SendEmail(r.Context(), notify.Email{To: email, Subject: t.T("activate.email_subject"),
		Text: t.T("activate.email_text", "Code", code)}); err != nil {
		h.kit.Logger().WarnContext(r.Context(), "activation code not delivered", "flow", f.ID, "err", err)
	}
	h.renderActivation(w, r, http.StatusOK, f, ar, lang, activationPage{Notice: t.T("activate.code_sent", "To", email)})
}

// activationConfirm checks the emailed code, binds the address to the account,
// spends the activation secret and mails a temporary password.
func (h *Pages) activationConfirm(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.PostFormValue("code"))
	f, ar, lang, ok := h.activationFlow(w, r)
	if !ok {
		return
	}
	t := h.kit.Translator(lang)
	if !f.In(flows.StateCodeSent) {
		h.renderActivation(w, r, http.StatusBadRequest, f, ar, lang, activationPage{Error: t.T("error.bad_request")})
		return
	}
	refusal, uerr := h.kit.SpendCodeAttempt(r, &f, code)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	wrong := func(key string) {
		h.renderActivation(w, r, http.StatusBadRequest, f, ar, lang, activationPage{Error: t.T(key)})
	}
	if refusal != "" {
		wrong(refusal)
		return
	}
	if err := h.store.ChangeIdentifier(r.Context(), f.UserID, storage.IdentEmail, f.Recipient); errors.Is(err, storage.ErrAlreadyExists) {
		wrong("recovery.invalid")
		return
	} else if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	temp, err := directory.NewTemporaryPassword()
	if err == nil {
		err = h.accounts.ResetPassword(r.Context(), f.UserID, temp, true)
	}
	if err == nil {
		err = h.store.Activate(r.Context(), f.UserID)
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	f.Challenge = ""
	if uerr := h.kit.Move(r, &f, flows.StateDone); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	// The code this answers was counted; the password it earns is not counted
	// again (a limit reached now would leave a reset account without it).
	if err := h.cfg.Email.SendEmail(notify.Exempt(r.Context()), notify.Email{To: f.Recipient, Subject: t.T("activate.password_subject"),
		Text: t.T("activate.password_text", "Password", temp)}); err != nil {
		h.kit.Logger().WarnContext(r.Context(), "temporary password not delivered", "flow", f.ID, "err", err)
	}
	h.kit.Audit(r, storage.AuditEvent{Type: "account.activation", Outcome: directory.OutcomeSuccess, UserID: f.UserID, ClientID: ar.ClientID})
	h.renderActivation(w, r, http.StatusOK, f, ar, lang, activationPage{Notice: t.T("activate.done")})
}
