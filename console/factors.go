package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// A person's second factors on their console page: what they have (the
// authenticator app, passkeys, recovery codes left, "always ask"), removing
// one passkey, and resetting them all for a person who lost them. Both are
// confirmed on a page of their own; directory/factors audits them (marked as
// done through the console) and mails the person.

// secondFactors is what the console needs of directory/factors.Service.
type secondFactors interface {
	Enrolment(ctx context.Context, userID string) (factors.Enrolment, error)
	RemovePasskey(ctx context.Context, by directory.Actor, userID, id string) error
	ResetFactors(ctx context.Context, by directory.Actor, userID string) error
}

// userFactors reads the person's factors for their page; nil when the
// console has no second factors wired.
func (h *Handler) userFactors(r *http.Request, userID string) (*factors.Enrolment, error) {
	if h.cfg.Factors == nil {
		return nil, nil
	}
	e, err := h.cfg.Factors.Enrolment(r.Context(), userID)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// consolePasskeyRemove removes one passkey of a person, after a confirmation
// naming it (POST /console/users/{id}/passkeys/{pk}/remove).
func (h *Handler) consolePasskeyRemove(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id, pk := mux.Vars(r)["id"], mux.Vars(r)["pk"]
	back := "/console/users/" + url.PathEscape(id)
	if !h.confirmed(w, r, u, web.Confirmation{Key: "confirm.console_passkey_remove", Args: []string{"Name"}, Cancel: back},
		func() (string, error) { return h.passkeyName(r, id, pk) }) {
		return
	}
	if err := h.cfg.Factors.RemovePasskey(r.Context(), h.consoleActor(r, u), id, pk); err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, back+"?notice=passkey", http.StatusSeeOther)
}

// passkeyName is the label of the person's passkey pk; ErrNotFound when
// they have none such.
func (h *Handler) passkeyName(r *http.Request, userID, pk string) (string, error) {
	e, err := h.cfg.Factors.Enrolment(r.Context(), userID)
	if err != nil {
		return "", err
	}
	for _, p := range e.Passkeys {
		if p.ID == pk {
			return p.Name, nil
		}
	}
	return "", storage.ErrNotFound
}

// consoleFactorsReset removes every second factor of a person, after a
// confirmation naming them (POST /console/users/{id}/factors/reset).
func (h *Handler) consoleFactorsReset(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	back := "/console/users/" + url.PathEscape(id)
	if !h.confirmed(w, r, u, web.Confirmation{Key: "confirm.factors_reset", Args: []string{"User"}, Cancel: back},
		func() (string, error) { p, err := h.cfg.Users.Get(r.Context(), id); return directory.Who(p), err }) {
		return
	}
	if err := h.cfg.Factors.ResetFactors(r.Context(), h.consoleActor(r, u), id); err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, back+"?notice=factors", http.StatusSeeOther)
}
