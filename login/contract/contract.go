// Package contract is the accountant's sign-in ("By contract"), one of
// login's methods: a company's INN, a contract number and the PIN its org
// admin set, with the limits, captcha and locks of a password.
//
// Routes, on the login pages' router:
//
//	GET  /login/{flow}/contract  the form
//	POST /login/{flow}/contract  check it and sign in for the company
package contract

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/gorilla/mux"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Accountants is what the sign-in by contract needs of the organisations.
type Accountants interface {
	AuthenticateAccountant(ctx context.Context, inn, contract, pin string) (storage.User, storage.Organisation, error)
	AccountantUserIDs(ctx context.Context, inn, contract string) ([]string, error)
}

// Pages are the accountant sign-in ("By contract"), under /login/{flow}/contract.
type Pages struct {
	accountants Accountants
	kit         *login.Kit
	pages       *web.Renderer
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the pages over the accountants (nil: the sign-in is off); it
// fails if a template is broken.
func New(acc Accountants, kit *login.Kit) (*Pages, error) {
	pages, err := kit.Renderer(templateFS, "contract")
	if err != nil {
		return nil, err
	}
	return &Pages{accountants: acc, kit: kit, pages: pages}, nil
}

// Mount adds the pages (they answer "not found" while the sign-in is off).
func (h *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/login/{flow}/contract", h.contractForm).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/contract", h.contractSignIn).Methods(http.MethodPost)
}

// Links offers the contract on the password form.
func (h *Pages) Links(links map[string]string, f login.Flow, ar storage.AuthRequest) {
	if h.accountants != nil {
		links["contract"] = login.FlowURL(f.ID, "contract", ar.ID)
	}
}

// Show: the contract sign-in owns no state of the flow.
func (h *Pages) Show(http.ResponseWriter, *http.Request, login.Flow, storage.AuthRequest, language.Tag) bool {
	return false
}

// FirstStep: no request needs a contract.
func (h *Pages) FirstStep(string) string { return "" }

// knownDevice is the browser's device cookie when it was issued for the
// accountant account of contract at a company with inn: such a browser is
// spared the contract's limit and lock. The lookup happens only for a validly
// signed cookie that has not failed too often, so it tells a stranger nothing.
func (h *Pages) knownDevice(r *http.Request, inn, contract string) (login.Device, bool, error) {
	d, ok, err := h.kit.TrustedDevice(r)
	if err != nil || !ok {
		return d, false, err
	}
	ids, err := h.accountants.AccountantUserIDs(r.Context(), inn, contract)
	if err != nil || !slices.Contains(ids, d.User()) {
		return d, false, err
	}
	return d, true, nil
}

type contractPage struct {
	login.Base
	Action, Client, INN, Contract, Error, PasswordLink string
}

func (h *Pages) renderContract(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, inn, contract, errKey string, withCaptcha bool) {
	page := contractPage{Base: h.kit.Base(r, lang, "contract.title"), Action: login.FlowURL(f.ID, "contract", ar.ID), INN: inn, Contract: contract,
		PasswordLink: login.FlowURL(f.ID, "", ar.ID) + "&method=" + string(login.MethodPassword)}
	page.Client = h.kit.ClientName(r.Context(), ar.ClientID)
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	if withCaptcha {
		h.kit.WithCaptcha(r, &page.Base)
	}
	h.pages.Render(w, r, status, "contract", page)
}

// contractFlow loads a sign-in flow for the accountant pages (on when companies are).
func (h *Pages) contractFlow(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, _, uerr := h.kit.LoadFlow(r, flows.KindLogin)
	if uerr == nil && h.accountants == nil {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("accountant sign-in is off")}
	}
	if uerr == nil && !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("contract page in state " + f.State)}
	}
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// contractForm shows the "By contract" tab (GET /login/{flow}/contract).
func (h *Pages) contractForm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.contractFlow(w, r)
	if !ok {
		return
	}
	h.renderContract(w, r, http.StatusOK, f, ar, lang, "", "", "", h.kit.AddressNeedsCaptcha(r))
}

// contractSignIn checks INN, contract and PIN (POST /login/{flow}/contract).
// A PIN is as guessable as a password, so it gets the same protections: failures
// count per address and per contract (the contract number normalised as the check
// matches it, so respellings share one counter), a captcha after a few, slower
// answers, then a lock of the contract, all audited.
func (h *Pages) contractSignIn(w http.ResponseWriter, r *http.Request) {
	inn, contract, pin := strings.TrimSpace(r.PostFormValue("inn")), strings.TrimSpace(r.PostFormValue("contract")), strings.TrimSpace(r.PostFormValue("pin"))
	f, ar, lang, ok := h.contractFlow(w, r)
	if !ok {
		return
	}
	key := orgs.AccountantLimitKey(inn, contract)
	refuse := func(reason string) {
		h.kit.OnSignIn(login.MethodContract, login.OutcomeLimited)
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
			Details: map[string]string{"method": string(login.MethodContract), "inn": inn, "reason": reason}})
		h.renderContract(w, r, http.StatusTooManyRequests, f, ar, lang, inn, contract, "login.too_many_failures", false)
	}
	// The accountant's own browser (a device cookie from an earlier sign-in to
	// this contract) is spared the contract's limit and lock, which are for
	// strangers: the INN is public and contract numbers are guessable, so anyone
	// could otherwise keep the accountant out. The address's limit stays.
	dev, known, err := h.knownDevice(r, inn, contract)
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	// Counted before the PIN is checked, so that PINs posted at once meet the
	// limits, the captcha and the lock as PINs posted in turn do.
	var knownDev *login.Device
	if known {
		knownDev = &dev
	}
	try, err := h.kit.BeginAttempt(r, knownDev, key)
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	defer try.End()
	c := try.Counts
	if h.kit.Over(c) {
		refuse("too_many_failures")
		return
	}
	if h.kit.CaptchaNeeded(c) {
		switch err := h.kit.CheckCaptcha(r); {
		case errors.Is(err, captcha.ErrFailed):
			h.renderContract(w, r, http.StatusBadRequest, f, ar, lang, inn, contract, "captcha.required", true)
			return
		case err != nil:
			h.kit.Fail(w, r, lang, login.Unavailable(err))
			return
		}
	}
	if h.kit.Locked(c) { // never for the accountant's own browser (spared)
		refuse("contract_locked")
		return
	}
	u, org, err := h.accountants.AuthenticateAccountant(r.Context(), inn, contract, pin)
	if errors.Is(err, directory.ErrInvalidCredentials) && known {
		// The accountant's browser mistyped: counted against its cookie (and
		// address), not against the contract.
		try.Failed() // against its cookie (BeginAttempt)
		h.kit.OnSignIn(login.MethodContract, login.OutcomeFailure)
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID, OrgID: org.ID,
			Details: map[string]string{"method": string(login.MethodContract), "inn": inn, "reason": "invalid_credentials", "device": "known"}})
		h.renderContract(w, r, http.StatusUnauthorized, f, ar, lang, inn, contract, "contract.invalid", false)
		return
	}
	if errors.Is(err, directory.ErrInvalidCredentials) {
		c := try.Failed()
		if locked, n := h.kit.IdentifierFailure(try); locked {
			until := h.kit.Now().Add(h.kit.LockFor()).UTC().Format(time.RFC3339)
			h.kit.Audit(r, storage.AuditEvent{Type: directory.EventAccountLocked, Outcome: directory.OutcomeSuccess, OrgID: org.ID,
				Details: map[string]string{"method": string(login.MethodContract), "contract": strings.TrimPrefix(key, "accountant:"),
					"failures": strconv.FormatInt(n, 10), "until": until}})
			h.kit.Logger().WarnContext(r.Context(), "accountant sign-in locked for a contract", "contract", key, "failures", n, "ip", clientaddr.Of(r))
		}
		h.kit.OnSignIn(login.MethodContract, login.OutcomeFailure)
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID, OrgID: org.ID,
			Details: map[string]string{"method": string(login.MethodContract), "inn": inn, "reason": "invalid_credentials"}})
		h.renderContract(w, r, http.StatusUnauthorized, f, ar, lang, inn, contract, "contract.invalid", h.kit.CaptchaNeeded(c))
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	sess, err := h.kit.StartSession(w, r, storage.Session{UserID: u.ID, AMR: []string{directory.AMRPassword}, ACR: directory.ACRPassword, OrgID: org.ID, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	h.kit.OnSignIn(login.MethodContract, login.OutcomeSuccess)
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: u.ID, OrgID: org.ID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(login.MethodContract), "sid": sess.SID}})
	h.kit.SignedIn(w, r, f, ar, lang, sess, login.MethodContract)
}
