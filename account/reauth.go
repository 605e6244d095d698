package account

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// A change of a way in (email, phone, password, certificates, outside
// providers, second factors) needs a recent sign-in (flows.Reauths) and, on an
// account with a second factor, a sign-in that reached it (acr mfa): else a
// password alone, or one just reset, could replace the very factors that guard
// the account. A company's admin pages need what the company's sign-in policy
// asks (orgadmin.go). A session short of either signs in again through the
// account client (prompt=login when stale, acr_values for the class) and the
// change waits in a flow, carried out here on return. need and reauthUnless
// are the one place these rules are applied.

// need is what an action asks of the session.
type need struct {
	// fresh: a recent sign-in (flows.Reauths.Fresh).
	fresh bool
	// req: the class (and the kind of factor) the sign-in must have reached.
	req factors.Requirement
}

// wayInNeed is what changing a way into u asks: a recent sign-in, with the
// second factor when the account has one.
func (h *Handler) wayInNeed(ctx context.Context, u storage.User) (need, error) {
	n := need{fresh: true}
	if h.cfg.Factors == nil {
		return n, nil
	}
	e, err := h.cfg.Factors.Enrolment(ctx, u.ID)
	if err != nil {
		return n, err
	}
	if e.Any() {
		n.req = factors.Requirement{ACR: directory.ACRMFA, By: "user", Enrolled: true}
	}
	return n, nil
}

// freshOrReauth returns true when the session may change a way in. Otherwise it
// keeps the action for after a new sign-in, sends the browser to sign in again and
// returns false.
func (h *Handler) freshOrReauth(w http.ResponseWriter, r *http.Request, sess *storage.Session, u storage.User, action, value, authRequestID string) bool {
	n, err := h.wayInNeed(r.Context(), u)
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return false
	}
	return h.reauthUnless(w, r, sess, u, n, action, value, authRequestID)
}

// mayChange tells, without asking anything, whether the session may see what
// changing a way in shows (the QR code of an app being enrolled).
func (h *Handler) mayChange(ctx context.Context, sess *storage.Session, u storage.User) (bool, error) {
	n, err := h.wayInNeed(ctx, u)
	return err == nil && h.cfg.Reauths.Fresh(sess) && n.req.Met(sess.ACR, sess.AMR), err
}

// reauthUnless returns true when the session meets n. Otherwise it keeps the
// action for after a new sign-in, sends the browser to sign in again (again
// from the start when stale; stepped up to the class n asks for when weak),
// and returns false.
func (h *Handler) reauthUnless(w http.ResponseWriter, r *http.Request, sess *storage.Session, u storage.User, n need, action, value, authRequestID string) bool {
	stale := n.fresh && !h.cfg.Reauths.Fresh(sess)
	weak := sess == nil || !n.req.Met(sess.ACR, sess.AMR)
	if !stale && !weak {
		return true
	}
	reason := flows.ReasonStale
	if !stale {
		reason = flows.ReasonSecondFactor
	}
	id, err := h.cfg.Reauths.WaitFor(r.Context(), reason, h.actor(r, u.ID), sess, u.ID, h.cookies.BrowserHash(r.Context()), action, value, authRequestID)
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return false
	}
	q := url.Values{}
	if stale {
		q.Set("prompt", "login")
	}
	if n.req.ACR != "" {
		// Signing in again reaches the class too; a fresh session is only
		// stepped up, without the first factor again.
		q.Set("acr_values", n.req.ACR)
	}
	if hint := cmp.Or(u.Login, u.Email, u.Phone); hint != "" {
		q.Set("login_hint", hint)
	}
	web.SignIn(w, r, h.cfg.Issuer, directory.AccountClientID, directory.ReauthStatePrefix+id, q)
	return false
}

// weakAfterSignIn answers a return from signing in again whose session is
// recent but still short of n (a code where the company asks for a passkey):
// a sentence saying what is needed, not another round of signing in.
func (h *Handler) weakAfterSignIn(w http.ResponseWriter, r *http.Request, sess *storage.Session, n need) bool {
	if !h.cfg.Reauths.Fresh(sess) || n.req.Met(sess.ACR, sess.AMR) {
		return false
	}
	key := "f1.reauth_second_factor"
	if n.req.PasskeyOrCertificate {
		key = "f1.reauth_passkey"
	}
	h.fail(w, r, &web.UserError{Status: http.StatusForbidden, Key: key,
		Err: fmt.Errorf("signed in again with acr %q amr %v, short of %s", sess.ACR, sess.AMR, n.req.ACR)})
	return true
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
	n, err := h.resumeNeed(r.Context(), u, f.Method, f.Recipient)
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	if h.weakAfterSignIn(w, r, sess, n) || !h.reauthUnless(w, r, sess, u, n, f.Method, f.Recipient, f.AuthRequestID) {
		return // still short of it, or the callback was reached without signing in again
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
	case reauthOrgAdmin:
		http.Redirect(w, r, orgMembersPath(f.Recipient), http.StatusSeeOther)
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

// resumeNeed is what the action waiting in a reauth flow asks of the new
// sign-in: a company's admin pages its policy, anything else a way in's.
func (h *Handler) resumeNeed(ctx context.Context, u storage.User, action, value string) (need, error) {
	if action == reauthOrgAdmin {
		return h.orgAdminNeed(ctx, u, value)
	}
	return h.wayInNeed(ctx, u)
}
