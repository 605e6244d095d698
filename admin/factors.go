package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/storage"
)

// A person's second factors and passkeys through the API, for operators as
// the rest of /users: read them, remove one passkey, reset them all (a person
// who lost their factors). directory/factors audits each change with the
// API's actor and mails the person, as it does for the console.

// secondFactors is what the API needs of directory/factors.Service.
type secondFactors interface {
	Enrolment(ctx context.Context, userID string) (factors.Enrolment, error)
	RemovePasskey(ctx context.Context, by directory.Actor, userID, id string) error
	ResetFactors(ctx context.Context, by directory.Actor, userID string) error
}

// factorsDoc is a person's second factors; secrets never leave Vhod.
type factorsDoc struct {
	TOTP              bool         `json:"totp"`
	TOTPPending       bool         `json:"totp_pending"`
	SMS               bool         `json:"sms"`
	AlwaysAsk         bool         `json:"always_ask"`
	RecoveryCodesLeft int          `json:"recovery_codes_left"`
	Passkeys          []passkeyDoc `json:"passkeys"`
}

// passkeyDoc is a passkey without its key: what an operator needs to tell
// one from another.
type passkeyDoc struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	CreatedAt      time.Time  `json:"created_at"`
	LastUsedAt     *time.Time `json:"last_used_at"`
	BackupEligible bool       `json:"backup_eligible"`
	BackupState    bool       `json:"backup_state"`
	UserVerified   bool       `json:"user_verified"`
	Attachment     string     `json:"attachment"`
	Transports     []string   `json:"transports"`
}

func toFactorsDoc(e factors.Enrolment) factorsDoc {
	d := factorsDoc{TOTP: e.TOTP, TOTPPending: e.TOTPPending, SMS: e.SMS, AlwaysAsk: e.AlwaysAsk, RecoveryCodesLeft: e.RecoveryCodesLeft,
		Passkeys: []passkeyDoc{}}
	for _, p := range e.Passkeys {
		pd := passkeyDoc{ID: p.ID, Name: p.Name, CreatedAt: ms(p.CreatedAt), BackupEligible: p.BackupEligible, BackupState: p.BackupState,
			UserVerified: p.UserVerified, Attachment: p.Attachment, Transports: nonNil(p.Transports)}
		if !p.LastUsedAt.IsZero() {
			t := ms(p.LastUsedAt)
			pd.LastUsedAt = &t
		}
		d.Passkeys = append(d.Passkeys, pd)
	}
	return d
}

func (a *API) mountFactors(r *mux.Router) {
	if a.cfg.Factors == nil {
		return
	}
	r.HandleFunc("/users/{id}/factors", a.getFactors).Methods(http.MethodGet)
	r.HandleFunc("/users/{id}/factors/reset", a.resetFactors).Methods(http.MethodPost)
	r.HandleFunc("/users/{id}/passkeys/{pk}", a.removePasskey).Methods(http.MethodDelete)
}

// getFactors reads a person's second factors and passkeys.
func (a *API) getFactors(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	e, err := a.cfg.Factors.Enrolment(r.Context(), u.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toFactorsDoc(e))
}

// resetFactors removes every second factor of a person (audited, mailed).
func (a *API) resetFactors(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	if err := a.cfg.Factors.ResetFactors(r.Context(), a.actor(r), u.ID); err != nil {
		a.storeError(w, r, err, "user")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// removePasskey removes one passkey of a person (audited, mailed).
func (a *API) removePasskey(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	err := a.cfg.Factors.RemovePasskey(r.Context(), a.actor(r), u.ID, mux.Vars(r)["pk"])
	if errors.Is(err, storage.ErrNotFound) {
		writeProblem(w, http.StatusNotFound, "not-found", "passkey not found")
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
