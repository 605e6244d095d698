package account

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// accountSession returns the signed-in person, or sends the browser to sign in
// through the built-in client and returns false.
func (h *Handler) accountSession(w http.ResponseWriter, r *http.Request) (*storage.Session, storage.User, bool) {
	sess, u, err := directory.SignedIn(r.Context(), h.store, h.people, h.cookies.SessionID(r.Context()), h.now())
	switch {
	case err == nil:
		return &sess, u, true
	case errors.Is(err, directory.ErrAccountant):
		h.fail(w, r, &web.UserError{Status: http.StatusForbidden, Key: "account.accountant", Err: err})
	case errors.Is(err, directory.ErrAccountBlocked):
		h.fail(w, r, &web.UserError{Status: http.StatusForbidden, Key: "login.account_blocked", Err: err})
	case errors.Is(err, storage.ErrNotFound):
		web.SignIn(w, r, h.cfg.Issuer, directory.AccountClientID, "account", nil)
	default:
		h.fail(w, r, web.Unavailable(err))
	}
	return nil, u, false
}

// deviceStatePrefix is the state of the device page's sign-in (login's), which
// comes back to that page with the code the person brought.
const deviceStatePrefix = "device:"

// accountCallback ends the sign-in of the account pages: the session cookie is what
// counts; the code is left to expire unused.
func (h *Handler) accountCallback(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if id, ok := strings.CutPrefix(state, directory.ReauthStatePrefix); ok && r.URL.Query().Get("code") != "" {
		h.reauthResume(w, r, id)
		return
	}
	if state == "certificate" && r.URL.Query().Get("code") != "" {
		http.Redirect(w, r, "/account?notice=certificate_added", http.StatusSeeOther)
		return
	}
	if code, ok := strings.CutPrefix(state, deviceStatePrefix); ok && h.cfg.DevicePage {
		http.Redirect(w, r, "/device?"+url.Values{"user_code": {storage.NormalizeUserCode(code)}}.Encode(), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// certificatesOn: certificates are offered while some CA is trusted (anchors
// may come and go through the admin API).
func (h *Handler) certificatesOn() bool {
	return h.cfg.Verifier != nil && h.cfg.Verifier.HasAnchors()
}

// tellOfChange tells the owner that a way into the account changed, at c
// (directory.ChangeNotices).
func (h *Handler) tellOfChange(r *http.Request, u storage.User, change string, c directory.Contact) {
	h.cfg.Notices.Tell(r.Context(), h.actor(r, u.ID), u, change, c)
}

type accountPage struct {
	base
	User storage.User
	// Verify is the verification flow waiting for its code, if any.
	Verify        string
	Who           string
	News          bool
	Notice, Error string
	// Section is where Notice or Error belongs (profile, contacts, password,
	// certificates, sessions): shown there, and the forms post to #section so
	// the answer opens scrolled to it.
	Section string
	// HasPassword: without one (an account made from a certificate) the
	// password form sets a first one, with no old password asked.
	HasPassword  bool
	MinLength    string
	Sessions     []sessionView
	Certificates []certificateView
	// Links are the outside providers linked to the account.
	Links []linkView
	// CertificatesOn shows the certificate section (certificate sign-in is on).
	CertificatesOn bool
	// CompaniesOn links the company pages; Moderator the moderation queue;
	// ConsoleOn the console.
	CompaniesOn, Moderator, ConsoleOn bool
	// SecurityOn links the "Sign-in and security" section (second factors).
	SecurityOn bool
}

// sessionView is a session as the account page lists it; the page writes
// the time in the person's zone and the user agent in words.
type sessionView struct {
	Since     time.Time
	IP, Agent string
	Current   bool
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, sess *storage.Session, u storage.User, notice, errKey string, args ...string) {
	page := accountPage{base: h.newBase(r, u, accountLang(r, u), "account.title"), User: u, Who: directory.Who(u)}
	page.News = slices.ContainsFunc(u.Consents, func(c storage.UserConsent) bool { return c.Kind == directory.ConsentNews })
	if notice != "" {
		page.Notice = page.T(notice, args...)
	}
	page.Verify, _ = r.Context().Value(verifyFlowKey{}).(string)
	if errKey != "" {
		page.Error = page.T(errKey, "Min", minLengthText(h.cfg.PasswordMinLength))
	}
	page.Certificates, page.CertificatesOn = certificateViews(u), h.certificatesOn()
	page.Links = h.linkViews(r.Context(), u, accountLang(r, u).String())
	page.Section, page.HasPassword = sectionOf(r.URL.Path, notice+errKey), u.PasswordHash != ""
	page.MinLength = minLengthText(h.cfg.PasswordMinLength)
	page.CompaniesOn = h.companiesEnabled()
	page.Moderator = slices.Contains(u.Authorities, storage.AuthorityModerator) || slices.Contains(u.Authorities, storage.AuthorityOperator)
	page.ConsoleOn = h.cfg.ConsoleOn && page.Moderator
	page.SecurityOn = h.cfg.Factors != nil
	if list, err := h.store.ListUserSessions(r.Context(), u.ID); err == nil {
		for _, s := range list {
			page.Sessions = append(page.Sessions, sessionView{Since: s.CreatedAt, IP: s.IP,
				Agent: s.UserAgent, Current: s.ID == sess.ID})
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
		if c.Kind != directory.ConsentNews {
			p.Consents = append(p.Consents, c)
		}
	}
	if r.PostFormValue("news") == "yes" {
		p.Consents = append(p.Consents, storage.UserConsent{Kind: directory.ConsentNews, Version: h.cfg.ConsentVersion, At: h.now().UTC(), IP: clientaddr.Of(r)})
	}
	if err := h.store.UpdateProfile(r.Context(), u.ID, p); err != nil {
		h.fail(w, r, web.Unavailable(err))
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
	if !h.freshOrReauth(w, r, sess, u, flows.ReauthPassword, "", "") {
		return
	}
	next := r.PostFormValue("new")
	if next != r.PostFormValue("repeat") {
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", "pwchange.mismatch")
		return
	}
	// An account made from a certificate has no password to type as the old one:
	// its first is set with the fresh sign-in alone.
	first := u.PasswordHash == ""
	var err error
	if first {
		err = h.people.SetFirstPassword(r.Context(), u.ID, next)
	} else {
		err = h.changePassword(r, u.ID, r.PostFormValue("old"), next)
	}
	if errors.Is(err, errOldPasswordTries) {
		h.audit(r, storage.AuditEvent{Type: directory.EventPasswordChange, Outcome: directory.OutcomeFailure, UserID: u.ID,
			Details: map[string]string{"reason": "too_many_wrong_old_passwords"}})
		h.renderAccount(w, r, http.StatusTooManyRequests, sess, u, "", "pwchange.too_many")
		return
	}
	if errors.Is(err, directory.ErrPasswordExists) {
		h.renderAccount(w, r, http.StatusConflict, sess, u, "", "forms.account.password_exists")
		return
	}
	if key := directory.PasswordRefusalKey(err); key != "" {
		h.audit(r, storage.AuditEvent{Type: directory.EventPasswordChange, Outcome: directory.OutcomeFailure, UserID: u.ID,
			Details: map[string]string{"reason": key}})
		h.renderAccount(w, r, http.StatusBadRequest, sess, u, "", key)
		return
	}
	if err == nil {
		err = h.endOtherSessions(r, u.ID, sess.ID)
	}
	if err != nil {
		h.fail(w, r, web.Unavailable(err))
		return
	}
	reason, done := "account page", "account.password_changed"
	if first {
		reason, done = "first password", "forms.account.password_set"
		if now, err := h.people.UserByID(r.Context(), u.ID); err == nil {
			u = now // the page now offers the change form
		}
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventPasswordChange, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"reason": reason}})
	h.tellOfChange(r, u, directory.ChangePassword, h.cfg.Notices.Contact(u))
	h.renderAccount(w, r, http.StatusOK, sess, u, done, "")
}

// accountSignOutOthers ends every session of the person but this one.
func (h *Handler) accountSignOutOthers(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	if !h.pages.Confirmed(w, r, accountLang(r, u), web.Confirmation{Key: "confirm.sign_out_others", Cancel: "/account"}) {
		return
	}
	if err := h.endOtherSessions(r, u.ID, sess.ID); err != nil {
		h.fail(w, r, web.Unavailable(err))
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

// sectionOf is the section of the account page an answer belongs to: the
// form's (by its address), or the message's for answers after a new sign-in.
func sectionOf(path, key string) string {
	for _, s := range []struct{ prefix, section string }{
		{"/account/profile", "profile"}, {"/account/identifier", "contacts"}, {"/account/password", "password"},
		{"/account/certificate", "certificates"}, {"/account/sessions", "sessions"},
	} {
		if strings.HasPrefix(path, s.prefix) {
			return s.section
		}
	}
	switch {
	case strings.HasPrefix(key, "account.reauth_password"):
		return "password"
	case strings.HasPrefix(key, "account.certificate"):
		return "certificates"
	case strings.HasPrefix(key, "account.changed"), strings.HasPrefix(key, "account.verify"):
		return "contacts"
	}
	return ""
}
