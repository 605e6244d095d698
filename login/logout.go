package login

import (
	"net/http"
	"net/url"
	"strings"
)

// SignedOutApp is a relying party a person was signed out of: its name and the
// front-channel logout URL to frame ("" when it has none).
type SignedOutApp struct{ Name, Frontchannel string }

// loggedOut is the end-session page (GET /logged-out). With the sealed state the
// provider made at logout (?t=) it lists the apps signed out, frames their
// front-channel logout URLs (Front-Channel Logout 1.0, section 3) and then
// continues to the relying party that asked, if any (static/logout.js).
func (h *Handler) loggedOut(w http.ResponseWriter, r *http.Request) {
	page := loggedOutPage{base: h.newBase(r, pickLanguage(r, nil), "logout.title")}
	if t := r.URL.Query().Get("t"); t != "" && h.cfg.SignedOut != nil {
		if apps, next, ok := h.cfg.SignedOut(t); ok {
			page.Apps, page.Continue = apps, next
		}
	}
	if frames := frameOrigins(page.Apps); frames != "" {
		csp := w.Header().Get("Content-Security-Policy")
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "frame-src 'none'", "frame-src "+frames, 1))
	}
	h.render(w, r, http.StatusOK, "logged_out", page)
}

// frameOrigins are the origins the page's CSP must allow to be framed.
func frameOrigins(apps []SignedOutApp) string {
	var out []string
	for _, a := range apps {
		if u, err := url.Parse(a.Frontchannel); err == nil && a.Frontchannel != "" && (u.Scheme == "https" || u.Scheme == "http") {
			out = append(out, u.Scheme+"://"+u.Host)
		}
	}
	return strings.Join(out, " ")
}
