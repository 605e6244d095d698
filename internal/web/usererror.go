package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

// UserError is a failure shown to the person: Key is what they read
// (translated), Err is what the log gets, with the same error ID as the page.
// Home is where the page leads on: an application's address (App names it)
// when the handler knows a safe one, else the account.
type UserError struct {
	Status    int
	Key       string
	Err       error
	Home, App string
}

func (e *UserError) Error() string { return fmt.Sprintf("%s: %v", e.Key, e.Err) }

// Unavailable is the page a failure of a service becomes, read from what the
// error says of itself (so that web knows no storage): Temporary (a database
// that did not answer, storage.ErrUnavailable) is 503 "try again shortly";
// Conflict (someone else was first: storage.ErrConflict) 409 and Refused (a
// step the flow does not allow: flows.ErrRefused) 400, both "bad request";
// anything else 500.
func Unavailable(err error) *UserError {
	var (
		tmp interface{ Temporary() bool }
		cnf interface{ Conflict() bool }
		ref interface{ Refused() bool }
	)
	switch {
	case errors.As(err, &tmp) && tmp.Temporary():
		return &UserError{Status: http.StatusServiceUnavailable, Key: "error.unavailable", Err: err}
	case errors.As(err, &cnf) && cnf.Conflict():
		return &UserError{Status: http.StatusConflict, Key: "error.bad_request", Err: err}
	case errors.As(err, &ref) && ref.Refused():
		return &UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err}
	}
	return &UserError{Status: http.StatusInternalServerError, Key: "error.internal", Err: err}
}

// ErrorPage is the data of the error page: the sentence, the error ID, and
// Home, a page to go on from (none when empty): the application App names, or
// the account when App is empty.
type ErrorPage struct {
	Base
	Message, ID, Home, App string
}

// errorTitles are the titles of the failures that have one of their own: the
// pages a person meets on the way from or back to an app (issue 18 item 8),
// whose heading says what happened rather than "Something went wrong".
var errorTitles = map[string]string{
	"error.unknown_client":   "a18.title.unknown_client",
	"error.bad_redirect_uri": "a18.title.bad_redirect_uri",
	"error.unknown_request":  "a18.title.unknown_request",
	"logout.bad_redirect":    "a18.title.bad_logout_redirect",
}

// accountHome is where an error page leads when no application is known.
const accountHome = "/account"

// Fail renders the error page with a short ID that is also in the log line
// (a warning, an error from 500 on); the page never shows Err.
func (p *Renderer) Fail(w http.ResponseWriter, r *http.Request, lang language.Tag, e *UserError) {
	id := rand.Text()[:10]
	level := p.log.WarnContext
	if e.Status >= 500 {
		level = p.log.ErrorContext
	}
	level(r.Context(), "login error", "error_id", id, "status", e.Status, "key", e.Key, "err", e.Err, "path", r.URL.Path)
	title := "error.title"
	if t, ok := errorTitles[e.Key]; ok {
		title = t
	}
	page := ErrorPage{Base: p.Base(r, lang, title), ID: id, Home: e.Home, App: e.App}
	p.frame(r, &page.Base)
	if page.Home == "" {
		page.Home, page.App = accountHome, ""
	}
	page.Message = page.T(e.Key)
	p.Render(w, r, e.Status, errorPageName, page)
}
