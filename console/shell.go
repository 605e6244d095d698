package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// shell is the frame of the console and moderation pages (web.Shell): the
// person's name in the header and the sections they may open (an operator
// all; a moderator the queue; an org admin the home page with their
// companies), the current one marked by the page's path.
func (h *Handler) shell(r *http.Request, t web.Translator, u storage.User) *web.Shell {
	s := &web.Shell{Person: personName(u), Label: t.T("console.title")}
	p := r.URL.Path
	s.Link("/console", t.T("console.title"), p == "/console")
	operator := slices.Contains(u.Authorities, storage.AuthorityOperator)
	if operator {
		s.Link("/console/clients", t.T("console.clients"), strings.HasPrefix(p, "/console/clients"))
		s.Link("/console/users", t.T("console.users"), strings.HasPrefix(p, "/console/users"))
		s.Link("/console/organisations", t.T("console.orgs"), strings.HasPrefix(p, "/console/organisations"))
	}
	if operator || slices.Contains(u.Authorities, storage.AuthorityModerator) {
		s.Link("/moderation", t.T("console.moderation"), strings.HasPrefix(p, "/moderation"))
	}
	if operator {
		s.Link("/console/catalogues", t.T("console.catalogues"), strings.HasPrefix(p, "/console/catalogues"))
		s.Link("/console/keys", t.T("console.keys"), strings.HasPrefix(p, "/console/keys"))
		s.Link("/console/anchors", t.T("console.anchors"), strings.HasPrefix(p, "/console/anchors"))
		if h.cfg.IdentityProviders != nil {
			s.Link("/console/identity-providers", t.T("console.idp.title"), strings.HasPrefix(p, "/console/identity-providers"))
		}
		s.Link("/console/audit", t.T("console.audit"), strings.HasPrefix(p, "/console/audit"))
	}
	s.Link("/account", t.T("console.account"), false)
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

// base is the common data of a console page of u, in the wide layout.
func (h *Handler) base(r *http.Request, u storage.User, titleKey string) web.Base {
	b := h.pages.Base(r, lang(r, u), titleKey)
	b.Shell = h.shell(r, b.Translator, u)
	return b
}

// frame is the frame of the console's error and confirmation pages
// (web.Framer): the person's when a session is signed in, else none (a card).
func (h *Handler) frame(r *http.Request, t web.Translator) *web.Shell {
	_, u, err := directory.SignedIn(r.Context(), h.cfg.Store, h.cfg.Store, h.cfg.Cookies.SessionID(r.Context()), h.now())
	if err != nil {
		return nil
	}
	return h.shell(r, t, u)
}
