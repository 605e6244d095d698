package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// consoleUsersPage finds accounts, a page at a time, and offers a new one
// (GET /console/users?q=&cursor=).
func (h *Handler) consoleUsersPage(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	h.consoleUserList(w, r, http.StatusOK, u, consolePage{Query: strings.TrimSpace(r.URL.Query().Get("q")),
		Notice: notice(r, "created", "deleted")})
}

func (h *Handler) consoleUserList(w http.ResponseWriter, r *http.Request, status int, u storage.User, page consolePage) {
	page.Sort = newListSort("/console/users", r.URL.Query(), url.Values{"q": {page.Query}}, "", "created")
	found, next, err := h.cfg.Users.FindSorted(r.Context(), page.Query, r.URL.Query().Get("cursor"),
		page.Sort.Storage(map[string]string{"created": storage.SortCreated}), storage.DefaultPage)
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	page.Section, page.Users = "users", found
	page.Next = web.NextPageURL("/console/users", "cursor", next, page.Sort.Search())
	h.renderConsole(w, r, status, u, page)
}

// consoleUserCreate makes an account (POST /console/users/new).
func (h *Handler) consoleUserCreate(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	in := directory.UserInput{Login: strings.TrimSpace(r.PostFormValue("login")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Phone: strings.TrimSpace(r.PostFormValue("phone")), FamilyName: strings.TrimSpace(r.PostFormValue("family_name")),
		GivenName: strings.TrimSpace(r.PostFormValue("given_name")), MiddleName: strings.TrimSpace(r.PostFormValue("middle_name")),
		Password: r.PostFormValue("password"), PasswordTemporary: r.PostFormValue("password_temporary") == "yes"}
	created, bad, err := h.cfg.Users.Create(r.Context(), in)
	if errors.Is(err, storage.ErrAlreadyExists) {
		bad, err = map[string]string{"login": "another account has one of these identifiers"}, nil
	}
	if len(bad) > 0 {
		in.Password = "" // never echoed back
		h.consoleUserList(w, r, http.StatusBadRequest, u, consolePage{NewUser: in, Errors: bad, Error: "console.invalid"})
		return
	}
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventUserChanged, UserID: created.ID, Details: map[string]string{"change": "created"}})
	http.Redirect(w, r, "/console/users/"+url.PathEscape(created.ID)+"?notice=created", http.StatusSeeOther)
}

// consoleTarget lets an operator through to the account in the URL.
func (h *Handler) consoleTarget(w http.ResponseWriter, r *http.Request) (u, target storage.User, ok bool) {
	if u, ok = h.operator(w, r); !ok {
		return u, target, false
	}
	target, err := h.cfg.Users.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return u, target, false
	}
	return u, target, true
}

// consoleUser shows one account with its sessions (GET /console/users/{id}).
func (h *Handler) consoleUser(w http.ResponseWriter, r *http.Request) {
	u, target, ok := h.consoleTarget(w, r)
	if !ok {
		return
	}
	sessions, err := h.cfg.Users.Sessions(r.Context(), target.ID)
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	fs, err := h.userFactors(r, target.ID)
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.renderConsole(w, r, http.StatusOK, u, consolePage{Section: "user", User: &target, Sessions: sessions, Factors: fs,
		Notice: notice(r, "created", "saved", "lock", "unlock", "password", "session", "passkey", "factors")})
}

// consoleUserAction locks, unlocks, forces a password change or deletes an
// account (POST /console/users/{id}/{action}).
func (h *Handler) consoleUserAction(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id, action := mux.Vars(r)["id"], mux.Vars(r)["action"]
	// Deleting an account cannot be undone: it asks first, on a page of its own.
	if action == "delete" && !h.confirmed(w, r, u, web.Confirmation{Key: "confirm.user_delete", Args: []string{"User"}, Cancel: "/console/users/" + url.PathEscape(id)},
		func() (string, error) { p, err := h.cfg.Users.Get(r.Context(), id); return directory.Who(p), err }) {
		return
	}
	var err error
	event := directory.EventUserChanged
	switch action {
	case "lock":
		_, err = h.cfg.Users.Lock(r.Context(), id, time.Time{}, u.ID, "") // until unlocked
		event = directory.EventAccountLocked
	case "unlock":
		err, event = h.cfg.Users.Unlock(r.Context(), id), directory.EventAccountUnlocked
	case "password":
		err = h.cfg.Users.RequirePasswordChange(r.Context(), id)
	case "delete":
		err = h.cfg.Users.Delete(r.Context(), id)
	}
	if errors.Is(err, directory.ErrNoPassword) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusConflict, Key: "console.no_password", Err: err})
		return
	}
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.consoleAction(r, u, storage.AuditEvent{Type: event, UserID: id, Details: map[string]string{"change": action}})
	if action == "delete" {
		http.Redirect(w, r, "/console/users?notice=deleted", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/users/"+url.PathEscape(id)+"?notice="+action, http.StatusSeeOther)
}

// consoleUserSave changes an account's names and authorities
// (POST /console/users/{id}/save).
func (h *Handler) consoleUserSave(w http.ResponseWriter, r *http.Request) {
	u, target, ok := h.consoleTarget(w, r)
	if !ok {
		return
	}
	family, given, middle := r.PostFormValue("family_name"), r.PostFormValue("given_name"), r.PostFormValue("middle_name")
	authorities := r.PostForm["authority"]
	if authorities == nil {
		authorities = []string{}
	}
	bad, err := h.cfg.Users.Update(r.Context(), target, directory.UserPatch{FamilyName: &family, GivenName: &given, MiddleName: &middle,
		Authorities: &authorities})
	if bad != nil {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New(bad["authorities"])})
		return
	}
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventUserChanged, UserID: target.ID,
		Details: map[string]string{"change": "updated", "authorities": strings.Join(authorities, " ")}})
	http.Redirect(w, r, "/console/users/"+url.PathEscape(target.ID)+"?notice=saved", http.StatusSeeOther)
}

// consoleSessionRevoke ends one session of a person and revokes its tokens
// (POST /console/users/{id}/sessions/{sid}/revoke).
func (h *Handler) consoleSessionRevoke(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id, sid := mux.Vars(r)["id"], mux.Vars(r)["sid"]
	if !h.confirmed(w, r, u, web.Confirmation{Key: "confirm.session_revoke", Args: []string{"User"}, Cancel: "/console/users/" + url.PathEscape(id)},
		func() (string, error) { p, err := h.cfg.Users.Get(r.Context(), id); return directory.Who(p), err }) {
		return
	}
	if err := h.cfg.Users.RevokeSession(r.Context(), id, sid); err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventSessionRevoked, UserID: id, Details: map[string]string{"sid": sid}})
	http.Redirect(w, r, "/console/users/"+url.PathEscape(id)+"?notice=session", http.StatusSeeOther)
}
