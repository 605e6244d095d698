// Package phone is sign-in with a one-time code sent by SMS, one of login's
// methods. The answer is the same whether or not the number has an account.
//
// Routes, on the login pages' router:
//
//	GET  /login/{flow}/phone         the number field
//	POST /login/{flow}/phone/send    send a code
//	POST /login/{flow}/phone/verify  check it and sign in
package phone

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// otpLifetime is how long an SMS code is valid.
const otpLifetime = 5 * time.Minute

// Config is what sign-in by phone needs.
type Config struct {
	// SMS sends the codes; nil turns sign-in by phone off.
	SMS notify.SMSSender
	// SendLimits are the limits SMS sends within (notify.Limits), counted
	// before the answer; nil: none.
	SendLimits web.SendLimits
}

// accounts is what sign-in by phone needs from directory.
type accounts interface {
	UserByLogin(ctx context.Context, login string) (storage.User, error)
}

// Pages are sign-in by an SMS code, under /login/{flow}/phone.
type Pages struct {
	cfg      Config
	kit      *login.Kit
	accounts accounts
	pages    *web.Renderer
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the pages; it fails if a template is broken, or SMS is set up
// without codes.
func New(cfg Config, kit *login.Kit, acc accounts) (*Pages, error) {
	if cfg.SMS != nil && !kit.CodesOn() {
		return nil, errors.New("phone: OTP key must be 32 bytes")
	}
	pages, err := kit.Renderer(templateFS, "phone")
	if err != nil {
		return nil, err
	}
	return &Pages{cfg: cfg, kit: kit, accounts: acc, pages: pages}, nil
}

// Mount adds the pages (they answer "not found" while SMS is off).
func (h *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/login/{flow}/phone", h.phoneForm).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/phone/send", h.phoneSend).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/phone/verify", h.phoneVerify).Methods(http.MethodPost)
}

// Links offers the phone on the password form.
func (h *Pages) Links(links map[string]string, f login.Flow, ar storage.AuthRequest) {
	if h.cfg.SMS != nil {
		links["phone"] = login.FlowURL(f.ID, "phone", ar.ID)
	}
}

// Show draws the code form of a flow whose code was sent.
func (h *Pages) Show(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) bool {
	if !f.In(flows.StateCodeSent) {
		return false
	}
	h.renderPhone(w, r, http.StatusOK, f, ar, lang, phonePage{Phone: f.Recipient, CodeSent: true})
	return true
}

// FirstStep: no request needs a phone.
func (h *Pages) FirstStep(string) string { return "" }

type phonePage struct {
	login.Base
	SendAction, VerifyAction, PasswordLink string
	Client, Phone, Notice, Error           string
	CodeSent                               bool
}

func (h *Pages) renderPhone(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, page phonePage) {
	page.Base = h.kit.Base(r, lang, "phone.title")
	page.SendAction = login.FlowURL(f.ID, "phone/send", ar.ID)
	page.VerifyAction = login.FlowURL(f.ID, "phone/verify", ar.ID)
	page.PasswordLink = login.FlowURL(f.ID, "", ar.ID) + "&method=" + string(login.MethodPassword)
	page.Client = h.kit.ClientName(r.Context(), ar.ClientID)
	h.pages.Render(w, r, status, "phone", page)
}

// phoneFlow loads a flow for the phone pages, which exist only when SMS is set up.
func (h *Pages) phoneFlow(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, _, uerr := h.kit.LoadFlow(r, flows.KindLogin)
	if uerr == nil && h.cfg.SMS == nil {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("sign-in by phone is off")}
	}
	if uerr == nil && !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("phone page in state " + f.State)}
	}
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// phoneForm shows the number field (GET /login/{flow}/phone).
func (h *Pages) phoneForm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.phoneFlow(w, r)
	if !ok {
		return
	}
	h.renderPhone(w, r, http.StatusOK, f, ar, lang, phonePage{Phone: f.Recipient, CodeSent: f.In(flows.StateCodeSent)})
}

// phoneSend makes a code and, when the number has an account, texts it. The answer
// is the same either way, so that nobody learns which numbers are registered; the
// code is stored (as an HMAC) either way.
func (h *Pages) phoneSend(w http.ResponseWriter, r *http.Request) {
	typed := r.PostFormValue("phone")
	f, ar, lang, ok := h.phoneFlow(w, r)
	if !ok {
		return
	}
	phone, err := directory.NormalizePhone(typed)
	if err != nil {
		h.renderPhone(w, r, http.StatusBadRequest, f, ar, lang, phonePage{Phone: typed, Error: h.kit.Translator(lang).T("phone.invalid_phone")})
		return
	}
	// Counted before the number is looked up, as for a number with an account.
	if r, err = web.CheckSend(r, h.cfg.SendLimits, notify.ChannelSMS, phone); err != nil {
		if errors.Is(err, notify.ErrLimited) {
			h.renderPhone(w, r, http.StatusTooManyRequests, f, ar, lang, phonePage{Phone: typed, Error: h.kit.Translator(lang).T("phone.send_limited")})
			return
		}
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	code, uerr := h.kit.IssueCode(r, &f, phone, otpLifetime)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	notice := h.kit.Translator(lang).T("phone.sent")
	h.renderPhone(w, r, http.StatusOK, f, ar, lang, phonePage{Phone: phone, CodeSent: true, Notice: notice})
	// As recovery does: the number is looked up and the code queued after the
	// answer, so that neither the answer nor the connection tells whether the
	// number has an account.
	h.kit.AfterAnswer(r, func(r *http.Request) {
		user, err := h.accounts.UserByLogin(r.Context(), phone)
		switch {
		case err == nil && !user.Disabled:
			text := h.kit.Translator(lang).T("phone.sms_text", "Code", code)
			if err := h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: phone, Text: text}); err != nil {
				h.kit.Logger().WarnContext(r.Context(), "sign-in code not delivered", "flow", f.ID, "err", err)
			}
		case errors.Is(err, storage.ErrNotFound) || err == nil:
			h.kit.Logger().InfoContext(r.Context(), "sign-in code for a number without an account not sent", "flow", f.ID)
		default:
			h.kit.Logger().ErrorContext(r.Context(), "sign-in code: look the number up", "flow", f.ID, "err", err)
		}
	})
}

// phoneVerify checks the code. The attempt is counted and saved before the
// comparison, so that racing requests cannot try more codes than allowed.
func (h *Pages) phoneVerify(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.PostFormValue("code"))
	f, ar, lang, ok := h.phoneFlow(w, r)
	if !ok {
		return
	}
	t := h.kit.Translator(lang)
	if !f.In(flows.StateCodeSent) {
		h.renderPhone(w, r, http.StatusBadRequest, f, ar, lang, phonePage{Error: t.T("phone.wrong_code")})
		return
	}
	refusal, uerr := h.kit.SpendCodeAttempt(r, &f, code)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	failed := func(key string) {
		h.kit.OnSignIn(login.MethodPhone, login.OutcomeFailure)
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(login.MethodPhone), "reason": strings.TrimPrefix(key, "phone.")}})
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
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	// The code is spent: the flow leaves code_sent with the transition below, and the
	// challenge is cleared with it.
	f.Challenge, f.ChallengeExpiresAt = "", time.Time{}
	sess, err := h.kit.StartSession(w, r, storage.Session{UserID: user.ID, AMR: []string{directory.AMRSMS, directory.AMROTP}, ACR: directory.ACRPhone, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	h.kit.OnSignIn(login.MethodPhone, login.OutcomeSuccess)
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: user.ID,
		ClientID: ar.ClientID, Details: map[string]string{"method": string(login.MethodPhone), "sid": sess.SID}})
	h.kit.SignedIn(w, r, f, ar, lang, sess, login.MethodPhone)
}
