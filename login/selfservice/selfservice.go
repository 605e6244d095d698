// Package selfservice holds the side flows a person starts from the sign-in
// form of a relying party and comes back from: "Create an account"
// (registration), "Forgot password?" (recovery) and the activation of an
// account an operator issued (activation). Each is a flow of its own kind
// (directory/flows) under a path of its own (/register, /recover, /activate),
// tied to the auth request it came from, built on the core's login.Kit.
package selfservice

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// Config is what the side flows need.
type Config struct {
	// SMS and Email send codes and temporary passwords; nil turns off what
	// needs them (activation needs email).
	SMS   notify.SMSSender
	Email notify.EmailSender
	// SendLimits are the limits SMS and Email send within (notify.Limits),
	// counted before the answer; nil: none.
	SendLimits web.SendLimits
	// ConsentVersion names the consent texts in force; it is stored with every consent.
	ConsentVersion string
	// PasswordMinLength is shown in the message about short passwords.
	PasswordMinLength int
	// PrivacyPolicyURL is the text the personal-data consent links to.
	PrivacyPolicyURL string
	// SamplePolicy serves a sample of that text at SamplePolicyPath (vhod dev).
	SamplePolicy bool
	// TermsURL, when set, is the service's terms (a public offer or user
	// agreement): sign-up then asks to accept them too, and records it.
	TermsURL string
}

// accounts is what the side flows need from directory.
type accounts interface {
	UserByLogin(ctx context.Context, login string) (storage.User, error)
	StartRecovery(ctx context.Context, userID string) (string, error)
	ResetPassword(ctx context.Context, userID, password string, temporary bool) error
	ResetPasswordHash(ctx context.Context, userID, hash string) error
	CreateUser(ctx context.Context, n directory.NewUser) (storage.User, error)
	NewPasswordHash(password string, identifiers ...string) (string, error)
	CheckNewPassword(password string, identifiers ...string) error
	CheckActivation(ctx context.Context, contract, secret string) (storage.User, error)
}

// store is what the side flows need from storage.
type store interface {
	UpdateProfile(ctx context.Context, userID string, p storage.Profile) error
	ChangeIdentifier(ctx context.Context, userID, kind, value string) error
	Activate(ctx context.Context, userID string) error
}

// Pages are the side flows' pages.
type Pages struct {
	cfg      Config
	kit      *login.Kit
	accounts accounts
	store    store
	pages    *web.Renderer
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the pages; it fails if a template is broken, or messages are
// set up without codes.
func New(cfg Config, kit *login.Kit, acc accounts, st store) (*Pages, error) {
	if (cfg.SMS != nil || cfg.Email != nil) && !kit.CodesOn() {
		return nil, errors.New("selfservice: OTP key must be 32 bytes")
	}
	pages, err := kit.Renderer(templateFS, "recovery", "registration", "activation", "privacy")
	if err != nil {
		return nil, err
	}
	return &Pages{cfg: cfg, kit: kit, accounts: acc, store: st, pages: pages}, nil
}

// Mount adds the pages of the three flows.
func (h *Pages) Mount(_, pages *mux.Router) {
	pages.HandleFunc("/activate", h.activationStart).Methods(http.MethodGet)
	pages.HandleFunc("/activate/{flow}", h.activationShow).Methods(http.MethodGet)
	pages.HandleFunc("/activate/{flow}/send", h.activationSend).Methods(http.MethodPost)
	pages.HandleFunc("/activate/{flow}/confirm", h.activationConfirm).Methods(http.MethodPost)
	pages.HandleFunc("/register", h.registrationStart).Methods(http.MethodGet)
	pages.HandleFunc("/register/{flow}", h.registrationShow).Methods(http.MethodGet)
	pages.HandleFunc("/register/{flow}/send", h.registrationSend).Methods(http.MethodPost)
	pages.HandleFunc("/register/{flow}/confirm", h.registrationConfirm).Methods(http.MethodPost)
	pages.HandleFunc("/recover", h.recoveryStart).Methods(http.MethodGet)
	pages.HandleFunc("/recover/{flow}", h.recoveryShow).Methods(http.MethodGet)
	pages.HandleFunc("/recover/{flow}/send", h.recoverySend).Methods(http.MethodPost)
	pages.HandleFunc("/recover/{flow}/reset", h.recoveryReset).Methods(http.MethodPost)
	if h.cfg.SamplePolicy {
		pages.HandleFunc(SamplePolicyPath, h.samplePolicy).Methods(http.MethodGet)
	}
}

// Links puts "Forgot password?", "Create an account" and, with email,
// "Activate an account" on the password form.
func (h *Pages) Links(links map[string]string, _ login.Flow, ar storage.AuthRequest) {
	q := "?authRequestID=" + url.QueryEscape(ar.ID)
	links["recovery"], links["register"] = "/recover"+q, "/register"+q
	if h.cfg.Email != nil {
		links["activate"] = "/activate" + q
	}
}

// Show: the side flows draw no state of the sign-in flow.
func (h *Pages) Show(http.ResponseWriter, *http.Request, login.Flow, storage.AuthRequest, language.Tag) bool {
	return false
}

// FirstStep: no request starts in a side flow.
func (h *Pages) FirstStep(string) string { return "" }

type recoveryPage struct {
	login.Base
	Action, ResetAction, SignInLink string
	Identifier, Notice, Error       string
	Code                            string
	State                           flows.State
}

// codeFormPage is a side flow's page with a form that sends a code and one that
// confirms it (registration, activation).
type codeFormPage struct {
	login.Base
	Action, ConfirmAction, SignInLink string
	State                             flows.State
}

type registrationPage struct {
	codeFormPage
	Identifier, Notice, Error string
	PD, News, Terms           bool
	// Fields are the refusals by field name (identifier, password, repeat,
	// consent_pd), each shown at its field; Invalid marks the form as refused.
	Fields   map[string]string
	Invalid  bool
	Password string
	// MinLength, Phone, Email and PolicyURL state the rules before any error.
	MinLength    string
	Phone, Email bool
	PolicyURL    string
	// TermsURL asks for the terms' acceptance too (Config.TermsURL).
	TermsURL string
}

type activationPage struct {
	codeFormPage
	Contract, Email, Notice, Error string
}

func minLengthText(n int) string { return strconv.Itoa(max(n, 8)) }
