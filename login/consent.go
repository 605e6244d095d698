package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// needsConsent: clients that are not first party need the person's consent to every
// scope they ask for, once; prompt=consent asks again.
func (h *Handler) needsConsent(ctx context.Context, ar storage.AuthRequest, userID string) (bool, error) {
	c, err := h.store.ClientByID(ctx, ar.ClientID)
	if err != nil {
		return false, err
	}
	if c.FirstParty {
		return false, nil
	}
	if hasPrompt(ar, "consent") {
		return true, nil
	}
	granted, err := h.store.ConsentedScopes(ctx, userID, ar.ClientID)
	if err != nil {
		return false, err
	}
	for _, s := range ar.Scopes {
		if !slices.Contains(granted, s) {
			return true, nil
		}
	}
	return false, nil
}

func (h *Handler) consentForm(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag) {
	page := consentPage{base: h.newBase(r, lang, "consent.title"), Action: flowURL(f.ID, "consent", ar.ID)}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	if u, err := h.accounts.UserByID(r.Context(), f.UserID); err == nil {
		page.User = firstOf(u.Login, u.Email, u.Phone)
	}
	// Each scope in words, never its key: the request holds only scopes Vhod
	// knows (directory.GrantedScopes), and every one has a text in every
	// catalogue (TestEveryScopeHasWords).
	for _, s := range ar.Scopes {
		page.Scopes = append(page.Scopes, page.T("scope."+s))
	}
	h.consentOrg(r.Context(), &page, ar, f.UserID)
	h.pages.Render(w, r, http.StatusOK, "consent", page)
}

// roleCatalogue is the organisation rules' role catalogue, when they have one:
// it names the roles in the page's language.
type roleCatalogue interface {
	Catalogue(ctx context.Context) ([]storage.Role, error)
}

// consentOrg names on the consent page the company the app asks about (the
// org scope: the session's company) and the person's roles in it, in words:
// Vhod's own roles by their messages, others by the catalogue's names. What
// cannot be read is left off; the scope's sentence still says what is shared.
func (h *Handler) consentOrg(ctx context.Context, page *consentPage, ar storage.AuthRequest, userID string) {
	if h.cfg.Orgs == nil || !wantsOrg(ar) {
		return
	}
	sess, err := h.currentSession(ctx)
	if err != nil || sess == nil || sess.OrgID == "" {
		return
	}
	active, err := h.cfg.Orgs.ActiveOrgs(ctx, userID)
	if err != nil {
		return
	}
	names := map[string]map[string]string{}
	if cat, ok := h.cfg.Orgs.(roleCatalogue); ok {
		if roles, err := cat.Catalogue(ctx); err == nil {
			for _, role := range roles {
				names[role.Key] = role.Name
			}
		}
	}
	for _, a := range active {
		if a.Org.ID != sess.OrgID {
			continue
		}
		page.Org = a.Org.Name
		for _, k := range a.Roles {
			page.Roles = append(page.Roles, page.RoleName(k, names[k]))
		}
	}
}

// consent takes the answer of the consent page.
func (h *Handler) consent(w http.ResponseWriter, r *http.Request) {
	action := r.PostFormValue("action")
	f, ar, lang, sess, ok := h.flowOfSession(w, r, flows.StateConsentRequired)
	if !ok {
		return
	}
	next := flows.StateDenied
	if action == "allow" {
		next = flows.StateDone
	}
	if uerr := h.move(r, &f, next); uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	if next == flows.StateDenied {
		h.log.InfoContext(r.Context(), "consent denied", "user", f.UserID, "client_id", ar.ClientID)
		h.audit(r, storage.AuditEvent{Type: directory.EventConsent, Outcome: directory.OutcomeFailure, UserID: f.UserID,
			ClientID: ar.ClientID, Details: map[string]string{"reason": "denied"}})
		h.cfg.Deny(w, r, ar.ID, "access_denied")
		return
	}
	if err := h.store.GrantConsent(r.Context(), f.UserID, ar.ClientID, ar.Scopes, h.now()); err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	h.log.InfoContext(r.Context(), "consent given", "user", f.UserID, "client_id", ar.ClientID, "scopes", ar.Scopes)
	h.audit(r, storage.AuditEvent{Type: directory.EventConsent, Outcome: directory.OutcomeSuccess, UserID: f.UserID,
		ClientID: ar.ClientID, Details: map[string]string{"scopes": strings.Join(ar.Scopes, " ")}})
	h.finish(w, r, lang, ar, *sess)
}

// flowOfSession loads the sign-in flow of a page that comes after the person
// is known (consent, company choice): it must be in state, and the browser's
// session must be the flow's person.
func (h *Handler) flowOfSession(w http.ResponseWriter, r *http.Request, state State) (flow, storage.AuthRequest, language.Tag, *storage.Session, bool) {
	f, ar, lang, replaced, uerr := h.loadFlow(r)
	if uerr == nil && (replaced || !f.In(state)) {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: fmt.Errorf("%s posted in state %s", state, f.State)}
	}
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return f, ar, lang, nil, false
	}
	sess, err := h.currentSession(r.Context())
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return f, ar, lang, nil, false
	}
	if sess == nil || sess.UserID != f.UserID {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("a step of the flow without its session")})
		return f, ar, lang, nil, false
	}
	return f, ar, lang, sess, true
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
