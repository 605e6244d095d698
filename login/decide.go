package login

import (
	"context"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// verdict is what the browser's SSO session does for an auth request. It is
// decided once, by decide, for both ways a request meets the session: at
// /authorize (SSO, no page) and on the sign-in pages' start; the two only act on
// it differently (SSO answers or hands over to the pages, start shows a page).
type verdict int

const (
	// signIn: no session, or one that may not answer (prompt, max_age,
	// id_token_hint, acr): the person signs in.
	signIn verdict = iota
	// chooseOrg: the session answers once the person has chosen the company to
	// act for (several companies, or prompt=select_account).
	chooseOrg
	// askConsent: the session answers once the person consents to the client.
	askConsent
	// answer: the session answers now (record the client, complete the request).
	answer
)

func (v verdict) String() string {
	return [...]string{"signIn", "chooseOrg", "askConsent", "answer"}[v]
}

// promptNoneError is the OIDC error for prompt=none, which forbids every page:
// the one each verdict but answer would need.
func (v verdict) promptNoneError() string {
	switch v {
	case chooseOrg:
		return "account_selection_required"
	case askConsent:
		return "consent_required"
	default:
		return "login_required"
	}
}

// decide reads the browser's SSO session and decides what it does for ar; the
// session (nil without one) comes back for the caller to act with. A session
// of an account an operator has locked does not exist: the lock ends them, and
// startSessionWith ends one that raced it.
func (h *Handler) decide(ctx context.Context, ar storage.AuthRequest) (verdict, *storage.Session, error) {
	sess, err := h.currentSession(ctx)
	if err != nil || sess == nil {
		return signIn, nil, err
	}
	v, err := h.decideFor(ctx, ar, sess)
	return v, sess, err
}

// decideFor takes the session through the steps, in order: does it satisfy the
// request, which company (settleOrg records an unambiguous one in the session),
// does the client need consent. An error when a step cannot be read: never an
// answer the request might not allow (fail closed).
func (h *Handler) decideFor(ctx context.Context, ar storage.AuthRequest, sess *storage.Session) (verdict, error) {
	if ok, err := h.sessionSatisfies(ctx, ar, *sess); err != nil || !ok {
		return signIn, err
	}
	if page, err := h.settleOrg(ctx, ar, sess); err != nil || page {
		return chooseOrg, err
	}
	need, err := h.needsConsent(ctx, ar, sess.UserID)
	if err != nil || need {
		return askConsent, err
	}
	return answer, nil
}

// sessionSatisfies tells whether the SSO session may answer this request without
// asking the person again: also strong enough for the client's minimum acr and
// the RP's acr_values. An error when the minimum cannot be read (fail closed).
func (h *Handler) sessionSatisfies(ctx context.Context, ar storage.AuthRequest, s storage.Session) (bool, error) {
	want, err := RequiredACR(ctx, h.store, ar)
	if err != nil {
		return false, err
	}
	if want != "" && !directory.ACRSatisfies(s.ACR, want) {
		return false, nil
	}
	return h.sessionSatisfiesExceptACR(ar, s), nil
}

// sessionSatisfiesExceptACR: prompt, max_age and id_token_hint allow the session.
func (h *Handler) sessionSatisfiesExceptACR(ar storage.AuthRequest, s storage.Session) bool {
	// select_account chooses among the person's companies when the org scope is
	// asked for (see settleOrg); otherwise it means signing in again.
	if hasPrompt(ar, "login") || (hasPrompt(ar, "select_account") && !wantsOrg(ar)) {
		return false
	}
	if ar.MaxAge != nil && h.now().Sub(s.AuthTime) > time.Duration(*ar.MaxAge)*time.Second {
		return false
	}
	if ar.HintSubject != "" && ar.HintSubject != s.UserID {
		return false
	}
	return true
}
