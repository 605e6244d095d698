package login

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// AccountClientID is the built-in first-party client through which the account
// pages send a person without a session to sign in.
const AccountClientID = "vhod-account"

// accountSession returns the signed-in person, or sends the browser to sign in
// through the built-in client and returns false.
func (h *Handler) accountSession(w http.ResponseWriter, r *http.Request) (*storage.Session, storage.User, bool) {
	return h.accountSessionThen(w, r, "account")
}

// accountSessionThen is accountSession whose sign-in comes back by state (see
// accountCallback).
func (h *Handler) accountSessionThen(w http.ResponseWriter, r *http.Request, state string) (*storage.Session, storage.User, bool) {
	sess, err := h.currentSession(r.Context())
	if err == nil && sess != nil {
		u, uerr := h.accounts.UserByID(r.Context(), sess.UserID)
		if uerr == nil && u.AccountantOf != "" {
			h.pages.Fail(w, r, web.PickLanguage(r, nil), &web.UserError{Status: http.StatusForbidden, Key: "account.accountant", Err: errors.New("accountant session on the account pages")})
			return nil, u, false
		}
		if uerr == nil {
			return sess, u, true
		}
		err = uerr
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
		return nil, storage.User{}, false
	}
	q := url.Values{"client_id": {AccountClientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {h.cfg.Issuer + "/account/callback"}, "state": {state}}
	if l := r.URL.Query().Get("ui_locales"); l != "" {
		q.Set("ui_locales", l)
	}
	http.Redirect(w, r, "/authorize?"+q.Encode(), http.StatusSeeOther)
	return nil, storage.User{}, false
}

// accountCallback ends the sign-in of the account pages: the session cookie is what
// counts; the code is left to expire unused.
func (h *Handler) accountCallback(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if id, ok := strings.CutPrefix(state, reauthStatePrefix); ok && r.URL.Query().Get("code") != "" {
		h.reauthResume(w, r, id)
		return
	}
	if state == "certificate" && r.URL.Query().Get("code") != "" {
		http.Redirect(w, r, "/account?notice=certificate_added", http.StatusSeeOther)
		return
	}
	if strings.HasPrefix(state, deviceStatePrefix) && h.cfg.Devices != nil {
		http.Redirect(w, r, deviceReturn(state), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, sess *storage.Session, u storage.User, notice, errKey string, args ...string) {
	lang := web.PickLanguage(r, nil)
	if t, err := language.Parse(u.Locale); err == nil && u.Locale != "" && r.URL.Query().Get("ui_locales") == "" &&
		r.Header.Get("Accept-Language") == "" {
		lang = t
	}
	page := accountPage{base: h.newBase(r, lang, "account.title"), User: u, Who: firstOf(u.Login, u.Email, u.Phone, u.Contract)}
	page.News = slices.ContainsFunc(u.Consents, func(c storage.UserConsent) bool { return c.Kind == ConsentNews })
	if notice != "" {
		page.Notice = page.T(notice, args...)
	}
	page.Verify, _ = r.Context().Value(verifyFlowKey{}).(string)
	if errKey != "" {
		page.Error = page.T(errKey, "Min", minLengthText(h.cfg.PasswordMinLength))
	}
	page.Certificates, page.CertificatesOn = certificateViews(u), h.certificatesOn()
	page.CompaniesOn = h.cfg.Companies != nil && h.cfg.OrgStore != nil
	page.Moderator = slices.Contains(u.Authorities, storage.AuthorityModerator) || slices.Contains(u.Authorities, storage.AuthorityOperator)
	page.ConsoleOn = h.cfg.ConsoleOn && page.Moderator
	if list, err := h.store.ListUserSessions(r.Context(), u.ID); err == nil {
		for _, s := range list {
			page.Sessions = append(page.Sessions, sessionView{Since: s.CreatedAt.Format("2006-01-02 15:04 MST"), IP: s.IP,
				Agent: truncate(s.UserAgent, 60), Current: s.ID == sess.ID})
		}
	}
	h.pages.Render(w, r, status, "account", page)
}

// account shows the account pages (GET /account).
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	notice := ""
	if r.URL.Query().Get("notice") == "certificate_added" {
		notice = "account.certificate_added"
	}
	h.renderAccount(w, r, http.StatusOK, sess, u, notice, "")
}

// accountProfile saves names and the news consent.
func (h *Handler) accountProfile(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	p := storage.Profile{FamilyName: clean(r.PostFormValue("family_name")), GivenName: clean(r.PostFormValue("given_name")),
		MiddleName: clean(r.PostFormValue("middle_name"))}
	for _, c := range u.Consents {
		if c.Kind != ConsentNews {
			p.Consents = append(p.Consents, c)
		}
	}
	if r.PostFormValue("news") == "yes" {
		p.Consents = append(p.Consents, storage.UserConsent{Kind: ConsentNews, Version: h.cfg.ConsentVersion, At: h.now().UTC(), IP: clientIP(r)})
	}
	if err := h.store.UpdateProfile(r.Context(), u.ID, p); err != nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
		return
	}
	u.FamilyName, u.GivenName, u.MiddleName, u.Consents = p.FamilyName, p.GivenName, p.MiddleName, p.Consents
	h.audit(r, storage.AuditEvent{Type: "profile.change", Outcome: directory.OutcomeSuccess, UserID: u.ID})
	h.renderAccount(w, r, http.StatusOK, sess, u, "account.saved", "")
}

// accountPassword changes the password; every other session ends with it. A
// session signed in too long ago signs in again first (the typed passwords are
// not kept meanwhile: they are never stored).
func (h *Handler) accountPassword(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, reauthPassword, "", "") {
		return
	}
	next := r.PostFormValue("new")
	if next != r.PostFormValue("repeat") {
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", "pwchange.mismatch")
		return
	}
	err := h.accounts.ChangePassword(r.Context(), u.ID, r.PostFormValue("old"), next)
	if key := passwordChangeKey(err); key != "" {
		h.audit(r, storage.AuditEvent{Type: directory.EventPasswordChange, Outcome: directory.OutcomeFailure, UserID: u.ID,
			Details: map[string]string{"reason": key}})
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", key)
		return
	}
	if err == nil {
		err = h.endOtherSessions(r, u.ID, sess.ID)
	}
	if err != nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventPasswordChange, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"reason": "account page"}})
	h.tellOfChange(r, u, changePassword, h.currentContact(u))
	h.renderAccount(w, r, http.StatusOK, sess, u, "account.password_changed", "")
}

// accountSignOutOthers ends every session of the person but this one.
func (h *Handler) accountSignOutOthers(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if err := h.endOtherSessions(r, u.ID, sess.ID); err != nil {
		h.pages.Fail(w, r, web.PickLanguage(r, nil), unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventLogout, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"scope": "other sessions"}})
	h.renderAccount(w, r, http.StatusOK, sess, u, "account.others_ended", "")
}

// endOtherSessions deletes the person's other sessions and revokes their tokens.
func (h *Handler) endOtherSessions(r *http.Request, userID, keep string) error {
	list, err := h.store.ListUserSessions(r.Context(), userID)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.ID == keep {
			continue
		}
		if err := h.store.DeleteSession(r.Context(), s.ID); err != nil {
			return err
		}
		if h.cfg.RevokeSession != nil {
			if err := h.cfg.RevokeSession(r.Context(), s); err != nil {
				return err
			}
		}
	}
	return nil
}

// clean bounds and trims a name typed into the profile.
func clean(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 100 || !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s[:min(len(s), 100)], "")
	}
	return s
}
