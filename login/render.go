package login

import (
	"bytes"
	"crypto/rand"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/gorilla/csrf"

	"github.com/vhod-id/vhod/directory/captcha"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the templates that must exist; a missing one stops start-up.
var pageNames = []string{"certificate", "certificate_confirm", "org_choice", "companies", "company_join", "company_register",
	"company_members", "company_systems", "device", "moderation", "contract", "console", "password", "phone", "password_change", "recovery", "registration", "activation", "account", "consent", "error", "logged_out", "form_post", "logout_confirm", "logout_stayed"}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// formField is one labelled input of a long form, with its error.
type formField struct{ Name, Label, Value, Err string }

var templateFuncs = template.FuncMap{
	"field":  func(name, label, value, err string) formField { return formField{name, label, value, err} },
	"list":   func(s ...string) []string { return s },
	"locked": lockedNow,
	"has":    slices.Contains[[]string],
}

// base is what every page has.
type base struct {
	web.Translator
	Title string
	CSRF  template.HTML
	// Captcha is set when the form asks for one.
	Captcha *captchaView
}

// captchaView is what the "captcha" template shows: the ALTCHA challenge, or a
// hosted service's widget.
type captchaView struct {
	Challenge string
	Widget    captcha.Widget
}

type passwordPage struct {
	base
	Action, Client, Login, Error string
	// PhoneLink is set when sign-in by SMS code is on, CertificateLink when
	// sign-in with a certificate is.
	PhoneLink, CertificateLink string
	// ContractLink is the accountant sign-in ("By contract").
	ContractLink string
	// RecoveryLink leads to "Forgot password?", RegisterLink to the sign-up,
	// ActivateLink to the activation of an operator-issued account.
	RecoveryLink, RegisterLink, ActivateLink string
	// Reauth: the person is signed in but must sign in again to change a way in.
	Reauth bool
}

type phonePage struct {
	base
	SendAction, VerifyAction, PasswordLink string
	Client, Phone, Notice, Error           string
	CodeSent                               bool
}

type passwordChangePage struct {
	base
	Action, Client, Error string
}

type recoveryPage struct {
	base
	Action, ResetAction, SignInLink string
	Identifier, Notice, Error       string
	Code                            string
	State                           State
}

// codeFormPage is a side flow's page with a form that sends a code and one that
// confirms it (registration, activation).
type codeFormPage struct {
	base
	Action, ConfirmAction, SignInLink string
	State                             State
}

type registrationPage struct {
	codeFormPage
	Identifier, Notice, Error string
	News                      bool
}

type accountPage struct {
	base
	User storage.User
	// Verify is the verification flow waiting for its code, if any.
	Verify        string
	Who           string
	News          bool
	Notice, Error string
	Sessions      []sessionView
	Certificates  []certificateView
	// CertificatesOn shows the certificate section (certificate sign-in is on).
	CertificatesOn bool
	// CompaniesOn links the company pages; Moderator the moderation queue;
	// ConsoleOn the console.
	CompaniesOn, Moderator, ConsoleOn bool
}

type sessionView struct {
	Since, IP, Agent string
	Current          bool
}

type activationPage struct {
	codeFormPage
	Contract, Email, Notice, Error string
}

type consentPage struct {
	base
	Action, Client, User string
	Scopes               []string
}

type errorPage struct {
	base
	Message, ID string
}

type loggedOutPage struct {
	base
	Apps     []SignedOutApp
	Continue string
}

// withCaptcha puts a fresh captcha on the page (logged and left out on failure).
func (h *Handler) withCaptcha(r *http.Request, b *base) {
	if h.cfg.Captcha == nil {
		return
	}
	v := &captchaView{Widget: h.cfg.Captcha.Widget()}
	if !v.Widget.Hosted {
		var err error
		if v.Challenge, err = h.cfg.Captcha.Challenge(r.Context()); err != nil {
			h.log.WarnContext(r.Context(), "captcha challenge", "err", err)
			return
		}
	}
	b.Captcha = v
}

// captchaAnswer is the form's answer to the captcha.
func (h *Handler) captchaAnswer(r *http.Request) string {
	return r.PostFormValue(h.cfg.Captcha.Widget().Field)
}

// newBase prepares the common page data.
func (h *Handler) newBase(r *http.Request, lang language.Tag, titleKey string) base {
	t := h.catalog.Translator(lang)
	return base{Translator: t, Title: t.T(titleKey), CSRF: csrf.TemplateField(r)}
}

// render writes a page; a template failure is logged and becomes a bare 500.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// userError is a failure shown to the person: Key is what they read (translated),
// Err is what the log gets, with the same error ID as the page.
type userError struct {
	Status int
	Key    string
	Err    error
}

func (e *userError) Error() string { return fmt.Sprintf("%s: %v", e.Key, e.Err) }

// fail renders an error page with a short ID that is also in the log line.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, lang language.Tag, e *userError) {
	id := rand.Text()[:10]
	level := h.log.WarnContext
	if e.Status >= 500 {
		level = h.log.ErrorContext
	}
	level(r.Context(), "login error", "error_id", id, "status", e.Status, "key", e.Key, "err", e.Err, "path", r.URL.Path)
	page := errorPage{base: h.newBase(r, lang, "error.title"), ID: id}
	page.Message = page.T(e.Key)
	h.render(w, r, e.Status, "error", page)
}

// ErrorPage renders an error for the provider's browser routes: status decides the
// sentence, detail goes to the log only.
func (h *Handler) ErrorPage(w http.ResponseWriter, r *http.Request, status int, detail string) {
	key := "error.bad_request"
	switch {
	case status == http.StatusServiceUnavailable:
		key = "error.unavailable"
	case status >= 500:
		key = "error.internal"
	}
	h.fail(w, r, web.PickLanguage(r, nil), &userError{Status: status, Key: key, Err: fmt.Errorf("%s", detail)})
}
