package login

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// accountants is what the sign-in by contract needs.
type accountants interface {
	AuthenticateAccountant(ctx context.Context, inn, contract, pin string) (storage.User, storage.Organisation, error)
	SetAccountantPIN(ctx context.Context, orgID, contract, pin string) error
}

// MethodContract is the accountant sign-in: a company's INN, a contract number
// and the PIN its org admin set.
const MethodContract Method = "contract"

type contractPage struct {
	base
	Action, Client, INN, Contract, Error, PasswordLink string
}

func (h *Handler) renderContract(w http.ResponseWriter, r *http.Request, status int, f flow, ar storage.AuthRequest, lang language.Tag, inn, contract, errKey string) {
	page := contractPage{base: h.newBase(r, lang, "contract.title"), Action: flowURL(f.ID, "contract", ar.ID), INN: inn, Contract: contract,
		PasswordLink: flowURL(f.ID, "", ar.ID) + "&method=" + string(MethodPassword)}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	h.render(w, r, status, "contract", page)
}

// contractFlow loads a sign-in flow for the accountant pages (on when companies are).
func (h *Handler) contractFlow(w http.ResponseWriter, r *http.Request) (flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, _, uerr := h.loadFlow(r)
	if uerr == nil && h.cfg.Accountants == nil {
		uerr = &userError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("accountant sign-in is off")}
	}
	if uerr == nil && !f.in(StateStarted) && !f.in(StateCodeSent) {
		uerr = &userError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("contract page in state " + f.State)}
	}
	if uerr != nil {
		h.fail(w, r, lang, uerr)
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
	h.renderContract(w, r, http.StatusOK, f, ar, lang, "", "", "")
}

// contractSignIn checks INN, contract and PIN (POST /login/{flow}/contract).
// Failures count like wrong passwords, per address and per INN and contract.
func (h *Handler) contractSignIn(w http.ResponseWriter, r *http.Request) {
	inn, contract, pin := strings.TrimSpace(r.PostFormValue("inn")), strings.TrimSpace(r.PostFormValue("contract")), strings.TrimSpace(r.PostFormValue("pin"))
	f, ar, lang, ok := h.contractFlow(w, r)
	if !ok {
		return
	}
	ident := "contract:" + inn + "/" + strings.ToLower(contract)
	c, err := h.failures(r, ident)
	if err != nil {
		h.fail(w, r, lang, unavailable(err))
		return
	}
	if h.over(c) {
		h.cfg.OnSignIn(string(MethodContract), OutcomeLimited)
		h.renderContract(w, r, http.StatusTooManyRequests, f, ar, lang, inn, contract, "login.too_many_failures")
		return
	}
	u, org, err := h.cfg.Accountants.AuthenticateAccountant(r.Context(), inn, contract, pin)
	if errors.Is(err, directory.ErrInvalidCredentials) {
		if _, err := h.countFailure(r, ident); err != nil {
			h.fail(w, r, lang, unavailable(err))
			return
		}
		h.cfg.OnSignIn(string(MethodContract), OutcomeFailure)
		h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(MethodContract), "inn": inn}})
		h.renderContract(w, r, http.StatusUnauthorized, f, ar, lang, inn, contract, "contract.invalid")
		return
	}
	if err != nil {
		h.fail(w, r, lang, unavailable(err))
		return
	}
	sess, err := h.startSessionWith(w, r, storage.Session{UserID: u.ID, AMR: []string{directory.AMRPassword}, ACR: directory.ACRPassword, OrgID: org.ID})
	if err != nil {
		h.fail(w, r, lang, unavailable(err))
		return
	}
	h.cfg.OnSignIn(string(MethodContract), OutcomeSuccess)
	h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: u.ID, OrgID: org.ID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(MethodContract), "sid": sess.SID}})
	h.afterAuthentication(w, r, f, ar, lang, sess, MethodContract)
}
