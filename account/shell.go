package account

import (
	"net/http"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// shell is the frame of the account and company pages (web.Shell): the
// person's name in the header and the sections they may open, the current
// one marked by the page's path.
func (h *Handler) shell(r *http.Request, t web.Translator, u storage.User) *web.Shell {
	s := &web.Shell{Person: personName(u), Label: t.T("account.title")}
	p := r.URL.Path
	s.Link("/account#profile", t.T("account.profile"), p == "/account")
	if h.cfg.Factors != nil {
		s.Link("/account/security", t.T("security.title"), strings.HasPrefix(p, "/account/security"))
	}
	if h.companiesEnabled() {
		s.Link("/account/companies", t.T("account.companies"), strings.HasPrefix(p, "/account/companies"))
	}
	s.Link("/account#sessions", t.T("account.sessions"), false)
	moderator := slices.Contains(u.Authorities, storage.AuthorityModerator) || slices.Contains(u.Authorities, storage.AuthorityOperator)
	if h.companiesEnabled() && moderator {
		s.Link("/moderation", t.T("account.moderation"), false)
	}
	if h.cfg.ConsoleOn && moderator {
		s.Link("/console", t.T("console.title"), false)
	}
	return s
}

// personName is how the header names the person: family and given name when
// known, else the identifier they sign in with.
func personName(u storage.User) string {
	if n := strings.TrimSpace(u.FamilyName + " " + u.GivenName); n != "" {
		return n
	}
	return directory.Who(u)
}

// frame is the frame of the error, confirmation and missing pages
// (web.Framer): the person's when a session is signed in, else none (a card).
func (h *Handler) frame(r *http.Request, t web.Translator) *web.Shell {
	_, u, err := directory.SignedIn(r.Context(), h.store, h.people, h.cookies.SessionID(r.Context()), h.now())
	if err != nil {
		return nil
	}
	return h.shell(r, t, u)
}
