package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

type userDoc struct {
	ID                string   `json:"id"`
	Login             string   `json:"login"`
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Phone             string   `json:"phone"`
	PhoneVerified     bool     `json:"phone_verified"`
	Contract          string   `json:"contract"`
	FamilyName        string   `json:"family_name"`
	GivenName         string   `json:"given_name"`
	MiddleName        string   `json:"middle_name"`
	Locale            string   `json:"locale"`
	SNILS             string   `json:"snils"`
	Authorities       []string `json:"authorities"`
	PasswordSet       bool     `json:"password_set"`
	PasswordTemporary bool     `json:"password_temporary"`
	// LockedUntil is the later of the two locks: an operator's and the one after
	// failed sign-ins; OperatorLock is the operator's alone.
	LockedUntil  *time.Time    `json:"locked_until"`
	OperatorLock *operatorLock `json:"operator_lock,omitempty"`
	Certificates []string      `json:"certificates"` // SHA-256 of bound certificates
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// operatorLock is an operator's lock of an account (storage.Block).
type operatorLock struct {
	Until  time.Time `json:"until"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

func toUserDoc(u storage.User) userDoc {
	d := userDoc{ID: u.ID, Login: u.Login, Email: u.Email, EmailVerified: u.EmailVerified, Phone: u.Phone, PhoneVerified: u.PhoneVerified,
		Contract: u.Contract, FamilyName: u.FamilyName, GivenName: u.GivenName, MiddleName: u.MiddleName, Locale: u.Locale, SNILS: u.SNILS,
		Authorities: nonNil(u.Authorities), PasswordSet: u.PasswordHash != "", PasswordTemporary: u.PasswordTemporary,
		Certificates: []string{}, CreatedAt: ms(u.CreatedAt), UpdatedAt: ms(u.UpdatedAt)}
	until := u.LockedUntil
	if b := u.Blocked; b != nil {
		d.OperatorLock = &operatorLock{Until: ms(b.Until), At: ms(b.At), By: b.By, Reason: b.Reason}
		if b.Until.After(until) {
			until = b.Until
		}
	}
	if !until.IsZero() {
		t := ms(until)
		d.LockedUntil = &t
	}
	for _, c := range u.Certificates {
		d.Certificates = append(d.Certificates, c.SHA256)
	}
	return d
}

func (a *API) mountUsers(r *mux.Router) {
	r.HandleFunc("/users", a.listUsers).Methods(http.MethodGet)
	r.HandleFunc("/users", a.createUser).Methods(http.MethodPost)
	r.HandleFunc("/users/{id}", a.getUser).Methods(http.MethodGet)
	r.HandleFunc("/users/{id}", a.updateUser).Methods(http.MethodPatch)
	r.HandleFunc("/users/{id}", a.deleteUser).Methods(http.MethodDelete)
	r.HandleFunc("/users/{id}/lock", a.lockUser).Methods(http.MethodPost)
	r.HandleFunc("/users/{id}/unlock", a.unlockUser).Methods(http.MethodPost)
	r.HandleFunc("/users/{id}/password-change", a.forcePasswordChange).Methods(http.MethodPost)
	r.HandleFunc("/users/{id}/sessions", a.listSessions).Methods(http.MethodGet)
	r.HandleFunc("/users/{id}/sessions/{sid}", a.revokeSession).Methods(http.MethodDelete)
}

// listUsers pages through accounts; ?q= finds by any identifier (in any
// spelling) or by a part of a name.
func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit is 1 to 200")
		return
	}
	found, next, err := a.cfg.Users.Find(r.Context(), r.URL.Query().Get("q"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := page[userDoc]{Items: []userDoc{}, Next: next}
	for _, u := range found {
		out.Items = append(out.Items, toUserDoc(u))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) user(w http.ResponseWriter, r *http.Request) (storage.User, bool) {
	u, err := a.cfg.Users.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.storeError(w, r, err, "user")
		return u, false
	}
	return u, true
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	doc := toUserDoc(u)
	w.Header().Set("ETag", etag(doc))
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	var in directory.UserInput
	if !decode(w, r, &in) {
		return
	}
	u, bad, err := a.cfg.Users.Create(r.Context(), in)
	switch {
	case bad != nil:
		writeProblemFields(w, http.StatusBadRequest, "invalid-user", "the account is not valid", bad)
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(w, http.StatusConflict, "conflict", "another account has one of these identifiers")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventUserChanged, UserID: u.ID, Details: map[string]string{"change": "created"}})
	doc := toUserDoc(u)
	w.Header().Set("ETag", etag(doc))
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	writeJSON(w, http.StatusCreated, doc)
}

// updateUser changes names, locale and authorities (If-Match).
func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in directory.UserPatch
	if !decode(w, r, &in) {
		return
	}
	if bad := in.Problems(); bad != nil {
		writeProblemFields(w, http.StatusBadRequest, "invalid-user", "unknown authority", bad)
		return
	}
	if !a.ifMatch(w, r, "user:"+u.ID, toUserDoc(u)) {
		return
	}
	if _, err := a.cfg.Users.Update(r.Context(), u, in); err != nil {
		a.storeError(w, r, err, "user")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventUserChanged, UserID: u.ID, Details: map[string]string{"change": "updated"}})
	a.getUser(w, r)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	if err := a.cfg.Users.Delete(r.Context(), u.ID); err != nil {
		a.storeError(w, r, err, "user")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventUserChanged, UserID: u.ID, Details: map[string]string{"change": "deleted with its sessions and tokens"}})
	w.WriteHeader(http.StatusNoContent)
}

// lockUser refuses every sign-in until a time (default: until unlocked) and
// ends the person's sessions and tokens (directory.UserAdmin.Lock).
func (a *API) lockUser(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in struct {
		Until  *time.Time `json:"until"`
		Reason string     `json:"reason"`
	}
	if r.ContentLength != 0 && !decode(w, r, &in) {
		return
	}
	var until time.Time
	if in.Until != nil {
		until = *in.Until
	}
	until, err := a.cfg.Users.Lock(r.Context(), u.ID, until, principalOf(r.Context()).id(), in.Reason)
	if err != nil {
		a.storeError(w, r, err, "user")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventAccountLocked, UserID: u.ID, Details: map[string]string{
		"until": until.UTC().Format(time.RFC3339), "lock": "operator", "reason": directory.TruncateUTF8(in.Reason, 500)}})
	a.getUser(w, r)
}

func (a *API) unlockUser(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	if err := a.cfg.Users.Unlock(r.Context(), u.ID); err != nil {
		a.storeError(w, r, err, "user")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventAccountUnlocked, UserID: u.ID})
	a.getUser(w, r)
}

// forcePasswordChange makes the next sign-in set a new password.
func (a *API) forcePasswordChange(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	if err := a.cfg.Users.RequirePasswordChange(r.Context(), u.ID); errors.Is(err, directory.ErrNoPassword) {
		writeProblem(w, http.StatusConflict, "no-password", "the account has no password")
		return
	} else if err != nil {
		a.storeError(w, r, err, "user")
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventUserChanged, UserID: u.ID, Details: map[string]string{"change": "password change required"}})
	a.getUser(w, r)
}

type sessionDoc struct {
	SID       string    `json:"sid"`
	AuthTime  time.Time `json:"auth_time"`
	ACR       string    `json:"acr"`
	AMR       []string  `json:"amr"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	OrgID     string    `json:"org_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	list, err := a.cfg.Users.Sessions(r.Context(), u.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := page[sessionDoc]{Items: []sessionDoc{}}
	for _, s := range list {
		out.Items = append(out.Items, sessionDoc{SID: s.SID, AuthTime: ms(s.AuthTime), ACR: s.ACR, AMR: nonNil(s.AMR), IP: s.IP,
			UserAgent: s.UserAgent, OrgID: s.OrgID, ExpiresAt: ms(s.ExpiresAt)})
	}
	writeJSON(w, http.StatusOK, out)
}

// revokeSession ends one session of the person and revokes its tokens.
func (a *API) revokeSession(w http.ResponseWriter, r *http.Request) {
	if !a.needOperator(w, r) {
		return
	}
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	sid := mux.Vars(r)["sid"]
	if err := a.cfg.Users.RevokeSession(r.Context(), u.ID, sid); errors.Is(err, storage.ErrNotFound) {
		writeProblem(w, http.StatusNotFound, "not-found", "session not found")
		return
	} else if err != nil {
		a.serverError(w, r, err)
		return
	}
	a.audit(r, storage.AuditEvent{Type: directory.EventSessionRevoked, UserID: u.ID, Details: map[string]string{"sid": sid}})
	w.WriteHeader(http.StatusNoContent)
}
