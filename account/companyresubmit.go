package account

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// A rejected registration is not a dead end: its registrant sees it on the
// companies page with the moderator's reason and "Correct and resubmit",
// which opens the registration wizard with everything filled in. The flow's
// company then carries the rejected organisation's ID (a new registration's
// has none), and its last step sends that organisation to moderation again
// (orgs.Service.Resubmit) instead of registering another.

// companyResubmit opens the wizard over a rejected registration of this
// person (POST /account/companies/{org}/resubmit).
func (h *Handler) companyResubmit(w http.ResponseWriter, r *http.Request) {
	u, ok := h.companyPerson(w, r)
	if !ok {
		return
	}
	org, err := h.cfg.OrgStore.OrganisationByID(r.Context(), mux.Vars(r)["org"])
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	// Anyone else's, or one not rejected, is not found: the page tells
	// nothing of other people's registrations.
	if err != nil || org.RegisteredBy != u.ID || org.Status != storage.OrgRejected {
		h.renderCompanies(w, r, http.StatusNotFound, u, "", "companies.no_resubmit")
		return
	}
	now := h.now().UTC()
	draft := resubmitDraft(org)
	f := flow{Flow: storage.Flow{ID: directory.NewID(), Kind: string(flows.KindCompany), State: string(flows.StepGeneral), UserID: u.ID,
		BrowserHash: h.cookies.BrowserHash(r.Context()), Locale: accountLang(r, u).String(), Org: &draft,
		Steps: []storage.FlowStep{{At: now, To: string(flows.StepGeneral)}}, CreatedAt: now, ExpiresAt: now.Add(companyFlowLifetime)}}
	if err := h.store.CreateFlow(r.Context(), f.Flow); err != nil {
		h.pages.Fail(w, r, accountLang(r, u), web.Unavailable(err))
		return
	}
	http.Redirect(w, r, companyStepURL(f.ID, flows.StepGeneral), http.StatusSeeOther)
}

// resubmitDraft is what the wizard edits of a rejected organisation: its
// requisites and its ID, nothing of its history. The email is confirmed
// again at the end, as on a first registration.
func resubmitDraft(o storage.Organisation) storage.Organisation {
	return storage.Organisation{ID: o.ID, Kind: o.Kind, Name: o.Name, FullName: o.FullName, LegalForm: o.LegalForm,
		INN: o.INN, KPP: o.KPP, OGRN: o.OGRN, OKPO: o.OKPO, OKVED: o.OKVED, Director: o.Director, Bank: o.Bank,
		Addresses: o.Addresses, Contact: o.Contact, Email: o.Email}
}

// resubmitting tells whether a registration flow corrects a rejected one.
func resubmitting(f flow) bool { return f.Org != nil && f.Org.ID != "" }
