package account

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// The outside identity providers linked to the account (Госуслуги, Яндекс ID,
// …): listed on the account page, unlinked after a confirmation and from a
// fresh sign-in, as a certificate is; never the last way in (directory's rule).

// linker is what the section needs of directory.
type linker interface {
	UnlinkIdentity(ctx context.Context, userID, provider, subject string) error
}

// linkView is a linked identity as the account page lists it.
type linkView struct {
	Provider, Label, Key string
	Since                time.Time
}

func (h *Handler) linkViews(ctx context.Context, u storage.User, lang string) []linkView {
	var out []linkView
	for _, l := range u.Links {
		out = append(out, linkView{Provider: h.providerName(ctx, l.Provider, lang), Label: l.Label,
			Key: linkKey(l.Provider, l.Subject), Since: l.LinkedAt})
	}
	return out
}

// providerName is the provider's label in lang (its ID when it is no longer
// configured: the link still shows, and can go).
func (h *Handler) providerName(ctx context.Context, id, lang string) string {
	if h.cfg.ProviderName != nil {
		if name := h.cfg.ProviderName(ctx, id, lang); name != "" {
			return name
		}
	}
	return id
}

// linkKey names a link in a form and in a waiting re-authentication: a
// provider's ID has no colon, its subject may.
func linkKey(provider, subject string) string { return provider + ":" + subject }

func splitLinkKey(key string) (provider, subject string, ok bool) {
	provider, subject, ok = strings.Cut(key, ":")
	return provider, subject, ok && provider != "" && subject != ""
}

// accountLinkRemove unlinks a provider (POST /account/provider/remove), after
// a confirmation page and, from a session signed in too long ago, a new sign-in.
func (h *Handler) accountLinkRemove(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	key := directory.TruncateUTF8(r.PostFormValue("link"), 512)
	lang := accountLang(r, u)
	name := key
	if p, _, ok := splitLinkKey(key); ok {
		name = web.NBSP(h.providerName(r.Context(), p, lang.String()))
	}
	if !h.pages.Confirmed(w, r, lang, web.Confirmation{Key: "confirm.provider_unlink", Args: []string{"Provider", name},
		Cancel: "/account"}) {
		return
	}
	if !h.freshOrReauth(w, r, sess, u, flows.ReauthProviderUnlink, key, "") {
		return
	}
	h.removeLink(w, r, sess, u, key)
}

// removeLink unlinks the provider's identity key names and tells the owner.
func (h *Handler) removeLink(w http.ResponseWriter, r *http.Request, sess *storage.Session, u storage.User, key string) {
	provider, subject, ok := splitLinkKey(key)
	if !ok || h.cfg.Links == nil {
		h.renderAccount(w, r, http.StatusNotFound, sess, u, "", "error.not_found")
		return
	}
	err := h.cfg.Links.UnlinkIdentity(r.Context(), u.ID, provider, subject)
	switch {
	case errors.Is(err, directory.ErrLastCredential):
		h.renderAccount(w, r, http.StatusConflict, sess, u, "", "account.provider_last")
		return
	case errors.Is(err, storage.ErrNotFound):
		h.renderAccount(w, r, http.StatusNotFound, sess, u, "", "error.not_found")
		return
	case err != nil:
		h.fail(w, r, web.Unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventIdentityUnlinked, Outcome: directory.OutcomeSuccess, UserID: u.ID,
		Details: map[string]string{"provider": provider}})
	if now, err := h.people.UserByID(r.Context(), u.ID); err == nil {
		u = now
	}
	h.tellOfChange(r, u, directory.ChangeProviderUnlinked, h.cfg.Notices.Contact(u))
	h.renderAccount(w, r, http.StatusOK, sess, u, "account.provider_removed", "", "Provider", web.NBSP(h.providerName(r.Context(), provider, accountLang(r, u).String())))
}

// providerOffers are the companies the linked providers (Госуслуги) list for
// the person, offered as a certificate's are: to join when the company is
// here, to register (prefilled from the registry) when the provider says the
// person heads it; none the person is in or already offered.
func (h *Handler) providerOffers(r *http.Request, u storage.User, in []companyView, offered []certificateOffer) []certificateOffer {
	var out []certificateOffer
	for _, l := range u.Links {
		for _, o := range l.Orgs {
			if o.INN == "" || slices.ContainsFunc(in, func(v companyView) bool { return v.INN == o.INN }) ||
				slices.ContainsFunc(offered, func(c certificateOffer) bool { return c.INN == o.INN }) ||
				slices.ContainsFunc(out, func(c certificateOffer) bool { return c.INN == o.INN }) {
				continue
			}
			here, err := h.cfg.OrgStore.OrganisationsByINN(r.Context(), o.INN)
			if err != nil {
				continue
			}
			join := slices.ContainsFunc(here, func(x storage.Organisation) bool { return x.Status == storage.OrgActive })
			if join || o.Chief && len(here) == 0 {
				out = append(out, certificateOffer{INN: o.INN, OGRN: o.OGRN, Name: o.Name, Join: join,
					Provider: h.providerName(r.Context(), l.Provider, accountLang(r, u).String())})
			}
		}
	}
	return out
}
