package console

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/storage"
)

// moderationPageSize: companies waiting for a decision are shown whole, each
// looked up in the state register, so a page holds few.
const moderationPageSize = 10

// registryRecord is what the state register says of a company, beside what
// its registrant entered; Differs names the fields that do not match, so the
// moderator sees at once what to check.
type registryRecord struct {
	registry.Company
	Differs map[string]bool
}

// registryRecord looks the company up in the register: its branch by KPP, or
// its head office. note is a message key when there is no record to show
// (not configured: "", not found, or the register does not answer).
func (h *Handler) registryRecord(r *http.Request, o storage.Organisation) (rec *registryRecord, note string) {
	if h.cfg.Registry == nil {
		return nil, ""
	}
	list, err := h.cfg.Registry.CompaniesByINN(r.Context(), o.INN)
	if errors.Is(err, registry.ErrNotFound) {
		return nil, "moderation.registry_not_found"
	}
	if err != nil {
		h.log.InfoContext(r.Context(), "registry look-up for moderation", "inn", o.INN, "err", err)
		return nil, "moderation.registry_down"
	}
	i := slices.IndexFunc(list, func(c registry.Company) bool { return o.KPP != "" && c.KPP == o.KPP })
	if i < 0 {
		i = slices.IndexFunc(list, func(c registry.Company) bool { return !c.Branch })
	}
	if i < 0 {
		return nil, "moderation.registry_not_found"
	}
	c := list[i]
	same := func(a, b string) bool {
		return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
	}
	differs := map[string]bool{}
	for field, pair := range map[string][2]string{
		"name": {c.Name, o.Name}, "full_name": {c.FullName, o.FullName}, "ogrn": {c.OGRN, o.OGRN}, "kpp": {c.KPP, o.KPP},
		"director_name": {c.DirectorName, o.Director.Name}, "okved_main": {c.OKVED, o.OKVED.Main},
		"legal_postcode": {c.Address.Postcode, o.Addresses.Legal.Postcode},
	} {
		if pair[0] != "" && !same(pair[0], pair[1]) {
			differs[field] = true
		}
	}
	if !c.Active {
		differs["active"] = true
	}
	return &registryRecord{Company: c, Differs: differs}, ""
}
