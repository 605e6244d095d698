package account

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// The "Sign-in and security" section (/account/security): the person's
// authenticator app, recovery codes, passkeys and "always ask for a second
// factor". Every change is a change of a way in: it needs a recent sign-in
// and, once the account has a second factor, one that used it (freshOrReauth,
// as the password and certificates do), what removes
// something is confirmed on a page of its own first, and directory/factors
// audits and mails each change.

// secondFactors is what the section needs of directory/factors.Service.
type secondFactors interface {
	Enrolment(ctx context.Context, userID string) (factors.Enrolment, error)
	EnrolTOTP(ctx context.Context, userID string) (factors.TOTPEnrolment, error)
	PendingTOTP(ctx context.Context, userID string) (factors.TOTPEnrolment, error)
	ConfirmTOTP(ctx context.Context, by directory.Actor, userID, code string) ([]string, error)
	RemoveTOTP(ctx context.Context, by directory.Actor, userID string) error
	RegenerateRecoveryCodes(ctx context.Context, by directory.Actor, userID string) ([]string, error)
	PasskeysEnabled() bool
	BeginPasskeyRegistration(ctx context.Context, userID string) (string, []byte, error)
	FinishPasskeyRegistration(ctx context.Context, by directory.Actor, userID, ceremonyID, name string, body io.Reader) (storage.Passkey, []string, error)
	RenamePasskey(ctx context.Context, by directory.Actor, userID, id, name string) error
	RemovePasskey(ctx context.Context, by directory.Actor, userID, id string) error
	SetAlwaysAsk(ctx context.Context, by directory.Actor, userID string, on bool) error
	// Required is what a sign-in of u must reach for org (nil: none).
	Required(ctx context.Context, u storage.User, org *storage.Organisation) (factors.Requirement, error)
}

// What a re-authentication resumes in this section (the reauth flow's
// Method; its Recipient holds the value: a passkey's ID, "on"/"off").
const (
	reauthTOTPAdd       = "security_totp_add"
	reauthTOTPRemove    = "security_totp_remove"
	reauthCodesRenew    = "security_codes_renew"
	reauthPasskeyRemove = "security_passkey_remove"
	reauthAlwaysAsk     = "security_always_ask"
	// reauthSecurity: back to the section, where the person does it again
	// (adding a passkey, renaming one, confirming an app).
	reauthSecurity = "security"
)

const securityPath = "/account/security"

// mountSecurity adds the section's routes when second factors are wired.
func (h *Handler) mountSecurity(pages *mux.Router) {
	if h.cfg.Factors == nil {
		return
	}
	pages.HandleFunc(securityPath, h.security).Methods(http.MethodGet)
	pages.HandleFunc(securityPath+"/totp", h.totpStart).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/totp", h.totpPage).Methods(http.MethodGet)
	pages.HandleFunc(securityPath+"/totp/qr.png", h.totpQR).Methods(http.MethodGet)
	pages.HandleFunc(securityPath+"/totp/confirm", h.totpConfirm).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/totp/remove", h.totpRemove).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/recovery-codes", h.codesRenew).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/always-ask", h.alwaysAsk).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/passkeys/begin", h.passkeyBegin).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/passkeys", h.passkeyFinish).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/passkeys/{id}/rename", h.passkeyRename).Methods(http.MethodPost)
	pages.HandleFunc(securityPath+"/passkeys/{id}/remove", h.passkeyRemove).Methods(http.MethodPost)
}

// securityPage is the section's page.
type securityPage struct {
	base
	Who           string
	Notice, Error string
	TOTP          bool
	CodesLeft     int
	PasskeysOn    bool
	Passkeys      []passkeyView
	AlwaysAsk     bool
	// CanAlwaysAsk: there is a factor to ask for.
	CanAlwaysAsk bool
}

// passkeyView is a passkey as the section lists it; Synced says in words
// whether the passkey may be copied to the person's other devices.
type passkeyView struct {
	ID, Name          string
	Created, LastUsed time.Time
	Synced, Backed    bool
}

func (h *Handler) renderSecurity(w http.ResponseWriter, r *http.Request, status int, u storage.User, notice, errKey string) {
	e, err := h.cfg.Factors.Enrolment(r.Context(), u.ID)
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	page := securityPage{base: h.newBase(r, u, accountLang(r, u), "security.title"), Who: directory.Who(u), TOTP: e.TOTP,
		CodesLeft: e.RecoveryCodesLeft, PasskeysOn: h.cfg.Factors.PasskeysEnabled(), AlwaysAsk: e.AlwaysAsk, CanAlwaysAsk: e.Any()}
	for _, p := range e.Passkeys {
		page.Passkeys = append(page.Passkeys, passkeyView{ID: p.ID, Name: p.Name, Created: p.CreatedAt, LastUsed: p.LastUsedAt,
			Synced: p.BackupEligible, Backed: p.BackupState})
	}
	if notice != "" {
		page.Notice = page.T(notice)
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	h.pages.Render(w, r, status, "security", page)
}

// securityNotices are the ?notice= values the section shows after a redirect.
var securityNotices = map[string]string{
	"totp_added": "security.totp_added", "totp_removed": "security.totp_removed", "passkey_added": "security.passkey_added",
	"passkey_renamed": "security.passkey_renamed", "passkey_removed": "security.passkey_removed",
	"always_on": "security.always_on", "always_off": "security.always_off",
	// A company's admin pages need a factor of its policy (orgEnrolled).
	"org_needs_factor": "f1.org_needs_factor", "org_needs_passkey": "f1.org_needs_passkey",
}

// security shows the section (GET /account/security).
func (h *Handler) security(w http.ResponseWriter, r *http.Request) {
	_, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	h.renderSecurity(w, r, http.StatusOK, u, securityNotices[r.URL.Query().Get("notice")], "")
}

// securityDone sends the browser back to the section with a notice.
func securityDone(w http.ResponseWriter, r *http.Request, notice string) {
	http.Redirect(w, r, securityPath+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

// securityFailure answers a factor operation's error: a wrong or locked code
// and a refused passkey on the section, anything else as unavailable.
func (h *Handler) securityFailure(w http.ResponseWriter, r *http.Request, u storage.User, err error) {
	switch {
	case errors.Is(err, factors.ErrWrongCode):
		h.renderSecurity(w, r, http.StatusBadRequest, u, "", "security.wrong_code")
	case errors.Is(err, factors.ErrFactorLocked):
		h.renderSecurity(w, r, http.StatusTooManyRequests, u, "", "security.locked")
	case errors.Is(err, factors.ErrPasskeyFailed):
		h.log.InfoContext(r.Context(), "passkey refused", "user", u.ID, "err", err)
		h.renderSecurity(w, r, http.StatusBadRequest, u, "", "security.passkey_failed")
	case errors.Is(err, factors.ErrNoFactor):
		h.renderSecurity(w, r, http.StatusConflict, u, "", "security.no_factor")
	case errors.Is(err, factors.ErrNoEnrolment):
		h.renderSecurity(w, r, http.StatusConflict, u, "", "security.no_enrolment")
	case errors.Is(err, storage.ErrNotFound):
		h.renderSecurity(w, r, http.StatusNotFound, u, "", "error.not_found")
	default:
		h.fail(w, r, web.Unavailable(err))
	}
}

// securityResume carries out, after a new sign-in, what waited for it in this
// section (reauthResume hands over every action of this section).
func (h *Handler) securityResume(w http.ResponseWriter, r *http.Request, u storage.User, action, value string) {
	switch action {
	case reauthTOTPAdd:
		h.totpEnrol(w, r, u)
	case reauthTOTPRemove:
		h.totpRemoveNow(w, r, u)
	case reauthCodesRenew:
		h.codesRenewNow(w, r, u)
	case reauthPasskeyRemove:
		h.passkeyRemoveNow(w, r, u, value)
	case reauthAlwaysAsk:
		h.alwaysAskNow(w, r, u, value == "on")
	default:
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
	}
}

// isSecurityAction tells whether a waiting reauth flow is this section's.
func isSecurityAction(action string) bool { return strings.HasPrefix(action, reauthSecurity) }

// alwaysAsk turns "always ask for a second factor" on or off
// (POST /account/security/always-ask, on=yes|no).
func (h *Handler) alwaysAsk(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	value := "off"
	if r.PostFormValue("on") == "yes" {
		value = "on"
	}
	if !h.freshOrReauth(w, r, sess, u, reauthAlwaysAsk, value, "") {
		return
	}
	h.alwaysAskNow(w, r, u, value == "on")
}

func (h *Handler) alwaysAskNow(w http.ResponseWriter, r *http.Request, u storage.User, on bool) {
	if err := h.cfg.Factors.SetAlwaysAsk(r.Context(), h.actor(r, u.ID), u.ID, on); err != nil {
		h.securityFailure(w, r, u, err)
		return
	}
	if on {
		securityDone(w, r, "always_on")
		return
	}
	securityDone(w, r, "always_off")
}

// codesPage shows recovery codes, once: the answer to the POST that made them
// (no-store, as every page), never a page to come back to.
type codesPage struct {
	base
	Codes []string
	// First: issued with the first second factor (the factor's notice too).
	First  bool
	Notice string
}

func (h *Handler) renderCodes(w http.ResponseWriter, r *http.Request, u storage.User, codes []string, first bool, notice string) {
	page := codesPage{base: h.newBase(r, u, accountLang(r, u), "security.codes_title"), Codes: codes, First: first}
	if notice != "" {
		page.Notice = page.T(notice)
	}
	h.pages.Render(w, r, http.StatusOK, "recovery_codes", page)
}

// codesRenew replaces the recovery codes, after a confirmation: the old ones
// stop working (POST /account/security/recovery-codes).
func (h *Handler) codesRenew(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.codes_renew", Cancel: securityPath}) {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthCodesRenew, "", "") {
		return
	}
	h.codesRenewNow(w, r, u)
}

func (h *Handler) codesRenewNow(w http.ResponseWriter, r *http.Request, u storage.User) {
	e, err := h.cfg.Factors.Enrolment(r.Context(), u.ID)
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	if !e.Any() { // codes stand in for a factor; without one they mean nothing
		h.renderSecurity(w, r, http.StatusConflict, u, "", "security.no_factor")
		return
	}
	codes, err := h.cfg.Factors.RegenerateRecoveryCodes(r.Context(), h.actor(r, u.ID), u.ID)
	if err != nil {
		h.securityFailure(w, r, u, err)
		return
	}
	h.renderCodes(w, r, u, codes, false, "security.codes_renewed")
}

// passkeyRename relabels a passkey (POST /account/security/passkeys/{id}/rename).
func (h *Handler) passkeyRename(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthSecurity, "", "") {
		return
	}
	err := h.cfg.Factors.RenamePasskey(r.Context(), h.actor(r, u.ID), u.ID, mux.Vars(r)["id"], r.PostFormValue("name"))
	if err != nil {
		h.securityFailure(w, r, u, err)
		return
	}
	securityDone(w, r, "passkey_renamed")
}

// passkeyRemove removes a passkey, after a confirmation naming it
// (POST /account/security/passkeys/{id}/remove).
func (h *Handler) passkeyRemove(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	name, found := h.passkeyName(r, u.ID, id)
	if !found {
		h.renderSecurity(w, r, http.StatusNotFound, u, "", "error.not_found")
		return
	}
	if !h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.passkey_remove", Args: []string{"Name", web.NBSP(name)},
		Cancel: securityPath}) {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthPasskeyRemove, id, "") {
		return
	}
	h.passkeyRemoveNow(w, r, u, id)
}

func (h *Handler) passkeyRemoveNow(w http.ResponseWriter, r *http.Request, u storage.User, id string) {
	if err := h.cfg.Factors.RemovePasskey(r.Context(), h.actor(r, u.ID), u.ID, id); err != nil {
		h.securityFailure(w, r, u, err)
		return
	}
	securityDone(w, r, "passkey_removed")
}

// passkeyName is the label of the person's passkey id.
func (h *Handler) passkeyName(r *http.Request, userID, id string) (string, bool) {
	e, err := h.cfg.Factors.Enrolment(r.Context(), userID)
	if err != nil {
		return "", false
	}
	for _, p := range e.Passkeys {
		if p.ID == id {
			return p.Name, true
		}
	}
	return "", false
}

// passkeyBegin starts adding a passkey: the creation options for the
// browser, as JSON (POST /account/security/passkeys/begin, called by
// /static/passkey-add.js).
func (h *Handler) passkeyBegin(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthSecurity, "", "") {
		return
	}
	id, opts, err := h.cfg.Factors.BeginPasskeyRegistration(r.Context(), u.ID)
	if err != nil {
		h.log.ErrorContext(r.Context(), "begin passkey registration", "user", u.ID, "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":"unavailable"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Ceremony string          `json:"ceremony"`
		Options  json.RawMessage `json:"options"`
	}{id, opts})
}

// passkeyFinish stores the passkey the browser made (POST
// /account/security/passkeys: the form of passkey-add.js with the ceremony,
// the name and the credential's JSON). The first second factor of an account
// shows its recovery codes.
func (h *Handler) passkeyFinish(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthSecurity, "", "") {
		return
	}
	_, codes, err := h.cfg.Factors.FinishPasskeyRegistration(r.Context(), h.actor(r, u.ID), u.ID, r.PostFormValue("ceremony"),
		r.PostFormValue("name"), strings.NewReader(r.PostFormValue("credential")))
	if err != nil {
		h.securityFailure(w, r, u, err)
		return
	}
	if len(codes) > 0 {
		h.renderCodes(w, r, u, codes, true, "security.passkey_added")
		return
	}
	securityDone(w, r, "passkey_added")
}
