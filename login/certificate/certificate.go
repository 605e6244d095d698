// Package certificate is sign-in with an X.509 certificate, one of login's
// methods: the person signs a challenge (CryptoPro's browser plugin, or a
// pasted or uploaded CMS signature), or presents a client certificate over TLS
// (Vhod's listener, or a trusted proxy's header). A certificate without an
// account makes one after a confirmation, or joins the signed-in person's
// account (a step-up, or "Link a certificate" on the account page).
//
// Routes, on the login pages' router:
//
//	GET  /login/{flow}/certificate          the challenge (or the confirmation)
//	POST /login/{flow}/certificate          a signature of the challenge
//	GET  /login/{flow}/certificate/tls      the TLS client certificate
//	GET  /login/{flow}/certificate/challenge  the challenge as a file to sign
//	POST /login/{flow}/certificate/confirm  make the account, or bind, and sign in
//	POST /login/{flow}/certificate/existing "I already have an account": sign in
//	                                        another way, then bind
//	GET  /static/cryptopro/cadesplugin_api.js  CryptoPro's script, when configured
package certificate

import (
	"context"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/storage"
)

// challengeLifetime is how long a certificate challenge may be signed.
const challengeLifetime = 5 * time.Minute

// maxCertAttempts bounds signatures tried against one challenge.
const maxCertAttempts = 5

// Config turns on certificate sign-in.
type Config struct {
	Verifier *certauth.Verifier
	// TLSURL is the origin of the listener (Vhod's own, or a proxy's) that asks the
	// browser for a client certificate; empty: no TLS sign-in offered.
	TLSURL string
	// Header carries the client certificate from a TLS proxy (nginx
	// $ssl_client_escaped_cert); read only from Trusted addresses.
	Header  string
	Trusted []netip.Prefix
	// PluginScriptFile is CryptoPro's cadesplugin_api.js on disk, served at
	// PluginScriptPath; the page works without it (manual path).
	PluginScriptFile string
	// Install are the pages the certificate page sends a person without
	// CryptoPro's plug-in to; an empty one is not shown.
	Install InstallLinks
	// Reauths ask a stale session to sign in again before a certificate is
	// bound to its account (the account's rule, flows.Reauths).
	Reauths *flows.Reauths
	// SecondFactors: binding a certificate to an account that has a second
	// factor needs a sign-in that reached one (a certificate outranks a
	// second factor, so a password alone must not add one). Nil: no factors.
	SecondFactors interface {
		Enrolment(ctx context.Context, userID string) (factors.Enrolment, error)
	}
}

// accounts is what certificate sign-in needs from directory.
type accounts interface {
	UserByID(ctx context.Context, id string) (storage.User, error)
	UserByCertificate(ctx context.Context, c *x509.Certificate, qualified bool) (storage.User, bool, error)
	CreateUserFromCertificate(ctx context.Context, c *x509.Certificate, qualified bool, locale string) (storage.User, error)
	BindCertificate(ctx context.Context, userID string, c *x509.Certificate, qualified bool) error
}

// Pages are the certificate sign-in's pages, under /login/{flow}/certificate.
type Pages struct {
	cfg      Config
	kit      *login.Kit
	accounts accounts
	pages    *web.Renderer
}

//go:embed templates/*.html
var templateFS embed.FS

// New prepares the pages; it fails if a template is broken.
func New(cfg Config, kit *login.Kit, acc accounts) (*Pages, error) {
	pages, err := kit.Renderer(templateFS, "certificate", "certificate_confirm")
	if err != nil {
		return nil, err
	}
	return &Pages{cfg: cfg, kit: kit, accounts: acc, pages: pages}, nil
}

// Mount adds the pages; CryptoPro's script goes outside the pages' headers.
func (h *Pages) Mount(bare, pages *mux.Router) {
	if h.cfg.PluginScriptFile != "" {
		bare.Handle(PluginScriptPath, web.CacheFor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			http.ServeFile(w, r, h.cfg.PluginScriptFile)
		}), time.Hour))
	}
	pages.HandleFunc("/login/{flow}/certificate", h.certificateForm).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/certificate", h.certificateSignIn).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/certificate/tls", h.certificateTLS).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/certificate/confirm", h.certificateConfirm).Methods(http.MethodPost)
	pages.HandleFunc("/login/{flow}/certificate/challenge", h.challengeFile).Methods(http.MethodGet)
	pages.HandleFunc("/login/{flow}/certificate/existing", h.existingAccount).Methods(http.MethodPost)
}

// Links offers the certificate on the password form.
func (h *Pages) Links(links map[string]string, f login.Flow, ar storage.AuthRequest) {
	if h.on() {
		links["certificate"] = login.FlowURL(f.ID, "certificate", ar.ID)
	}
}

// Show draws the confirmation of a certificate that has no account yet.
func (h *Pages) Show(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) bool {
	if !f.In(flows.StateCertConfirm) {
		return false
	}
	h.certificateConfirmForm(w, r, f, ar, lang)
	return true
}

// FirstStep sends a request that needs a certificate to the certificate page.
func (h *Pages) FirstStep(acr string) string {
	if h.on() && directory.ACRSatisfies(acr, directory.ACRCertificate) {
		return "certificate"
	}
	return ""
}

// on: sign-in with a certificate is offered while some CA is trusted (anchors
// may come and go through the admin API).
func (h *Pages) on() bool { return h.cfg.Verifier != nil && h.cfg.Verifier.HasAnchors() }

// PluginScriptPath is where the certificate page loads CryptoPro's script from.
const PluginScriptPath = "/static/cryptopro/cadesplugin_api.js"

type certificatePage struct {
	login.Base
	Action, Client, Challenge, ChallengeB64 string
	Notice, Error                           string
	TLSLink, PasswordLink, PluginScript     string
	// ChallengeLink downloads the challenge as ChallengeFile, to be signed by
	// a program (КриптоАРМ, cryptcp) when the plug-in is missing.
	ChallengeLink, ChallengeFile string
	Install                      InstallLinks
	// PasteOpen unfolds the experts' paste field: the last try used it.
	PasteOpen bool
}

type certificateConfirmPage struct {
	login.Base
	Action, CancelLink, Client string
	// ExistingAction signs in to an existing account, which the certificate then joins.
	ExistingAction  string
	Subject         certauth.Subject
	Issuer, Key     string
	NotAfter        time.Time // shown as a date in the page's zone
	Qualified, Bind bool
}

// certificateFlow loads a sign-in flow for the certificate pages.
func (h *Pages) certificateFlow(w http.ResponseWriter, r *http.Request) (login.Flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, _, uerr := h.kit.LoadFlow(r, flows.KindLogin)
	if uerr == nil && !h.on() {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("certificate sign-in is off")}
	}
	if uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// certificateForm shows the challenge (GET /login/{flow}/certificate).
func (h *Pages) certificateForm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if f.In(flows.StateCertConfirm) {
		h.certificateConfirmForm(w, r, f, ar, lang)
		return
	}
	h.certificateChallenge(w, r, http.StatusOK, f, ar, lang, "", "")
}

// certificateChallenge renders the page with the flow's challenge, making a new
// one when there is none or it has expired.
func (h *Pages) certificateChallenge(w http.ResponseWriter, r *http.Request, status int, f login.Flow, ar storage.AuthRequest, lang language.Tag, errKey, noticeKey string) {
	now := h.kit.Now()
	if !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("certificate page in state " + f.State)})
		return
	}
	if f.Method != string(login.MethodCertificate) || f.Challenge == "" || !now.Before(f.ChallengeExpiresAt) || f.Attempts >= maxCertAttempts {
		switch {
		case noticeKey != "" || f.Method != string(login.MethodCertificate) || f.Challenge == "":
		case f.Attempts >= maxCertAttempts:
			noticeKey = "cert.error.attempts"
		case !now.Before(f.ChallengeExpiresAt) && errKey == "":
			noticeKey = "cert.challenge_expired"
		}
		f.Method, f.Attempts = string(login.MethodCertificate), 0
		f.Challenge = certauth.NewChallenge(hostOf(h.kit.Issuer()), now)
		f.ChallengeExpiresAt = now.Add(challengeLifetime)
		if uerr := h.kit.Move(r, &f, flows.StateStarted); uerr != nil {
			h.kit.Fail(w, r, lang, uerr)
			return
		}
	}
	t := h.kit.Translator(lang)
	page := certificatePage{Base: h.kit.Base(r, lang, "cert.title"), Action: login.FlowURL(f.ID, "certificate", ar.ID),
		Challenge: f.Challenge, ChallengeB64: base64.StdEncoding.EncodeToString([]byte(f.Challenge)),
		PasswordLink:  login.FlowURL(f.ID, "", ar.ID) + "&method=" + string(login.MethodPassword),
		ChallengeLink: login.FlowURL(f.ID, "certificate/challenge", ar.ID), ChallengeFile: challengeFileName,
		Install: h.cfg.Install, PasteOpen: r.Method == http.MethodPost && strings.TrimSpace(r.PostFormValue("signature")) != ""}
	if h.cfg.PluginScriptFile != "" {
		page.PluginScript = PluginScriptPath
	}
	if h.cfg.TLSURL != "" {
		page.TLSLink = strings.TrimSuffix(h.cfg.TLSURL, "/") + login.FlowURL(f.ID, "certificate/tls", ar.ID)
	}
	page.Client = h.kit.ClientName(r.Context(), ar.ClientID)
	if errKey != "" {
		page.Error = t.T(errKey)
	}
	if noticeKey != "" {
		page.Notice = t.T(noticeKey)
	}
	h.pages.Render(w, r, status, "certificate", page)
}

// certificateSignIn checks a posted CMS signature of the challenge
// (POST /login/{flow}/certificate): pasted as text or uploaded as a file.
func (h *Pages) certificateSignIn(w http.ResponseWriter, r *http.Request) {
	raw, readErr := readSignature(r)
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateStarted) {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("signature posted in state " + f.State)})
		return
	}
	switch {
	case f.Method != string(login.MethodCertificate) || f.Challenge == "":
		// The challenge was spent by a sign-in, or never issued: this is a replay.
		h.certificateChallenge(w, r, http.StatusBadRequest, f, ar, lang, "cert.error.replayed", "")
		return
	case !h.kit.Now().Before(f.ChallengeExpiresAt):
		h.certificateChallenge(w, r, http.StatusBadRequest, f, ar, lang, "cert.error.challenge_expired", "")
		return
	case f.Attempts >= maxCertAttempts:
		h.certificateChallenge(w, r, http.StatusTooManyRequests, f, ar, lang, "cert.error.attempts", "")
		return
	case errors.As(readErr, new(*http.MaxBytesError)):
		h.certificateChallenge(w, r, http.StatusRequestEntityTooLarge, f, ar, lang, "cert.error.too_large", "")
		return
	case readErr != nil || len(raw) == 0:
		h.certificateChallenge(w, r, http.StatusBadRequest, f, ar, lang, "cert.error.empty", "")
		return
	}
	if h.addressLimited(w, r, f, ar, lang) {
		return
	}
	// The attempt is counted before the check, so racing posts cannot try more.
	f.Attempts++
	if uerr := h.kit.Move(r, &f, flows.StateStarted); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	signed, err := h.cfg.Verifier.VerifyCMS(r.Context(), raw, certauth.ChallengeContents(f.Challenge))
	if err != nil {
		h.certificateRefused(r, ar, err, "cms")
		if err := h.kit.CountAddressFailure(r); err != nil {
			h.kit.Fail(w, r, lang, login.Unavailable(err))
			return
		}
		h.certificateChallenge(w, r, http.StatusUnauthorized, f, ar, lang, reasonKey(err), "")
		return
	}
	// The challenge is spent: it leaves the flow with the next save.
	f.Challenge, f.ChallengeExpiresAt = "", time.Time{}
	h.certificateAccepted(w, r, f, ar, lang, signed.Result, "cms")
}

// certificateTLS signs in with the client certificate of the TLS connection, or
// the one a trusted proxy passed on (GET /login/{flow}/certificate/tls).
func (h *Pages) certificateTLS(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("TLS sign-in in state " + f.State)})
		return
	}
	if h.addressLimited(w, r, f, ar, lang) {
		return
	}
	leaf, chain, err := h.cfg.FromRequest(r)
	if err != nil {
		h.kit.Logger().InfoContext(r.Context(), "no client certificate", "err", err)
		h.certificateChallenge(w, r, http.StatusUnauthorized, f, ar, lang, "cert.error.no_tls_certificate", "")
		return
	}
	res, err := h.cfg.Verifier.Verify(r.Context(), leaf, chain, certauth.PurposeClientAuth)
	if err != nil {
		h.certificateRefused(r, ar, err, "tls")
		if err := h.kit.CountAddressFailure(r); err != nil {
			h.kit.Fail(w, r, lang, login.Unavailable(err))
			return
		}
		h.certificateChallenge(w, r, http.StatusUnauthorized, f, ar, lang, reasonKey(err), "")
		return
	}
	h.certificateAccepted(w, r, f, ar, lang, res, "tls")
}

// addressLimited refuses an address with too many failed sign-ins in the window:
// refused certificates count like wrong passwords, and every check costs CPU
// (a GOST verification takes milliseconds).
func (h *Pages) addressLimited(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) bool {
	c, err := h.kit.Failures(r, "")
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return true
	}
	if !h.kit.Over(c) {
		return false
	}
	h.kit.OnSignIn(login.MethodCertificate, login.OutcomeLimited)
	h.certificateChallenge(w, r, http.StatusTooManyRequests, f, ar, lang, "login.too_many_failures", "")
	return true
}

// FromRequest is the TLS client certificate of a request, not yet verified:
// from our listener, whose handshake proved the key, or from the header of a
// trusted proxy. The header from anyone else is ignored.
func (c *Config) FromRequest(r *http.Request) (*x509.Certificate, []*x509.Certificate, error) {
	if leaf, chain, ok := certauth.FromTLS(r.TLS); ok {
		return leaf, chain, nil
	}
	if c.Header == "" || !certauth.ProxyTrusted(r.RemoteAddr, c.Trusted) {
		return nil, nil, errors.New("no verified client certificate on this connection")
	}
	return certauth.FromProxyHeader(r.Header.Get(c.Header))
}

// StripCertificateHeader removes the proxy's certificate header from requests of
// untrusted peers, so that no handler can ever read a forged one.
func StripCertificateHeader(header string, trusted []netip.Prefix, next http.Handler) http.Handler {
	if header == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !certauth.ProxyTrusted(r.RemoteAddr, trusted) {
			r.Header.Del(header)
		}
		next.ServeHTTP(w, r)
	})
}

// certificateAccepted finds the certificate's account and signs in, or asks the
// person to confirm a new account (or the binding to the signed-in one).
func (h *Pages) certificateAccepted(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, res *certauth.Result, via string) {
	user, renewed, err := h.accounts.UserByCertificate(r.Context(), res.Leaf, res.Qualified)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		f.Certificate = &storage.PendingCertificate{DER: res.Leaf.Raw, Qualified: res.Qualified, Via: via}
		if uerr := h.kit.Move(r, &f, flows.StateCertConfirm); uerr != nil {
			h.kit.Fail(w, r, lang, uerr)
			return
		}
		http.Redirect(w, r, login.FlowURL(f.ID, "certificate", ar.ID), http.StatusSeeOther)
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		h.certificateChallenge(w, r, http.StatusConflict, f, ar, lang, "cert.error.taken", "")
		return
	case err != nil:
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	if renewed {
		h.kit.Audit(r, storage.AuditEvent{Type: directory.EventCertificateBound, Outcome: directory.OutcomeSuccess, UserID: user.ID,
			ClientID: ar.ClientID, Details: map[string]string{"sha256": res.Fingerprint, "reason": "renewal"}})
	}
	if f.SessionUserID != "" && f.SessionUserID != user.ID {
		h.certificateChallenge(w, r, http.StatusConflict, f, ar, lang, "cert.error.other_account", "")
		return
	}
	if user.Disabled {
		h.certificateChallenge(w, r, http.StatusForbidden, f, ar, lang, "cert.error.disabled", "")
		return
	}
	h.certificateSession(w, r, f, ar, lang, user.ID, res.Leaf, res.Qualified, via)
}

// certificateSession starts the SSO session of a certificate sign-in.
func (h *Pages) certificateSession(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag, userID string, leaf *x509.Certificate, qualified bool, via string) {
	acr := directory.ACRCertificate
	if qualified {
		acr = directory.ACRQualifiedCertificate
	}
	ref := directory.CertificateRef(leaf)
	sess, err := h.kit.StartSession(w, r, storage.Session{UserID: userID, AMR: []string{directory.AMRSoftKey}, ACR: acr, Certificate: &ref, ClientIDs: []string{ar.ClientID}})
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	h.kit.OnSignIn(login.MethodCertificate, login.OutcomeSuccess)
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: userID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(login.MethodCertificate), "via": via, "sha256": ref.SHA256, "sid": sess.SID, "acr": acr}})
	f.Certificate = nil
	h.kit.SignedIn(w, r, f, ar, lang, sess, login.MethodCertificate)
}

// certificateRefused logs and audits a refused certificate or signature.
func (h *Pages) certificateRefused(r *http.Request, ar storage.AuthRequest, err error, via string) {
	reason := string(certauth.ReasonOf(err))
	h.kit.Logger().InfoContext(r.Context(), "certificate refused", "reason", reason, "via", via, "err", err)
	h.kit.OnSignIn(login.MethodCertificate, login.OutcomeFailure)
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventCertificateRefused, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(login.MethodCertificate), "via": via, "reason": reason}})
}

// certificateConfirmForm shows what the certificate says before an account is
// made from it (or it is bound to the signed-in person's account).
func (h *Pages) certificateConfirmForm(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) {
	leaf, err := pendingLeaf(f)
	if err != nil {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err})
		return
	}
	page := certificateConfirmPage{Base: h.kit.Base(r, lang, "cert.confirm_title"), Action: login.FlowURL(f.ID, "certificate/confirm", ar.ID),
		ExistingAction: login.FlowURL(f.ID, "certificate/existing", ar.ID),
		Subject:        certauth.ReadSubject(leaf), Issuer: leaf.Issuer.CommonName, NotAfter: leaf.NotAfter,
		Qualified: f.Certificate.Qualified, Bind: f.SessionUserID != ""}
	page.Client = h.kit.ClientName(r.Context(), ar.ClientID)
	h.pages.Render(w, r, http.StatusOK, "certificate_confirm", page)
}

func pendingLeaf(f login.Flow) (*x509.Certificate, error) {
	if f.Certificate == nil {
		return nil, errors.New("no certificate waits in the flow")
	}
	return x509.ParseCertificate(f.Certificate.DER)
}

// certificateConfirm makes the account (or binds the certificate to the
// signed-in person) and signs in (POST /login/{flow}/certificate/confirm).
func (h *Pages) certificateConfirm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateCertConfirm) {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("confirmation in state " + f.State)})
		return
	}
	leaf, err := pendingLeaf(f)
	if err != nil {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err})
		return
	}
	qualified, via := f.Certificate.Qualified, f.Certificate.Via
	userID := f.SessionUserID
	if userID != "" && !h.bindingFresh(w, r, f, ar, lang) {
		return
	}
	if userID != "" {
		err = h.accounts.BindCertificate(r.Context(), userID, leaf, qualified)
	} else {
		var u storage.User
		u, err = h.accounts.CreateUserFromCertificate(r.Context(), leaf, qualified, lang.String())
		userID = u.ID
		if err == nil {
			h.kit.Audit(r, storage.AuditEvent{Type: directory.EventRegistration, Outcome: directory.OutcomeSuccess, UserID: u.ID, ClientID: ar.ClientID,
				Details: map[string]string{"method": string(login.MethodCertificate)}})
		}
	}
	if errors.Is(err, directory.ErrCertificateTaken) {
		f.Certificate = nil
		if uerr := h.kit.Move(r, &f, flows.StateStarted); uerr != nil {
			h.kit.Fail(w, r, lang, uerr)
			return
		}
		h.certificateChallenge(w, r, http.StatusConflict, f, ar, lang, "cert.error.taken", "")
		return
	}
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return
	}
	h.kit.Audit(r, storage.AuditEvent{Type: directory.EventCertificateBound, Outcome: directory.OutcomeSuccess, UserID: userID, ClientID: ar.ClientID,
		Details: map[string]string{"sha256": certauth.Fingerprint(leaf), "via": via}})
	if f.SessionUserID != "" {
		if u, err := h.accounts.UserByID(r.Context(), userID); err == nil {
			h.kit.TellOfChange(r, u, directory.ChangeCertificateAdded)
		}
	}
	h.certificateSession(w, r, f, ar, lang, userID, leaf, qualified, via)
}

// readSignature takes the signature from the text field or the uploaded file.
func readSignature(r *http.Request) ([]byte, error) {
	if text := strings.TrimSpace(r.PostFormValue("signature")); text != "" {
		return []byte(text), nil
	}
	file, _, err := r.FormFile("signature_file")
	if err != nil {
		return nil, err
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, 2*certauth.MaxCMSBytes+1))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// reasonKey is the sentence for a refusal.
func reasonKey(err error) string {
	return "cert.error." + string(certauth.ReasonOf(err))
}

func hostOf(issuer string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	host, _, _ := strings.Cut(s, "/")
	return host
}

// bindingFresh: a certificate joins the signed-in person's account (linking on the
// account page, or a step-up) only from a session that is still theirs and signed
// in recently; a session signed in too long ago signs in again and comes back to
// this confirmation. Otherwise it has answered and returns false.
func (h *Pages) bindingFresh(w http.ResponseWriter, r *http.Request, f login.Flow, ar storage.AuthRequest, lang language.Tag) bool {
	sess, err := h.kit.CurrentSession(r.Context())
	var u storage.User
	if err == nil && sess != nil && sess.UserID == f.SessionUserID {
		u, err = h.accounts.UserByID(r.Context(), sess.UserID)
	}
	switch {
	case err != nil:
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return false
	case sess == nil || sess.UserID != f.SessionUserID:
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "login.flow_expired", Err: errors.New("the session a binding is for has ended")})
		return false
	}
	// An account with a second factor: the sign-in must have reached it, and
	// a new one is asked to (a certificate outranks the factor a password
	// alone would skip).
	hasFactor := false
	if h.cfg.SecondFactors != nil {
		e, err := h.cfg.SecondFactors.Enrolment(r.Context(), u.ID)
		if err != nil {
			h.kit.Fail(w, r, lang, login.Unavailable(err))
			return false
		}
		hasFactor = e.Any()
	}
	if h.cfg.Reauths.Fresh(sess) && (!hasFactor || directory.ACRSatisfies(sess.ACR, directory.ACRMFA)) {
		return true
	}
	q := reauthQuery(u)
	if hasFactor {
		q.Set("acr_values", directory.ACRMFA)
	}
	id, err := h.cfg.Reauths.Wait(r.Context(), h.kit.Actor(r, u.ID), sess, u.ID, h.kit.BrowserHash(r.Context()),
		flows.ReauthCertificateBind, f.ID, ar.ID)
	if err != nil {
		h.kit.Fail(w, r, lang, login.Unavailable(err))
		return false
	}
	web.SignIn(w, r, h.kit.Issuer(), directory.AccountClientID, directory.ReauthStatePrefix+id, q)
	return false
}

// reauthQuery asks the account client's sign-in to be made again, for u.
func reauthQuery(u storage.User) url.Values {
	q := url.Values{"prompt": {"login"}}
	if hint := firstOf(u.Login, u.Email, u.Phone); hint != "" {
		q.Set("login_hint", hint)
	}
	return q
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
