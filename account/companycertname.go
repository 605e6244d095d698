package account

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vhod-id/vhod/storage"
)

// offersByName: an employee's certificate often names the company (O) without
// its INN and OGRN — a person's certificate, as issued to employees since
// 2022, or a CA that leaves them out. An active company here of exactly that
// name (or full name) is offered to join, with its INN filled in: a join
// request is decided by the company's admin, so a name is enough to offer one,
// never to register a company (that takes the INN from the certificate).
func (h *Handler) offersByName(r *http.Request, c storage.BoundCertificate, mine []companyView, offered []certificateOffer) []certificateOffer {
	name := dnValue(c.Subject, "O")
	if name == c.Subject || strings.TrimSpace(name) == "" {
		return nil
	}
	// The store matches a part of the name as typed; spaces in stored names
	// may be non-breaking or doubled, so it is asked for the longest word
	// and sameName decides (one page of matches: a word shared by more than
	// MaxPage companies may miss the offer, which only saves typing the INN).
	word := ""
	for _, w := range strings.Fields(name) {
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(word) {
			word = w
		}
	}
	list, _, err := h.cfg.OrgStore.ListOrganisations(r.Context(), storage.OrgQuery{Status: storage.OrgActive, Text: word, Limit: storage.MaxPage})
	if err != nil {
		// Only an offer: the page stands without it.
		h.log.WarnContext(r.Context(), "companies named by a certificate not looked up", "err", err)
		return nil
	}
	var out []certificateOffer
	for _, o := range list {
		if !sameName(o.Name, name) && !sameName(o.FullName, name) {
			continue
		}
		taken := func(inn string) bool { return inn == o.INN }
		if slices.ContainsFunc(mine, func(v companyView) bool { return taken(v.INN) }) ||
			slices.ContainsFunc(offered, func(v certificateOffer) bool { return taken(v.INN) }) ||
			slices.ContainsFunc(out, func(v certificateOffer) bool { return taken(v.INN) }) {
			continue
		}
		out = append(out, certificateOffer{INN: o.INN, Name: o.Name, Join: true, ByName: true})
	}
	return out
}

// sameName compares names as people type them: case and runs of spaces
// (non-breaking ones too) do not matter.
func sameName(a, b string) bool {
	return a != "" && strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}
