package account

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// totpPage is the enrolment of an authenticator app: the QR code (an image
// Vhod serves: the CSP allows no other), the secret as text for typing, and
// the form that confirms with a code.
type totpPage struct {
	base
	Secret string
	// SecretGroups is the secret in groups of four, easier to type.
	SecretGroups string
	Error        string
}

// totpStart begins adding an authenticator app (POST /account/security/totp).
func (h *Handler) totpStart(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthTOTPAdd, "", "") {
		return
	}
	h.totpEnrol(w, r, u)
}

// totpEnrol makes a new pending secret and shows it.
func (h *Handler) totpEnrol(w http.ResponseWriter, r *http.Request, u storage.User) {
	if _, err := h.cfg.Factors.EnrolTOTP(r.Context(), u.ID); err != nil {
		h.securityFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, securityPath+"/totp", http.StatusSeeOther)
}

// totpPage shows the app being enrolled (GET /account/security/totp). The
// secret is a way in once confirmed, so only a recent sign-in sees it.
func (h *Handler) totpPage(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthTOTPAdd, "", "") {
		return
	}
	h.renderTOTP(w, r, http.StatusOK, u, "")
}

func (h *Handler) renderTOTP(w http.ResponseWriter, r *http.Request, status int, u storage.User, errKey string) {
	e, err := h.cfg.Factors.PendingTOTP(r.Context(), u.ID)
	if errors.Is(err, factors.ErrNoEnrolment) {
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	}
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	page := totpPage{base: h.newBase(r, u, accountLang(r, u), "security.totp_title"), Secret: e.Secret, SecretGroups: groupsOf4(e.Secret)}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	h.pages.Render(w, r, status, "totp", page)
}

// groupsOf4 writes s in groups of four characters.
func groupsOf4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// totpQR serves the QR code of the app being enrolled
// (GET /account/security/totp/qr.png); a session that may not change a way
// in (stale, or without the account's second factor) gets none.
func (h *Handler) totpQR(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if ok, err := h.mayChange(r.Context(), sess, u); err != nil || !ok {
		h.fail(w, r, &web.UserError{Status: http.StatusForbidden, Key: "error.forbidden", Err: fmt.Errorf("a stale or weak session asked for a QR code (%v)", err)})
		return
	}
	e, err := h.cfg.Factors.PendingTOTP(r.Context(), u.ID)
	if errors.Is(err, factors.ErrNoEnrolment) {
		h.fail(w, r, &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: err})
		return
	}
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(e.QRCode)
}

// totpConfirm makes the pending app the account's with a code from it
// (POST /account/security/totp/confirm). The first second factor shows the
// recovery codes, once.
func (h *Handler) totpConfirm(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthSecurity, "", "") {
		return
	}
	code := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("code")), " ", "")
	codes, err := h.cfg.Factors.ConfirmTOTP(r.Context(), h.actor(r, u.ID), u.ID, code)
	switch {
	case errors.Is(err, factors.ErrWrongCode):
		h.renderTOTP(w, r, http.StatusBadRequest, u, "security.wrong_code")
		return
	case errors.Is(err, factors.ErrFactorLocked):
		h.renderTOTP(w, r, http.StatusTooManyRequests, u, "security.locked")
		return
	case err != nil:
		h.securityFailure(w, r, u, err)
		return
	}
	if len(codes) > 0 {
		h.renderCodes(w, r, u, codes, true, "security.totp_added")
		return
	}
	securityDone(w, r, "totp_added")
}

// totpRemove removes the app, after a confirmation
// (POST /account/security/totp/remove).
func (h *Handler) totpRemove(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.totp_remove", Cancel: securityPath}) {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthTOTPRemove, "", "") {
		return
	}
	h.totpRemoveNow(w, r, u)
}

func (h *Handler) totpRemoveNow(w http.ResponseWriter, r *http.Request, u storage.User) {
	if err := h.cfg.Factors.RemoveTOTP(r.Context(), h.actor(r, u.ID), u.ID); err != nil {
		h.securityFailure(w, r, u, err)
		return
	}
	securityDone(w, r, "totp_removed")
}
