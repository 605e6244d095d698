package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// devices are the device authorizations of RFC 8628 (storage).
type devices interface {
	DeviceAuthorizationByUserCode(ctx context.Context, userCode string) (storage.DeviceAuthorization, error)
	DecideDeviceAuthorization(ctx context.Context, d storage.DeviceAuthorization) error
}

// devicePage is the page for a device's user code: enter it, then allow or
// deny the app, then go back to the device.
type devicePage struct {
	base
	Step     string // "enter", "decide", "approved", "denied"
	UserCode string
	Client   string
	Scopes   []string // shown by their scope.* texts
	User     string
	Error    string
}

// deviceState is the state of the account sign-in that returns to the device
// page with the code the person brought (letters and digits only).
const deviceStatePrefix = "device:"

// deviceEnter shows the code form (GET /device?user_code=…), after sign-in.
func (h *Handler) deviceEnter(w http.ResponseWriter, r *http.Request) {
	code := storage.NormalizeUserCode(r.URL.Query().Get("user_code"))
	_, u, ok := h.accountSessionThen(w, r, deviceStatePrefix+code)
	if !ok {
		return
	}
	h.renderDevice(w, r, http.StatusOK, u, devicePage{Step: "enter", UserCode: code})
}

// deviceSubmit finds the request by its user code and asks the person to
// decide (POST /device), or records the decision (POST /device with decision).
// Wrong codes count as failed sign-ins of the address: 20^8 codes live 10
// minutes, and guessing one is limited like guessing a password.
func (h *Handler) deviceSubmit(w http.ResponseWriter, r *http.Request) {
	_, u, ok := h.accountSessionThen(w, r, deviceStatePrefix)
	if !ok {
		return
	}
	lang := accountLang(r, u)
	code := storage.NormalizeUserCode(r.PostFormValue("user_code"))
	c, err := h.failures(r, "")
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if h.over(c) {
		h.renderDevice(w, r, http.StatusTooManyRequests, u, devicePage{Step: "enter", UserCode: code, Error: "login.too_many_failures"})
		return
	}
	d, err := h.cfg.Devices.DeviceAuthorizationByUserCode(r.Context(), code)
	if err == nil && d.State != storage.DevicePending {
		err = storage.ErrNotFound
	}
	if errors.Is(err, storage.ErrNotFound) {
		if err := h.countAddressFailure(r); err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		h.renderDevice(w, r, http.StatusBadRequest, u, devicePage{Step: "enter", UserCode: code, Error: "device.error.code"})
		return
	}
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	name := d.ClientID
	if cl, err := h.store.ClientByID(r.Context(), d.ClientID); err == nil && cl.Name != "" {
		name = cl.Name
	}
	decision := r.PostFormValue("decision")
	if decision != "allow" && decision != "deny" {
		h.renderDevice(w, r, http.StatusOK, u, devicePage{Step: "decide", UserCode: code, Client: name, Scopes: d.Scopes})
		return
	}
	h.decideDevice(w, r, u, d, name, decision)
}

func (h *Handler) decideDevice(w http.ResponseWriter, r *http.Request, u storage.User, d storage.DeviceAuthorization, client, decision string) {
	sess, err := h.currentSession(r.Context())
	if err != nil || sess == nil {
		h.pages.Fail(w, r, accountLang(r, u), unavailable(errors.New("the session ended during the device decision")))
		return
	}
	if decision == "allow" {
		if uerr := h.strongEnough(r.Context(), d.ClientID, sess.ACR); uerr != nil {
			h.pages.Fail(w, r, accountLang(r, u), uerr)
			return
		}
	}
	d.State, d.DecidedAt = storage.DeviceDenied, time.Now().UTC()
	outcome := directory.OutcomeFailure
	if decision == "allow" {
		d.State, outcome = storage.DeviceApproved, directory.OutcomeSuccess
		d.Subject, d.AMR, d.ACR, d.AuthTime = u.ID, sess.AMR, sess.ACR, sess.AuthTime
	}
	switch err := h.cfg.Devices.DecideDeviceAuthorization(r.Context(), d); {
	case errors.Is(err, storage.ErrConflict):
		h.renderDevice(w, r, http.StatusConflict, u, devicePage{Step: "enter", Error: "device.error.code"})
		return
	case err != nil:
		h.pages.Fail(w, r, accountLang(r, u), unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventDeviceDecision, Outcome: outcome, Actor: u.ID, UserID: u.ID, ClientID: d.ClientID,
		Details: map[string]string{"decision": decision}})
	h.renderDevice(w, r, http.StatusOK, u, devicePage{Step: d.State, Client: client})
}

func (h *Handler) renderDevice(w http.ResponseWriter, r *http.Request, status int, u storage.User, page devicePage) {
	lang := accountLang(r, u)
	page.base = h.newBase(r, lang, "device.title")
	page.User = firstOf(u.Login, u.Email, u.Phone, u.Contract)
	if page.Error != "" {
		page.Error = page.T(page.Error)
	}
	h.pages.Render(w, r, status, "device", page)
}

// deviceReturn is where the account sign-in of the device page comes back to.
func deviceReturn(state string) string {
	return "/device?" + url.Values{"user_code": {storage.NormalizeUserCode(state[len(deviceStatePrefix):])}}.Encode()
}
