package login

import (
	"context"
	"net/http"
	"slices"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// ScopeOrg asks for the organisation the person acts for.
const ScopeOrg = directory.ScopeOrg

// orgRules is what the login pages need of the organisation rules.
type orgRules interface {
	ActiveOrgs(ctx context.Context, userID string) ([]orgs.Active, error)
}

func wantsOrg(ar storage.AuthRequest) bool { return slices.Contains(ar.Scopes, ScopeOrg) }

// settleOrg decides the company of a sign-in that asks for the org scope and
// records it in the session; page is true when the person must choose (several
// companies and nothing to tell which, or prompt=select_account).
func (h *Handler) settleOrg(ctx context.Context, ar storage.AuthRequest, sess *storage.Session) (page bool, err error) {
	if h.cfg.Orgs == nil || !wantsOrg(ar) {
		return false, nil
	}
	active, blocked, err := h.orgsOf(ctx, sess.UserID)
	if err != nil || len(blocked) > 0 && (len(active) == 0 || sess.OrgID == "" && ar.OrgHint == "") { // the page says why one is not offered
		return err == nil, err
	}
	chosen, page := orgs.Pick(active, ar.OrgHint, sess.OrgID, hasPrompt(ar, "select_account"))
	if i := slices.IndexFunc(active, func(a orgs.Active) bool { return a.Org.ID == chosen }); !page && i >= 0 && h.gate != nil {
		if met, err := h.gate.Meets(ctx, *sess, active[i].Org); err != nil || !met {
			return err == nil, err // the choice steps the session up first
		}
	}
	if page || chosen == sess.OrgID {
		return page, nil
	}
	if err := h.store.SetSessionOrg(ctx, sess.ID, chosen); err != nil {
		return false, err
	}
	sess.OrgID = chosen
	return false, nil
}

// orgsOf: the companies offered, and those whose policy needs enrolment first.
func (h *Handler) orgsOf(ctx context.Context, userID string) (offered, blocked []orgs.Active, err error) {
	active, err := h.cfg.Orgs.ActiveOrgs(ctx, userID)
	if err != nil || h.gate == nil {
		return active, nil, err
	}
	return h.gate.Offer(ctx, userID, active)
}

type orgChoicePage struct {
	base
	Action, Client, Error string
	Orgs                  []orgOption
}

type orgOption struct {
	ID, Name, INN, KPP string
	Checked, Blocked   bool
}

// orgChoiceForm lists the person's companies (button "Continue").
func (h *Handler) orgChoiceForm(w http.ResponseWriter, r *http.Request, status int, f flow, ar storage.AuthRequest, lang language.Tag, errKey string) {
	active, blocked, err := h.orgsOf(r.Context(), f.UserID)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	current := ""
	if sess, err := h.currentSession(r.Context()); err == nil && sess != nil {
		current = sess.OrgID
	}
	page := orgChoicePage{base: h.newBase(r, lang, "org.title"), Action: flowURL(f.ID, "org", ar.ID)}
	for i, a := range append(active, blocked...) { // blocked ones are shown greyed
		page.Orgs = append(page.Orgs, orgOption{ID: a.Org.ID, Name: a.Org.Name, INN: a.Org.INN, KPP: a.Org.KPP,
			Checked: i < len(active) && (a.Org.ID == current || (current == "" && i == 0)), Blocked: i >= len(active)})
	}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	if errKey != "" {
		page.Error = page.T(errKey)
	}
	h.pages.Render(w, r, status, "org_choice", page)
}

// orgChoice takes the chosen company (POST /login/{flow}/org); the choice
// belongs to the browser session.
func (h *Handler) orgChoice(w http.ResponseWriter, r *http.Request) {
	chosen := r.PostFormValue("org")
	f, ar, lang, sess, ok := h.flowOfSession(w, r, flows.StateOrgChoice)
	if !ok {
		return
	}
	active, blocked, err := h.orgsOf(r.Context(), sess.UserID)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if none := chosen == "" && len(active) == 0 && len(blocked) > 0; !none && !slices.ContainsFunc(active, func(a orgs.Active) bool { return a.Org.ID == chosen }) {
		h.orgChoiceForm(w, r, http.StatusBadRequest, f, ar, lang, "org.choose")
		return
	}
	if h.gate != nil && h.gate.Hold(w, r, f, ar, lang, *sess, chosen) { // "" (none offered): no company
		return
	}
	if err := h.store.SetSessionOrg(r.Context(), sess.ID, chosen); err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	sess.OrgID = chosen
	h.afterOrg(w, r, f, ar, lang, *sess)
}
