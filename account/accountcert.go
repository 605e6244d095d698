package account

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// certificateView is a bound certificate as the account page lists it.
type certificateView struct {
	Name, Issuer, SHA256 string
	Until                time.Time
	Qualified            bool
}

func certificateViews(u storage.User) []certificateView {
	var out []certificateView
	for _, c := range u.Certificates {
		out = append(out, certificateView{Name: dnValue(c.Subject, "CN"), Issuer: dnValue(c.Issuer, "CN"),
			Until: c.NotAfter, SHA256: c.SHA256, Qualified: c.Qualified})
	}
	return out
}

// certificateName is the name of the person's certificate of fingerprint fp
// (its CN), or fp when they have none such.
func certificateName(u storage.User, fp string) string {
	for _, c := range certificateViews(u) {
		if c.SHA256 == fp && c.Name != "" {
			return web.NBSP(c.Name)
		}
	}
	return fp
}

// dnValue picks one attribute out of an RFC 4514 string (as certauth.DN writes it).
func dnValue(dn, key string) string {
	var parts []string
	var cur strings.Builder
	escaped := false
	for _, r := range dn {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == ',':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		if k, v, ok := strings.Cut(p, "="); ok && k == key {
			return v
		}
	}
	return dn
}

// accountCertificateBind links a certificate: a certificate sign-in through the
// account client, bound to the signed-in person (GET /account/certificate).
// A session signed in too long ago signs in again first; the binding itself checks
// again (certificateConfirm), as the sign-in can be reached without this page.
func (h *Handler) accountCertificateBind(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.certificatesOn() {
		h.fail(w, r, &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("certificate sign-in is off")})
		return
	}
	if !h.freshOrReauth(w, r, sess, u, flows.ReauthCertificateAdd, "", "") {
		return
	}
	web.SignIn(w, r, h.cfg.Issuer, directory.AccountClientID, "certificate",
		url.Values{"prompt": {"login"}, "acr_values": {directory.ACRCertificate}})
}

// accountCertificateRemove unlinks a certificate (POST /account/certificate/remove).
// A session signed in too long ago signs in again first.
func (h *Handler) accountCertificateRemove(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	fp := directory.TruncateUTF8(r.PostFormValue("sha256"), 128)
	if !h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.certificate_remove", Args: []string{"Cert", certificateName(u, fp)},
		Cancel: "/account"}) {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, flows.ReauthCertificateRemove, fp, "") {
		return
	}
	h.removeCertificate(w, r, sess, u, fp)
}

// removeCertificate unlinks the certificate of fingerprint fp and tells the owner.
func (h *Handler) removeCertificate(w http.ResponseWriter, r *http.Request, sess *storage.Session, u storage.User, fp string) {
	err := h.people.UnbindCertificate(r.Context(), u.ID, fp)
	switch {
	case errors.Is(err, directory.ErrLastCredential):
		h.renderAccount(w, r, http.StatusConflict, sess, u, "", "account.certificate_last")
		return
	case errors.Is(err, storage.ErrNotFound):
		h.renderAccount(w, r, http.StatusNotFound, sess, u, "", "error.not_found")
		return
	case err != nil:
		h.fail(w, r, web.Unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventCertificateUnbound, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"sha256": fp}})
	if now, err := h.people.UserByID(r.Context(), u.ID); err == nil {
		u = now
	}
	h.tellOfChange(r, u, directory.ChangeCertificateRemoved, h.cfg.Notices.Contact(u))
	h.renderAccount(w, r, http.StatusOK, sess, u, "account.certificate_removed", "")
}
