package selfservice

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory/captcha"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Side flows (recovery, registration, activation) leave the sign-in page of an
// authorization request for pages of their own under a path prefix, and return to
// that sign-in when done.

// startSideFlow makes a flow of kind for the request in the query and sends the
// browser to its page under prefix. off, when not nil, says why the flow is
// switched off by configuration.
func (h *Pages) startSideFlow(w http.ResponseWriter, r *http.Request, kind flows.Kind, prefix string, off error) {
	ar, lang, uerr := h.kit.AuthRequest(r, r.URL.Query().Get("authRequestID"))
	if uerr == nil && off != nil {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: off}
	}
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	f, err := h.kit.NewFlow(r, ar, lang, kind, flows.StateStarted, "")
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	http.Redirect(w, r, sideFlowURL(prefix, f.ID, "", ar.ID), http.StatusSeeOther)
}

// sideFlowURL is a step's address of a side flow: /prefix/FLOW[/step]?authRequestID=….
func sideFlowURL(prefix, flowID, step, authRequestID string) string {
	return strings.Replace(login.FlowURL(flowID, step, authRequestID), "/login/", "/"+prefix+"/", 1)
}

// sideFlow loads this browser's flow of kind; a replaced or expired one gets the
// error page, and ok is false.
func (h *Pages) sideFlow(w http.ResponseWriter, r *http.Request, kind flows.Kind) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, replaced, uerr := h.kit.LoadFlow(r, kind)
	if uerr == nil && replaced {
		uerr = &web.UserError{Status: http.StatusBadRequest, Key: "login.flow_expired", Err: errors.New(string(kind) + " flow expired")}
	}
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// codeForm fills the parts of a code-form page that come from its flow; the captcha
// guards the first form only.
func (h *Pages) codeForm(r *http.Request, lang language.Tag, titleKey, prefix string, f login.Flow, ar storage.AuthRequest) codeFormPage {
	p := codeFormPage{Base: h.kit.Base(r, lang, titleKey), State: flows.State(f.State),
		Action:        sideFlowURL(prefix, f.ID, "send", ar.ID),
		ConfirmAction: sideFlowURL(prefix, f.ID, "confirm", ar.ID),
		SignInLink:    "/login?authRequestID=" + url.QueryEscape(ar.ID)}
	if f.In(flows.StateStarted) {
		h.kit.WithCaptcha(r, &p.Base)
	}
	return p
}

// firstFormPasses checks that the flow waits for its first form and that the
// captcha guarding it was answered. If not, it has answered through refuse (with a
// message key) or the error page, and returns false.
func (h *Pages) firstFormPasses(w http.ResponseWriter, r *http.Request, f login.Flow, lang language.Tag, refuse func(key string)) bool {
	if !f.In(flows.StateStarted) {
		refuse("error.bad_request")
		return false
	}
	switch err := h.kit.CheckCaptcha(r); {
	case errors.Is(err, captcha.ErrFailed):
		refuse("captcha.required")
		return false
	case err != nil:
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return false
	}
	return true
}
