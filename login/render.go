package login

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory/captcha"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the templates that must exist; a missing one stops start-up.
// The layout and the error page are internal/web's.
var pageNames = []string{"org_choice", "password", "password_change", "consent", "form_post"}

// sharedTemplates are the templates the pages call: the captcha widget.
var sharedTemplates = []string{"templates/captcha.html"}

var templateFuncs = template.FuncMap{
	"list": func(s ...string) []string { return s },
	"has":  slices.Contains[[]string],
	"join": strings.Join,
}

// Base is what every login page has: web's, and a captcha on the forms that ask
// for one. The pages of login's method packages embed it too (Kit.Base).
type Base struct {
	web.Base
	// Captcha is set when the form asks for one.
	Captcha *captchaView
}

type base = Base

// captchaView is what the "captcha" template shows: the ALTCHA challenge, or a
// hosted service's widget.
type captchaView struct {
	Challenge string
	Widget    captcha.Widget
}

type passwordPage struct {
	base
	Action, Client, Login, Error string
	// Links lead to the other ways in, by name (certificate, contract, phone,
	// recovery, register, activate): each of login's method packages puts its
	// own (Pages.Links).
	Links map[string]string
	// Buttons are the outside identity providers (ButtonPages).
	Buttons []Button
	// Reauth: the person is signed in but must sign in again to change a way in.
	// Linking: a certificate waits to join the account signed in to.
	Reauth, Linking bool
	// Notice is a part's word on this flow (NoticePages).
	Notice string
}

type passwordChangePage struct {
	base
	Action, Client, Error string
}

type consentPage struct {
	base
	Action, Client, User string
	Scopes               []string
	// Org is the company the app will learn of (the org scope), with the
	// person's Roles in it by their names; empty when not asked or not known.
	Org   string
	Roles []string
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
	return base{Base: h.pages.Base(r, lang, titleKey)}
}

// ErrorPage renders an error for the provider's browser routes: reason (the
// provider's words for what happened: "unknown_client", "bad_redirect_uri")
// or else status decides the sentence; clientID, a registered client, gives
// the way back to it (else to the account); detail goes to the log only.
func (h *Handler) ErrorPage(w http.ResponseWriter, r *http.Request, status int, reason, clientID, detail string) {
	key := "error.bad_request"
	switch {
	case status == http.StatusServiceUnavailable:
		key = "error.unavailable"
	case status >= 500:
		key = "error.internal"
	case reason == "unknown_client" || reason == "bad_redirect_uri":
		key = "error." + reason
	}
	e := &web.UserError{Status: status, Key: key, Err: fmt.Errorf("%s", detail)}
	e.App, e.Home = h.appHome(r.Context(), clientID)
	h.pages.Fail(w, r, web.PickLanguage(r, nil), e)
}
