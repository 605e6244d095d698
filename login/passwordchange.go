package login

import (
	"errors"
	"net/http"
	"strconv"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

func (h *Handler) passwordChangeForm(w http.ResponseWriter, r *http.Request, status int, f flow, ar storage.AuthRequest, lang language.Tag, errKey string) {
	page := passwordChangePage{base: h.newBase(r, lang, "pwchange.title"), Action: flowURL(f.ID, "password/change", ar.ID)}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	if errKey != "" {
		page.Error = page.T(errKey, "Min", minLengthText(h.cfg.PasswordMinLength))
	}
	h.pages.Render(w, r, status, "password_change", page)
}

// passwordChange sets a new password in place of a temporary one, then lets the
// sign-in go on. Typed passwords are never sent back into the form. After a
// recovery password, this is the moment the account's other sessions and tokens
// end: not when the recovery password was asked for.
func (h *Handler) passwordChange(w http.ResponseWriter, r *http.Request) {
	old, next, repeat := r.PostFormValue("old"), r.PostFormValue("new"), r.PostFormValue("repeat")
	f, ar, lang, replaced, uerr := h.loadFlow(r)
	if uerr == nil && (replaced || !f.In(flows.StatePasswordChange)) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("password change posted in state " + f.State)}
	}
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	if next != repeat {
		h.passwordChangeForm(w, r, http.StatusBadRequest, f, ar, lang, "pwchange.mismatch")
		return
	}
	recovered, err := h.accounts.ChangeTemporaryPassword(r.Context(), f.UserID, old, next)
	if key := directory.PasswordRefusalKey(err); key != "" {
		h.audit(r, storage.AuditEvent{Type: directory.EventPasswordChange, Outcome: directory.OutcomeFailure, UserID: f.UserID,
			ClientID: ar.ClientID, Details: map[string]string{"reason": key}})
		h.passwordChangeForm(w, r, http.StatusBadRequest, f, ar, lang, key)
		return
	}
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if recovered {
		if err := h.endOldAccess(r, f.UserID, directory.EventRecoveryCompleted, "sms"); err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		// Whoever holds the phone reset the password: the email, if any, hears of it.
		if u, err := h.accounts.UserByID(r.Context(), f.UserID); err == nil {
			h.tellOfChange(r, u, directory.ChangePassword)
		}
	} else {
		h.audit(r, storage.AuditEvent{Type: directory.EventPasswordChange, Outcome: directory.OutcomeSuccess, UserID: f.UserID,
			ClientID: ar.ClientID, Details: map[string]string{"reason": "temporary"}})
	}
	sess, err := h.startSessionWith(w, r, storage.Session{UserID: f.UserID, AMR: []string{directory.AMRPassword}, ACR: directory.ACRPassword, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	h.cfg.OnSignIn(string(MethodPassword), OutcomeSuccess)
	h.afterAuthentication(w, r, f, ar, lang, sess, MethodPassword)
}

func minLengthText(n int) string { return strconv.Itoa(max(n, 8)) }

// endOldAccess ends every session and token of an account whose password was
// reset, and records event (with via) once that is done.
func (h *Handler) endOldAccess(r *http.Request, userID, event, via string) error {
	ctx := r.Context()
	var rerr error
	if h.cfg.RevokeUser != nil { // ends the sessions first, and tells their clients
		rerr = h.cfg.RevokeUser(ctx, userID)
	}
	// The sessions end even when the revocation failed, as after a lock.
	if err := errors.Join(rerr, h.store.DeleteUserSessions(ctx, userID)); err != nil {
		return err
	}
	h.audit(r, storage.AuditEvent{Type: event, Outcome: directory.OutcomeSuccess, UserID: userID,
		Details: map[string]string{"via": via}})
	return nil
}
