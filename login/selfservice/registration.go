package selfservice

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Consent kinds recorded at registration.
const (
	ConsentPersonalData = directory.ConsentPersonalData
	ConsentNews         = directory.ConsentNews
	ConsentTerms        = directory.ConsentTerms
)

// registrationStart is "Create an account" (GET /register?authRequestID=…).
func (h *Pages) registrationStart(w http.ResponseWriter, r *http.Request) {
	h.startSideFlow(w, r, flows.KindRegistration, "register", nil)
}

func (h *Pages) registrationFlow(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	return h.sideFlow(w, r, flows.KindRegistration)
}

func (h *Pages) renderRegistration(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, page registrationPage) {
	page.codeFormPage = h.codeForm(r, lang, "register.title", "register", f, ar)
	page.MinLength, page.PolicyURL, page.TermsURL = minLengthText(h.cfg.PasswordMinLength), h.cfg.PrivacyPolicyURL, h.cfg.TermsURL
	page.Phone, page.Email = h.cfg.SMS != nil, h.cfg.Email != nil
	h.pages.Render(w, r, status, "registration", page)
}

func (h *Pages) registrationShow(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.registrationFlow(w, r)
	if !ok {
		return
	}
	h.renderRegistration(w, r, http.StatusOK, f, ar, lang, registrationPage{})
}

// registrationSend checks the form and sends a code to the phone or email. When an
// account already has it, the code goes to its owner with a message that says so,
// and the page is the same as for a new one: registration never tells who is
// registered. Every refusal is shown at its field, all at once, and what was
// typed and ticked stays (the password only when it was not what was refused).
func (h *Pages) registrationSend(w http.ResponseWriter, r *http.Request) {
	typed := strings.TrimSpace(r.PostFormValue("identifier"))
	password, repeat := r.PostFormValue("password"), r.PostFormValue("repeat")
	consentPD, consentNews := r.PostFormValue("consent_pd") == "yes", r.PostFormValue("consent_news") == "yes"
	consentTerms := r.PostFormValue("consent_terms") == "yes"
	f, ar, lang, ok := h.registrationFlow(w, r)
	if !ok {
		return
	}
	t := h.kit.Translator(lang)
	form := registrationPage{Identifier: typed, PD: consentPD, News: consentNews, Terms: consentTerms, Fields: map[string]string{}}
	again := func(status int, key string, args ...string) {
		if key != "" {
			form.Error = t.T(key, args...)
		}
		if len(form.Fields) > 0 {
			form.Invalid = true
			if form.Error == "" {
				form.Error = t.T("forms.fix_fields")
			}
		}
		h.renderRegistration(w, r, status, f, ar, lang, form)
	}
	if !h.firstFormPasses(w, r, f, lang, func(key string) { again(http.StatusBadRequest, key) }) {
		return
	}
	key, err := directory.IdentifierKey(typed)
	kind, value, _ := strings.Cut(key, ":")
	phone := err == nil && kind == storage.IdentPhone && h.cfg.SMS != nil
	email := err == nil && kind == storage.IdentEmail && h.cfg.Email != nil
	if !phone && !email {
		form.Fields["identifier"] = t.T(identifierKey(h.cfg))
		value = typed
	}
	if !consentPD {
		form.Fields["consent_pd"] = t.T("register.consent_required")
	}
	if h.cfg.TermsURL != "" && !consentTerms {
		form.Fields["consent_terms"] = t.T("kit.terms_required")
	}
	// Checked against the typed identifier only: a check against a taken one's other
	// identifiers would answer differently and so tell that the account exists.
	if k := directory.PasswordRefusalKey(h.accounts.CheckNewPassword(password, value)); k != "" {
		form.Fields["password"] = t.T(k, "Min", minLengthText(h.cfg.PasswordMinLength))
	} else if password != repeat {
		form.Fields["repeat"] = t.T("pwchange.mismatch")
	} else {
		// A password that passed stays in the form (pages are no-store): the
		// person fixes only what was wrong.
		form.Password = password
	}
	if len(form.Fields) > 0 {
		again(http.StatusBadRequest, "")
		return
	}
	hash, err := h.accounts.NewPasswordHash(password, value)
	if k := directory.PasswordRefusalKey(err); k != "" {
		form.Fields["password"], form.Password = t.T(k, "Min", minLengthText(h.cfg.PasswordMinLength)), ""
		again(http.StatusBadRequest, "")
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	channel, limitedKey := notify.ChannelSMS, "phone.send_limited"
	if email {
		channel, limitedKey = notify.ChannelEmail, "email.send_limited"
	}
	// Counted before the identifier is looked up: the taken and the free are
	// sent a message each, and count the same.
	if r, err = web.CheckSend(r, h.cfg.SendLimits, channel, value); errors.Is(err, notify.ErrLimited) {
		again(http.StatusTooManyRequests, limitedKey)
		return
	} else if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	now := h.kit.Now().UTC()
	consents := []storage.UserConsent{{Kind: ConsentPersonalData, Version: h.cfg.ConsentVersion, At: now, IP: clientaddr.Of(r)}}
	if h.cfg.TermsURL != "" {
		consents = append(consents, storage.UserConsent{Kind: ConsentTerms, Version: h.cfg.ConsentVersion, At: now, IP: clientaddr.Of(r)})
	}
	if consentNews {
		consents = append(consents, storage.UserConsent{Kind: ConsentNews, Version: h.cfg.ConsentVersion, At: now, IP: clientaddr.Of(r)})
	}
	f.Pending = &storage.PendingAccount{PasswordHash: hash, Consents: consents}
	code, uerr := h.kit.IssueCode(r, &f, value, recoveryCodeLifetime)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	_, err = h.accounts.UserByLogin(r.Context(), value)
	exists := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	var sendErr error
	switch {
	case phone && exists:
		sendErr = h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: value, Text: t.T("register.exists_sms", "Code", code)})
	case phone:
		sendErr = h.cfg.SMS.SendSMS(r.Context(), notify.SMS{To: value, Text: t.T("register.sms_text", "Code", code)})
	case exists:
		sendErr = h.cfg.Email.SendEmail(r.Context(), notify.Email{To: value, Subject: t.T("register.exists_subject"), Text: t.T("register.exists_text", "Code", code)})
	default:
		sendErr = h.cfg.Email.SendEmail(r.Context(), notify.Email{To: value, Subject: t.T("register.email_subject"), Text: t.T("register.email_text", "Code", code)})
	}
	if sendErr != nil {
		h.kit.Logger().WarnContext(r.Context(), "registration message not delivered", "flow", f.ID, "err", sendErr)
	}
	h.renderRegistration(w, r, http.StatusOK, f, ar, lang, registrationPage{Notice: t.T("register.code_sent", "To", value)})
}

// registrationConfirm checks the code and makes the account, its phone or email
// verified, then signs the person in.
func (h *Pages) registrationConfirm(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.PostFormValue("code"))
	f, ar, lang, ok := h.registrationFlow(w, r)
	if !ok {
		return
	}
	t := h.kit.Translator(lang)
	if !f.In(flows.StateCodeSent) || f.Pending == nil {
		h.renderRegistration(w, r, http.StatusBadRequest, f, ar, lang, registrationPage{Error: t.T("error.bad_request")})
		return
	}
	refusal, uerr := h.kit.SpendCodeAttempt(r, &f, code)
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	wrong := func(key string) {
		h.renderRegistration(w, r, http.StatusBadRequest, f, ar, lang, registrationPage{Error: t.T(key)})
	}
	if refusal != "" {
		wrong(refusal)
		return
	}
	n := directory.NewUser{PasswordHash: f.Pending.PasswordHash, Consents: f.Pending.Consents, Locale: f.Locale}
	if strings.Contains(f.Recipient, "@") {
		n.Email, n.EmailVerified = f.Recipient, true
	} else {
		n.Phone, n.PhoneVerified = f.Recipient, true
	}
	via := map[bool]string{true: "email", false: "phone"}[n.Email != ""]
	user, err := h.accounts.CreateUser(r.Context(), n)
	if errors.Is(err, storage.ErrAlreadyExists) {
		// The identifier has an account and the code reached its owner: they meant
		// that account, so it takes the password they chose, as a recovery would.
		user, err = h.ownerConfirmed(r, f, via)
		if errors.Is(err, storage.ErrNotFound) {
			wrong("phone.wrong_code")
			return
		}
	} else if err == nil {
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventRegistration, Outcome: directory.OutcomeSuccess, UserID: user.ID,
			ClientID: ar.ClientID, Details: map[string]string{"via": via}})
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	for _, c := range f.Pending.Consents {
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventConsent, Outcome: directory.OutcomeSuccess, UserID: user.ID,
			ClientID: ar.ClientID, Details: map[string]string{"kind": c.Kind, "version": c.Version}})
	}
	f.Challenge, f.ChallengeExpiresAt, f.Pending = "", time.Time{}, nil
	sess, err := h.kit.StartSession(w, r, storage.Session{UserID: user.ID, AMR: []string{directory.AMRPassword, directory.AMROTP}, ACR: directory.ACRPassword, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	h.kit.SignedIn(w, r, f, ar, lang, sess, login.MethodPassword)
}

// ownerConfirmed gives the existing account of a confirmed identifier the password
// and consents of the sign-up, ending its other sessions and tokens. A disabled
// account is not found.
func (h *Pages) ownerConfirmed(r *http.Request, f login.Flow, via string) (storage.User, error) {
	u, err := h.accounts.UserByLogin(r.Context(), f.Recipient)
	if err == nil && u.Disabled {
		err = storage.ErrNotFound
	}
	if err == nil {
		if err := h.kit.SignInAllowed(r, u.ID); err != nil { // an operator's lock: no new password either
			return u, err
		}
	}
	if err != nil {
		return u, err
	}
	if err := h.accounts.ResetPasswordHash(r.Context(), u.ID, f.Pending.PasswordHash); err != nil {
		return u, err
	}
	p := storage.Profile{FamilyName: u.FamilyName, GivenName: u.GivenName, MiddleName: u.MiddleName, Consents: f.Pending.Consents}
	for _, c := range u.Consents {
		if !slices.ContainsFunc(p.Consents, func(n storage.UserConsent) bool { return n.Kind == c.Kind }) {
			p.Consents = append(p.Consents, c)
		}
	}
	if err := h.store.UpdateProfile(r.Context(), u.ID, p); err != nil {
		return u, err
	}
	return u, h.kit.EndOldAccess(r, u.ID, directory.EventPasswordReset, "registration:"+via)
}

// identifierKey is the refusal of an identifier that is neither of the ways
// this Vhod can send a code to.
func identifierKey(cfg Config) string {
	switch {
	case cfg.SMS != nil && cfg.Email == nil:
		return "forms.register.phone_only"
	case cfg.SMS == nil && cfg.Email != nil:
		return "forms.register.email_only"
	}
	return "recovery.invalid"
}
