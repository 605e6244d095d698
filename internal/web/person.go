package web

import (
	"context"
	"net/http"
	"net/url"

	"golang.org/x/text/language"
)

// PersonLanguage is the language of a signed-in person's own pages: the one
// the request asks for (ui_locales, Accept-Language), else the person's stored
// locale, else the default.
func PersonLanguage(r *http.Request, locale string) language.Tag {
	lang := PickLanguage(r, nil)
	if t, err := language.Parse(locale); err == nil && locale != "" && r.URL.Query().Get("ui_locales") == "" &&
		r.Header.Get("Accept-Language") == "" {
		lang = t
	}
	return lang
}

// SignIn sends the browser to sign in through Vhod's own client clientID,
// to come back to issuer/account/callback with state; extra adds to the
// request (prompt, acr_values, login_hint). The page's ui_locales go along.
func SignIn(w http.ResponseWriter, r *http.Request, issuer, clientID, state string, extra url.Values) {
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {issuer + "/account/callback"}, "state": {state}}
	for k, v := range extra {
		q[k] = v
	}
	if l := r.URL.Query().Get("ui_locales"); l != "" {
		q.Set("ui_locales", l)
	}
	http.Redirect(w, r, "/authorize?"+q.Encode(), http.StatusSeeOther)
}

// SendLimits count a message before it is sent (notify.Limits.Check).
type SendLimits interface {
	Check(ctx context.Context, channel, to string) (context.Context, error)
}

// CheckSend counts a message to to on channel against limits (nil: none)
// before it is sent, for pages whose answer must not wait for the send; the
// request returned carries the mark that the message was counted.
func CheckSend(r *http.Request, limits SendLimits, channel, to string) (*http.Request, error) {
	if limits == nil {
		return r, nil
	}
	ctx, err := limits.Check(r.Context(), channel, to)
	if err != nil {
		return r, err
	}
	return r.WithContext(ctx), nil
}
