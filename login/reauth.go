package login

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// Changing a way into an account (email, phone, password, certificates) needs a
// recent proof of who the person is, not only a session: a browser left signed in
// or a stolen session cookie must not be enough to take the account for good.
// A session whose sign-in is older than the window is sent to sign in again
// (prompt=login through the account client, so every method and every limit of
// the sign-in page applies: password, SMS code, certificate). What was asked for
// waits in a flow and is carried out on return, so the input is not lost (typed
// passwords excepted: they are never stored).

// DefaultReauthWithin is how recent the sign-in must be: the 5 minutes of
// Keycloak's max_auth_age.
const DefaultReauthWithin = 5 * time.Minute

// reauthStatePrefix marks the account client's state of a sign-in made again.
const reauthStatePrefix = "reauth:"

// What a re-authentication resumes (kept in the flow's Method; its Recipient holds
// the value: the new email or phone, a certificate's fingerprint, a sign-in flow).
const (
	reauthPassword          = "password"
	reauthCertificateAdd    = "certificate_add"
	reauthCertificateRemove = "certificate_remove"
	// reauthCertificateBind: a certificate waits on the confirmation page of a
	// sign-in flow (Recipient) of an auth request (AuthRequestID).
	reauthCertificateBind = "certificate_bind"
)

func (h *Handler) reauthWithin() time.Duration {
	if h.cfg.ReauthWithin > 0 {
		return h.cfg.ReauthWithin
	}
	return DefaultReauthWithin
}

// fresh tells whether the session's sign-in is recent enough to change a way in.
func (h *Handler) fresh(s *storage.Session) bool {
	return s != nil && h.now().Sub(s.AuthTime) <= h.reauthWithin()
}

// freshOrReauth returns true when the session may change a way in. Otherwise it
// keeps the action for after a new sign-in, sends the browser to sign in again and
// returns false.
func (h *Handler) freshOrReauth(w http.ResponseWriter, r *http.Request, sess *storage.Session, u storage.User, action, value, authRequestID string) bool {
	if h.fresh(sess) {
		return true
	}
	now := h.now().UTC()
	life := h.cfg.FlowLifetime
	if life <= 0 {
		life = 15 * time.Minute
	}
	f := flow{storage.Flow{ID: directory.NewID(), Kind: string(KindReauth), State: string(StateStarted),
		AuthRequestID: authRequestID, BrowserHash: h.cookies.BrowserHash(r.Context()), UserID: u.ID, Method: action, Recipient: value,
		Steps: []storage.FlowStep{{At: now, To: string(StateStarted)}}, CreatedAt: now, ExpiresAt: now.Add(life)}}
	if err := h.store.CreateFlow(r.Context(), f.Flow); err != nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
		return false
	}
	age := "unknown"
	if sess != nil {
		age = strconv.Itoa(int(now.Sub(sess.AuthTime).Seconds()))
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventReauthRequired, Outcome: directory.OutcomeFailure, UserID: u.ID,
		Details: map[string]string{"action": action, "reason": "stale_session", "age_seconds": age}})
	q := url.Values{"client_id": {AccountClientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {h.cfg.Issuer + "/account/callback"}, "state": {reauthStatePrefix + f.ID}, "prompt": {"login"}}
	if hint := firstOf(u.Login, u.Email, u.Phone); hint != "" {
		q.Set("login_hint", hint)
	}
	if l := r.URL.Query().Get("ui_locales"); l != "" {
		q.Set("ui_locales", l)
	}
	http.Redirect(w, r, "/authorize?"+q.Encode(), http.StatusSeeOther)
	return false
}

// isReauth tells whether an auth request is the account client's sign-in made
// again (the sign-in page then says why it asks).
func isReauth(ar storage.AuthRequest) bool {
	return ar.ClientID == AccountClientID && strings.HasPrefix(ar.State, reauthStatePrefix)
}

// reauthResume carries out, after the new sign-in, what waited for it
// (GET /account/callback?state=reauth:FLOW).
func (h *Handler) reauthResume(w http.ResponseWriter, r *http.Request, flowID string) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	stored, err := h.store.FlowByID(r.Context(), flowID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (stored.Kind != string(KindReauth) ||
		stored.BrowserHash != h.cookies.BrowserHash(r.Context()) || stored.UserID != u.ID || stored.State != string(StateStarted))) {
		// Expired, done already (a reload), or the person signed in as someone
		// else: nothing waits for this session.
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	if err != nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
		return
	}
	f := flow{stored}
	if !h.freshOrReauth(w, r, sess, u, f.Method, f.Recipient, f.AuthRequestID) {
		return // the callback was reached without signing in again
	}
	if uerr := h.move(r, &f, StateDone); uerr != nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), uerr)
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventReauth, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"action": f.Method, "amr": strings.Join(sess.AMR, " "), "sid": sess.SID}})
	switch f.Method {
	case storage.IdentEmail, storage.IdentPhone:
		h.changeIdentifier(w, r, sess, u, f.Method, f.Recipient)
	case reauthCertificateRemove:
		h.removeCertificate(w, r, sess, u, f.Recipient)
	case reauthCertificateAdd:
		http.Redirect(w, r, "/account/certificate", http.StatusSeeOther)
	case reauthCertificateBind:
		http.Redirect(w, r, flowURL(f.Recipient, "", f.AuthRequestID), http.StatusSeeOther)
	default:
		h.renderAccount(w, r, http.StatusOK, sess, u, "account.reauth_password", "")
	}
}
