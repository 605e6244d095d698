// Package device is the page of RFC 8628's device authorization, one of
// login's parts over its Kit: the person signed in to the account types the
// user code a TV or a console shows, sees the app and the scopes it asks for,
// and allows or denies it; the device then gets its tokens (provider/) or
// the refusal.
//
// Routes, on the login pages' router:
//
//	GET  /device?user_code=…  the code form, after the account sign-in
//	POST /device              find the code; with decision=allow|deny, decide
package device

import (
	"context"
	"embed"
	"errors"
	"net/http"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Devices are the device authorizations of RFC 8628 (storage).
type Devices interface {
	DeviceAuthorizationByUserCode(ctx context.Context, userCode string) (storage.DeviceAuthorization, error)
	DecideDeviceAuthorization(ctx context.Context, d storage.DeviceAuthorization) error
}

// Pages are the device page.
type Pages struct {
	kit     *login.Kit
	devices Devices
	pages   *web.Renderer
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the page; it fails if its template is broken.
func New(kit *login.Kit, devices Devices) (*Pages, error) {
	pages, err := kit.Renderer(templateFS, "device")
	if err != nil {
		return nil, err
	}
	return &Pages{kit: kit, devices: devices, pages: pages}, nil
}

// Mount adds the page's routes.
func (p *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/device", p.enter).Methods(http.MethodGet)
	pages.HandleFunc("/device", p.submit).Methods(http.MethodPost)
}

// Links: the page is no way into a sign-in.
func (p *Pages) Links(map[string]string, login.Flow, storage.AuthRequest) {}

// Show: the page owns no state of a sign-in flow.
func (p *Pages) Show(http.ResponseWriter, *http.Request, login.Flow, storage.AuthRequest, language.Tag) bool {
	return false
}

// FirstStep: no request begins here.
func (p *Pages) FirstStep(string) string { return "" }

// page is the page for a device's user code: enter it, then allow or
// deny the app, then go back to the device.
type page struct {
	login.Base
	Step     string // "enter", "decide", "approved", "denied"
	UserCode string
	Client   string
	Scopes   []string // shown by their scope.* texts
	User     string
	Error    string
}

// statePrefix is the state of the account sign-in that returns to the device
// page with the code the person brought (letters and digits only); account/
// sends the browser back here from its callback.
const statePrefix = "device:"

// enter shows the code form (GET /device?user_code=…), after sign-in.
func (p *Pages) enter(w http.ResponseWriter, r *http.Request) {
	code := storage.NormalizeUserCode(r.URL.Query().Get("user_code"))
	_, u, ok := p.kit.SignedInPerson(w, r, statePrefix+code)
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, u, page{Step: "enter", UserCode: code})
}

// submit finds the request by its user code and asks the person to decide
// (POST /device), or records the decision (POST /device with decision).
// Wrong codes count as failed sign-ins of the address: 20^8 codes live 10
// minutes, and guessing one is limited like guessing a password.
func (p *Pages) submit(w http.ResponseWriter, r *http.Request) {
	_, u, ok := p.kit.SignedInPerson(w, r, statePrefix)
	if !ok {
		return
	}
	lang := personLang(r, u)
	code := storage.NormalizeUserCode(r.PostFormValue("user_code"))
	c, err := p.kit.Failures(r)
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	if p.kit.Over(c) {
		p.render(w, r, http.StatusTooManyRequests, u, page{Step: "enter", UserCode: code, Error: "login.too_many_failures"})
		return
	}
	d, err := p.devices.DeviceAuthorizationByUserCode(r.Context(), code)
	if err == nil && d.State != storage.DevicePending {
		err = storage.ErrNotFound
	}
	if errors.Is(err, storage.ErrNotFound) {
		if err := p.kit.CountAddressFailure(r); err != nil {
			p.kit.Fail(w, r, lang, login.Unavailable(err))
			return
		}
		p.render(w, r, http.StatusBadRequest, u, page{Step: "enter", UserCode: code, Error: "device.error.code"})
		return
	}
	if err != nil {
		p.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	name := p.kit.ClientName(r.Context(), d.ClientID)
	if name == "" {
		name = d.ClientID
	}
	decision := r.PostFormValue("decision")
	if decision != "allow" && decision != "deny" {
		p.render(w, r, http.StatusOK, u, page{Step: "decide", UserCode: code, Client: name, Scopes: d.Scopes})
		return
	}
	p.decide(w, r, u, d, name, decision)
}

func (p *Pages) decide(w http.ResponseWriter, r *http.Request, u storage.User, d storage.DeviceAuthorization, client, decision string) {
	sess, err := p.kit.CurrentSession(r.Context())
	if err != nil || sess == nil {
		p.kit.Fail(w, r, personLang(r, u), login.Unavailable(errors.New("the session ended during the device decision")))
		return
	}
	if decision == "allow" {
		// The device gets what the app's minimum allows, as every answer does.
		if uerr := p.kit.StrongEnough(r.Context(), d.ClientID, sess.ACR); uerr != nil {
			p.kit.Fail(w, r, personLang(r, u), uerr)
			return
		}
	}
	d.State, d.DecidedAt = storage.DeviceDenied, p.kit.Now().UTC()
	outcome := directory.OutcomeFailure
	if decision == "allow" {
		d.State, outcome = storage.DeviceApproved, directory.OutcomeSuccess
		d.Subject, d.AMR, d.ACR, d.AuthTime = u.ID, sess.AMR, sess.ACR, sess.AuthTime
	}
	switch err := p.devices.DecideDeviceAuthorization(r.Context(), d); {
	case errors.Is(err, storage.ErrConflict):
		p.render(w, r, http.StatusConflict, u, page{Step: "enter", Error: "device.error.code"})
		return
	case err != nil:
		p.kit.Fail(w, r, personLang(r, u), login.Unavailable(err))
		return
	}
	p.kit.Audit(r, storage.AuditEvent{Type: directory.EventDeviceDecision, Outcome: outcome, Actor: u.ID, UserID: u.ID, ClientID: d.ClientID,
		Details: map[string]string{"decision": decision}})
	p.render(w, r, http.StatusOK, u, page{Step: d.State, Client: client})
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, u storage.User, pg page) {
	lang := personLang(r, u)
	pg.Base = p.kit.Base(r, lang, "device.title")
	pg.User = firstOf(u.Login, u.Email, u.Phone, u.Contract)
	if pg.Error != "" {
		pg.Error = pg.T(pg.Error)
	}
	p.pages.Render(w, r, status, "device", pg)
}

// personLang is the language of the signed-in person's page.
func personLang(r *http.Request, u storage.User) language.Tag { return web.PersonLanguage(r, u.Locale) }

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
