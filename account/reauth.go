package account

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// A change of a way in (email, phone, password, certificates) needs a recent
// sign-in (flows.Reauths); a stale session signs in again through the account
// client and the change waits in a flow, carried out here on return.

// freshOrReauth returns true when the session may change a way in. Otherwise it
// keeps the action for after a new sign-in, sends the browser to sign in again and
// returns false.
func (h *Handler) freshOrReauth(w http.ResponseWriter, r *http.Request, sess *storage.Session, u storage.User, action, value, authRequestID string) bool {
	if h.cfg.Reauths.Fresh(sess) {
		return true
	}
	id, err := h.cfg.Reauths.Wait(r.Context(), h.actor(r, u.ID), sess, u.ID, h.cookies.BrowserHash(r.Context()), action, value, authRequestID)
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return false
	}
	q := url.Values{"prompt": {"login"}}
	if hint := cmp.Or(u.Login, u.Email, u.Phone); hint != "" {
		q.Set("login_hint", hint)
	}
	web.SignIn(w, r, h.cfg.Issuer, directory.AccountClientID, directory.ReauthStatePrefix+id, q)
	return false
}

// reauthResume carries out, after the new sign-in, what waited for it
// (GET /account/callback?state=reauth:FLOW).
func (h *Handler) reauthResume(w http.ResponseWriter, r *http.Request, flowID string) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	stored, err := h.store.FlowByID(r.Context(), flowID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (stored.Kind != string(flows.KindReauth) ||
		stored.BrowserHash != h.cookies.BrowserHash(r.Context()) || stored.UserID != u.ID || stored.State != string(flows.StateStarted))) {
		// Expired, done already (a reload), or the person signed in as someone
		// else: nothing waits for this session.
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	f := flow{Flow: stored}
	if !h.freshOrReauth(w, r, sess, u, f.Method, f.Recipient, f.AuthRequestID) {
		return // the callback was reached without signing in again
	}
	if uerr := h.move(r, &f, flows.StateDone); uerr != nil {
		h.fail(w, r, uerr)
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventReauth, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"action": f.Method, "amr": strings.Join(sess.AMR, " "), "sid": sess.SID}})
	switch f.Method {
	case storage.IdentEmail, storage.IdentPhone:
		h.changeIdentifier(w, r, sess, u, f.Method, f.Recipient)
	case flows.ReauthCertificateRemove:
		h.removeCertificate(w, r, sess, u, f.Recipient)
	case flows.ReauthProviderUnlink:
		h.removeLink(w, r, sess, u, f.Recipient)
	case flows.ReauthCertificateAdd:
		http.Redirect(w, r, "/account/certificate", http.StatusSeeOther)
	case flows.ReauthCertificateBind:
		// Back to the certificate's confirmation page of the sign-in flow.
		http.Redirect(w, r, "/login/"+url.PathEscape(f.Recipient)+"?authRequestID="+url.QueryEscape(f.AuthRequestID), http.StatusSeeOther)
	default:
		if isSecurityAction(f.Method) && h.cfg.Factors != nil {
			h.securityResume(w, r, u, f.Method, f.Recipient)
			return
		}
		h.renderAccount(w, r, http.StatusOK, sess, u, "account.reauth_password", "")
	}
}
