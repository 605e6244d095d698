package login

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// accountants is what the sign-in by contract needs.
type accountants interface {
	AuthenticateAccountant(ctx context.Context, inn, contract, pin string) (storage.User, storage.Organisation, error)
	AccountantUserIDs(ctx context.Context, inn, contract string) ([]string, error)
}

// MethodContract is the accountant sign-in: a company's INN, a contract number
// and the PIN its org admin set.
const MethodContract Method = "contract"

type contractPage struct {
	base
	Action, Client, INN, Contract, Error, PasswordLink string
}

func (h *Handler) renderContract(w http.ResponseWriter, r *http.Request, status int, f flow, ar storage.AuthRequest, lang language.Tag, inn, contract, errKey string, withCaptcha bool) {
	page := contractPage{base: h.newBase(r, lang, "contract.title"), Action: flowURL(f.ID, "contract", ar.ID), INN: inn, Contract: contract,
		PasswordLink: flowURL(f.ID, "", ar.ID) + "&method=" + string(MethodPassword)}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	if withCaptcha {
		h.withCaptcha(r, &page.base)
	}
	h.pages.Render(w, r, status, "contract", page)
}

// contractFlow loads a sign-in flow for the accountant pages (on when companies are).
func (h *Handler) contractFlow(w http.ResponseWriter, r *http.Request) (flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, _, uerr := h.loadFlow(r)
	if uerr == nil && h.cfg.Accountants == nil {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("accountant sign-in is off")}
	}
	if uerr == nil && !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("contract page in state " + f.State)}
	}
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// contractForm shows the "By contract" tab (GET /login/{flow}/contract).
func (h *Handler) contractForm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.contractFlow(w, r)
	if !ok {
		return
	}
	h.renderContract(w, r, http.StatusOK, f, ar, lang, "", "", "", h.addressNeedsCaptcha(r))
}

// contractSignIn checks INN, contract and PIN (POST /login/{flow}/contract).
// A PIN is as guessable as a password, so it gets the same protections: failures
// count per address and per contract (the contract number normalised as the check
// matches it, so respellings share one counter), a captcha after a few, slower
// answers, then a lock of the contract, all audited.
func (h *Handler) contractSignIn(w http.ResponseWriter, r *http.Request) {
	inn, contract, pin := strings.TrimSpace(r.PostFormValue("inn")), strings.TrimSpace(r.PostFormValue("contract")), strings.TrimSpace(r.PostFormValue("pin"))
	f, ar, lang, ok := h.contractFlow(w, r)
	if !ok {
		return
	}
	key := orgs.AccountantLimitKey(inn, contract)
	c, err := h.failures(r, key)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	refuse := func(reason string) {
		h.cfg.OnSignIn(string(MethodContract), OutcomeLimited)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(MethodContract), "inn": inn, "reason": reason}})
		h.renderContract(w, r, http.StatusTooManyRequests, f, ar, lang, inn, contract, "login.too_many_failures", false)
	}
	// The accountant's own browser (a device cookie from an earlier sign-in to
	// this contract) is spared the contract's limit and lock, which are for
	// strangers: the INN is public and contract numbers are guessable, so anyone
	// could otherwise keep the accountant out. The address's limit stays.
	dev, known, err := h.knownAccountantDevice(r, inn, contract)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if known {
		c.ident = 0
	}
	if h.over(c) {
		refuse("too_many_failures")
		return
	}
	if h.captchaNeeded(c) {
		switch err := h.cfg.Captcha.Verify(r.Context(), h.captchaAnswer(r), clientIP(r)); {
		case errors.Is(err, captcha.ErrFailed):
			h.renderContract(w, r, http.StatusBadRequest, f, ar, lang, inn, contract, "captcha.required", true)
			return
		case err != nil:
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
	}
	if locked, err := h.identifierLocked(r, key); err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	} else if locked && !known {
		refuse("contract_locked")
		return
	}
	u, org, err := h.cfg.Accountants.AuthenticateAccountant(r.Context(), inn, contract, pin)
	if errors.Is(err, directory.ErrInvalidCredentials) && known {
		// The accountant's browser mistyped: counted against its cookie (and
		// address), not against the contract.
		if err := errors.Join(h.countAddressFailure(r), h.deviceFailure(r, dev)); err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		h.cfg.OnSignIn(string(MethodContract), OutcomeFailure)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID, OrgID: org.ID,
			Details: map[string]string{"method": string(MethodContract), "inn": inn, "reason": "invalid_credentials", "device": "known"}})
		h.renderContract(w, r, http.StatusUnauthorized, f, ar, lang, inn, contract, "contract.invalid", false)
		return
	}
	if errors.Is(err, directory.ErrInvalidCredentials) {
		c, err := h.countFailure(r, key)
		if err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		locked, n, err := h.identifierFailure(r, key)
		if err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		if locked {
			until := h.now().Add(h.cfg.Limits.LockFor).UTC().Format(time.RFC3339)
			h.audit(r, storage.AuditEvent{Type: directory.EventAccountLocked, Outcome: directory.OutcomeSuccess, OrgID: org.ID,
				Details: map[string]string{"method": string(MethodContract), "contract": strings.TrimPrefix(key, "accountant:"),
					"failures": strconv.FormatInt(n, 10), "until": until}})
			h.log.WarnContext(r.Context(), "accountant sign-in locked for a contract", "contract", key, "failures", n, "ip", clientIP(r))
		}
		h.cfg.OnSignIn(string(MethodContract), OutcomeFailure)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID, OrgID: org.ID,
			Details: map[string]string{"method": string(MethodContract), "inn": inn, "reason": "invalid_credentials"}})
		h.renderContract(w, r, http.StatusUnauthorized, f, ar, lang, inn, contract, "contract.invalid", h.captchaNeeded(c))
		return
	}
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	sess, err := h.startSessionWith(w, r, storage.Session{UserID: u.ID, AMR: []string{directory.AMRPassword}, ACR: directory.ACRPassword, OrgID: org.ID})
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	h.cfg.OnSignIn(string(MethodContract), OutcomeSuccess)
	h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: u.ID, OrgID: org.ID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(MethodContract), "sid": sess.SID}})
	h.afterAuthentication(w, r, f, ar, lang, sess, MethodContract)
}
